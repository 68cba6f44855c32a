package entra

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
)

// redeemCode serves grant_type=authorization_code (with PKCE when the
// authorization request carried a code_challenge).
func (e *Entra) redeemCode(r *http.Request, t *Tenant) (tokenResult, *aadError) {
	f := r.PostForm
	e.mu.Lock()
	c := e.codes[f.Get("code")]
	e.mu.Unlock()
	if f.Get("code") == "" {
		return nil, &aadError{400, "invalid_request", 900144, "The request body must contain the following parameter: 'code'."}
	}
	if c == nil || (t != nil && c.tenantID != t.ID) {
		return nil, &aadError{400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid."}
	}
	tt := e.tenantByID(c.tenantID)
	app, _, fail := e.authClient(r, tt, c.tenantID)
	if fail != nil {
		return nil, fail
	}
	switch {
	case c.clientID != app.ClientID:
		return nil, &aadError{400, "invalid_grant", 70002, "Error validating credentials. The code was issued to another client."}
	case c.used:
		return nil, &aadError{400, "invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token."}
	case !e.clock.Now().Before(c.expires):
		a := errExpiredGrant()
		return nil, &a
	case f.Get("redirect_uri") != c.redirectURI:
		return nil, &aadError{400, "invalid_grant", 500117, "The reply uri specified in the token request does not match the reply uri specified in the authorization request."}
	case !pkceOK(c, f.Get("code_verifier")):
		return nil, &aadError{400, "invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request."}
	}
	e.mu.Lock()
	c.used = true
	e.mu.Unlock()
	scope := c.scope
	return e.userTokens(r, tt, app, c.userKey, scope, c.nonce)
}

func pkceOK(c *authCode, verifier string) bool {
	if c.challenge == "" {
		return true
	}
	if verifier == "" {
		return false
	}
	if c.method == "S256" {
		sum := sha256.Sum256([]byte(verifier))
		return base64.RawURLEncoding.EncodeToString(sum[:]) == c.challenge
	}
	return verifier == c.challenge
}

// redeemRefresh serves grant_type=refresh_token; the scope may name
// another resource (Entra's refresh tokens are multi-resource).
func (e *Entra) redeemRefresh(r *http.Request, t *Tenant) (tokenResult, *aadError) {
	f := r.PostForm
	e.mu.Lock()
	g := e.refresh[f.Get("refresh_token")]
	e.mu.Unlock()
	if g == nil || (t != nil && g.tenantID != t.ID) {
		return nil, &aadError{400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid. The refresh token is malformed or not valid."}
	}
	tt := e.tenantByID(g.tenantID)
	app, _, fail := e.authClient(r, tt, g.tenantID)
	if fail != nil {
		return nil, fail
	}
	switch {
	case g.clientID != app.ClientID:
		return nil, &aadError{400, "invalid_grant", 700005, "Provided Authorization Code is intended to use against other tenant, thus rejected."}
	case g.revoked:
		return nil, &aadError{400, "invalid_grant", 50173, "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password."}
	case !e.clock.Now().Before(g.expires):
		a := errExpiredGrant()
		return nil, &a
	}
	scope := f.Get("scope")
	if scope == "" {
		scope = ResourceARM + ".default offline_access"
	}
	e.mu.Lock()
	delete(e.refresh, f.Get("refresh_token"))
	e.mu.Unlock()
	return e.userTokens(r, tt, app, g.userKey, scope, "")
}

func (e *Entra) tenantByID(id string) *Tenant {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.tenants[id]
}

// userTokens issues a delegated access token whose scp holds the requested
// scopes the tenant granted, plus id_token and refresh_token when asked.
func (e *Entra) userTokens(r *http.Request, t *Tenant, app *App, userKey, scope, nonce string) (tokenResult, *aadError) {
	sr, bad := parseScopes(scope)
	if bad != "" {
		return nil, &aadError{400, "invalid_scope", 28000, strings.TrimPrefix(bad, "AADSTS28000: ")}
	}
	e.mu.Lock()
	u := *e.users[userKey]
	u.Roles = append([]string(nil), u.Roles...)
	sp := e.sps[t.ID+"/"+app.ClientID]
	var granted []string
	if sp != nil {
		granted = grantedFor(sp.Permissions, sr.resource, permTypeDelegated)
	}
	e.mu.Unlock()
	scp := e.scpFor(app, sr, granted)
	if sp == nil || (sr.resource != "" && len(scp) == 0) {
		a := errConsentRequired(app.ClientID, app.Name)
		return nil, &a
	}
	res := sr.resource
	aud := sr.aud
	if res == "" {
		aud, scp = strings.TrimSuffix(ResourceGraph, "/"), []string{"User.Read"}
	}
	claims := e.baseClaims(r, t.ID, app.ClientID, aud)
	claims["oid"], claims["sub"], claims["idtyp"] = u.ObjectID, pairwiseSub(u.ObjectID, app.ClientID), "user"
	claims["scp"], claims["upn"], claims["unique_name"], claims["name"] = strings.Join(scp, " "), u.UPN, u.UPN, u.Name
	claims["preferred_username"], claims["amr"], claims["appidacr"] = u.UPN, []string{"pwd"}, "1"
	if wids := u.Roles; u.Admin || len(wids) > 0 {
		if u.Admin {
			wids = append(wids, RoleGlobalAdministrator)
		}
		claims["wids"] = wids
	}
	at, err := e.issuer.Sign(claims)
	if err != nil {
		return nil, &aadError{500, "server_error", 90033, "A transient error has occurred. Please try again."}
	}
	out := tokenResult{"token_type": "Bearer", "expires_in": int(TokenLifetime.Seconds()), "ext_expires_in": int(TokenLifetime.Seconds()),
		"access_token": at, "scope": scopeString(res, scp, sr.oidc)}
	e.extras(r, out, t, app, u, sr.oidc, nonce)
	return out, nil
}

// scpFor is the scp claim: the named delegated scopes (or, for .default,
// every delegated scope) the tenant granted for the resource.
func (e *Entra) scpFor(app *App, sr scopeRequest, granted []string) []string {
	if sr.dflt {
		return granted
	}
	var out []string
	for _, p := range sr.perms {
		if p.Type == permTypeDelegated && contains(granted, p.Name) {
			out = append(out, p.Name)
		}
	}
	return out
}

func scopeString(res string, scp, oidc []string) string {
	var parts []string
	for _, s := range scp {
		parts = append(parts, res+s)
	}
	return strings.Join(append(parts, oidc...), " ")
}

// extras adds id_token (openid), refresh_token (offline_access) and
// client_info (when the client asked for it, as MSAL does).
func (e *Entra) extras(r *http.Request, out tokenResult, t *Tenant, app *App, u User, oidc []string, nonce string) {
	if contains(oidc, "openid") {
		c := e.baseClaims(r, t.ID, app.ClientID, app.ClientID)
		delete(c, "appid")
		delete(c, "idp")
		delete(c, "azp")
		c["oid"], c["sub"], c["name"], c["preferred_username"] = u.ObjectID, pairwiseSub(u.ObjectID, app.ClientID), u.Name, u.UPN
		if nonce != "" {
			c["nonce"] = nonce
		}
		if idt, err := e.issuer.Sign(c); err == nil {
			out["id_token"] = idt
		}
	}
	if contains(oidc, offlineAccess) {
		rt := "0.sbx." + strings.ReplaceAll(newID()+newID(), "-", "")
		e.mu.Lock()
		e.refresh[rt] = &refreshGrant{clientID: app.ClientID, tenantID: t.ID, userKey: strings.ToLower(u.UPN), expires: e.clock.Now().Add(refreshLifetime)}
		e.mu.Unlock()
		out["refresh_token"] = rt
	}
	if r.PostForm.Get("client_info") == "1" {
		ci, _ := json.Marshal(map[string]string{"uid": u.ObjectID, "utid": t.ID})
		out["client_info"] = base64.RawURLEncoding.EncodeToString(ci)
	}
}

// pairwiseSub is the per-app subject identifier of a user.
func pairwiseSub(oid, clientID string) string {
	sum := sha256.Sum256([]byte(oid + "|" + clientID))
	return base64.RawURLEncoding.EncodeToString(sum[:])[:43]
}
