package entra

import (
	"net/http"
	"strings"
	"time"
)

// refreshLifetime is how long an unused refresh token stays valid.
const refreshLifetime = 90 * 24 * time.Hour

// refreshGrant is an issued refresh token.
type refreshGrant struct {
	clientID, tenantID, userKey string
	expires                     time.Time
	revoked                     bool
}

// token serves POST /{tenant}/oauth2/v2.0/token.
func (e *Entra) token(w http.ResponseWriter, r *http.Request, t *Tenant, seg string) {
	now := e.clock.Now()
	if r.Method != http.MethodPost {
		errorPage(w, http.StatusMethodNotAllowed, 900561, "The endpoint only accepts POST, OPTIONS requests. Received a "+r.Method+" request.")
		return
	}
	if err := r.ParseForm(); err != nil {
		errInvalidRequest("The request body is not a valid form.").write(w, now)
		return
	}
	var res tokenResult
	var fail *aadError
	switch gt := r.PostForm.Get("grant_type"); gt {
	case "client_credentials":
		res, fail = e.clientCredentials(r, t, seg)
	case "authorization_code":
		res, fail = e.redeemCode(r, t)
	case "refresh_token":
		res, fail = e.redeemRefresh(r, t)
	case "password":
		res, fail = e.passwordGrant(r, t, seg)
	case "":
		fail = &aadError{400, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'."}
	default:
		fail = &aadError{400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type '" + gt + "'."}
	}
	if fail != nil {
		fail.write(w, now)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// tokenResult is the token endpoint's success body.
type tokenResult map[string]any

// authClient finds the app and checks that it has a service principal in
// the tenant (AADSTS700016) and that the secret is right (AADSTS7000215).
func (e *Entra) authClient(r *http.Request, t *Tenant, tenantLabel string) (*App, *Consent, *aadError) {
	id, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if bid, bsec, ok := r.BasicAuth(); ok {
		id, secret = bid, bsec
	}
	if id == "" {
		return nil, nil, &aadError{400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'."}
	}
	e.mu.Lock()
	app := e.apps[id]
	var sp *Consent
	if t != nil {
		sp = e.sps[t.ID+"/"+id]
	}
	e.mu.Unlock()
	if app == nil || (t != nil && sp == nil) {
		label := tenantLabel
		if t != nil {
			label = t.Name
		}
		a := errAppNotFound(id, label)
		return nil, nil, &a
	}
	if secret == "" {
		return nil, nil, &aadError{401, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."}
	}
	if secret != app.Secret {
		a := errBadSecret(id)
		return nil, nil, &a
	}
	return app, sp, nil
}

// clientCredentials issues an app-only token whose roles are the
// application permissions the tenant's admin consented to for the resource.
func (e *Entra) clientCredentials(r *http.Request, t *Tenant, seg string) (tokenResult, *aadError) {
	if t == nil {
		return nil, &aadError{400, "invalid_request", 90009, "Application is requesting a token for itself. This scenario is supported only if resource is specified using the GUID based App Identifier; use a tenant-specific endpoint ('" + seg + "' is not one) for the client credentials flow."}
	}
	app, sp, fail := e.authClient(r, t, seg)
	if fail != nil {
		return nil, fail
	}
	scope := r.PostForm.Get("scope")
	if scope == "" {
		return nil, &aadError{400, "invalid_request", 900144, "The request body must contain the following parameter: 'scope'."}
	}
	sr, bad := parseScopes(scope)
	if bad != "" || len(sr.perms) > 0 || !sr.dflt { // MSAL adds openid profile offline_access; Entra ignores them here
		return nil, &aadError{400, "invalid_scope", 1002012, "The provided value for scope " + scope + " is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."}
	}
	if len(sr.unknown) > 0 || sr.resource == "" {
		return nil, &aadError{400, "invalid_resource", 500011, "The resource principal named " + strings.Join(sr.unknown, " ") + " was not found in the tenant named " + t.Name + ". This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant."}
	}
	e.mu.Lock()
	roles := grantedFor(sp.Permissions, sr.resource, permTypeApplication)
	blocked := e.caBlocked[t.ID+"/"+app.ClientID]
	e.mu.Unlock()
	if blocked {
		a := errBlockedByConditionalAccess()
		return nil, &a
	}
	claims := e.baseClaims(r, t.ID, app.ClientID, sr.aud)
	claims["oid"], claims["sub"], claims["idtyp"] = sp.ObjectID, sp.ObjectID, "app"
	claims["appidacr"], claims["azpacr"] = "1", "1"
	if len(roles) > 0 {
		claims["roles"] = roles
	}
	at, err := e.issuer.Sign(claims)
	if err != nil {
		return nil, &aadError{500, "server_error", 90033, "A transient error has occurred. Please try again."}
	}
	return tokenResult{"token_type": "Bearer", "expires_in": int(TokenLifetime.Seconds()), "ext_expires_in": int(TokenLifetime.Seconds()), "access_token": at}, nil
}

// baseClaims are the claims every access token carries.
func (e *Entra) baseClaims(r *http.Request, tenantID, clientID, aud string) map[string]any {
	now := e.clock.Now()
	iss := baseURL(r) + "/" + tenantID + "/v2.0"
	return map[string]any{
		"aud": aud, "iss": iss, "idp": iss, "tid": tenantID,
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(TokenLifetime).Unix(),
		"appid": clientID, "azp": clientID, "ver": "2.0",
		"uti": strings.ReplaceAll(newID(), "-", "")[:22], "rh": "0.sandbox.",
	}
}
