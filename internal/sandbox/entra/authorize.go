package entra

import (
	"net/http"
	"strings"
	"time"
)

// codeLifetime is how long an authorization code can be redeemed.
const codeLifetime = 10 * time.Minute

// authCode is an issued authorization code.
type authCode struct {
	clientID, tenantID, userKey string
	redirectURI, scope, nonce   string
	challenge, method           string
	expires                     time.Time
	used                        bool
}

// authorize serves /{tenant}/oauth2/v2.0/authorize (response_type=code):
// sign-in, a consent page for delegated scopes not yet granted, then a
// redirect with code and state.
func (e *Entra) authorize(w http.ResponseWriter, r *http.Request, t *Tenant, _ bool) {
	app, u, s := e.pageStart(w, r, t)
	if app == nil {
		return
	}
	q := r.URL.Query()
	ru, state := redirectFor(app, r), q.Get("state")
	if q.Get("redirect_uri") == "" {
		errorPage(w, http.StatusBadRequest, 900144, "The request body must contain the following parameter: 'redirect_uri'.")
		return
	}
	if rt := q.Get("response_type"); rt != "code" {
		redirectError(w, r, ru, state, "unsupported_response_type", 700054, "response_type '"+rt+"' is not enabled for the application.")
		return
	}
	if m := q.Get("code_challenge_method"); q.Get("code_challenge") != "" && m != "S256" && m != "plain" && m != "" {
		redirectError(w, r, ru, state, "invalid_request", 501491, "Invalid size of Code_Challenge parameter or unsupported code_challenge_method '"+m+"'.")
		return
	}
	sr, bad := parseScopes(q.Get("scope"))
	if bad != "" || len(sr.unknown) > 0 {
		msg := bad
		if msg == "" {
			msg = "AADSTS70011: The provided value for the input parameter 'scope' is not valid. The scope " + strings.Join(sr.unknown, " ") + " is not valid."
		}
		code, text, _ := strings.Cut(msg, ": ")
		n := 70011
		if strings.HasSuffix(code, "28000") {
			n = 28000
		}
		redirectError(w, r, ru, state, "invalid_scope", n, text)
		return
	}
	wanted := e.delegatedWanted(app, sr)
	if missing := e.notGranted(u.TenantID, app.ClientID, wanted); len(missing) > 0 {
		if !e.consentStep(w, r, app, u, s, missing, ru, state) {
			return
		}
	}
	code := newID() + "." + newID()
	e.mu.Lock()
	e.codes[code] = &authCode{
		clientID: app.ClientID, tenantID: u.TenantID, userKey: strings.ToLower(u.UPN),
		redirectURI: ru, scope: q.Get("scope"), nonce: q.Get("nonce"),
		challenge: q.Get("code_challenge"), method: q.Get("code_challenge_method"),
		expires: e.clock.Now().Add(codeLifetime),
	}
	e.mu.Unlock()
	http.Redirect(w, r, withQuery(ru, map[string]string{"code": code, "state": state, "session_state": s.csrf}), http.StatusFound)
}

// consentStep shows the consent page or handles its answer. It returns
// true when the user accepted (and the grant is recorded).
func (e *Entra) consentStep(w http.ResponseWriter, r *http.Request, app *App, u *User, s *session, missing []Permission, ru, state string) bool {
	if r.Method != http.MethodPost || r.PostFormValue("sbx_step") != "consent" {
		consentPage(w, e.view(r, app, u, s, missing, false))
		return false
	}
	if r.PostFormValue("csrf") != s.csrf {
		errorPage(w, http.StatusBadRequest, 90014, "The required field 'csrf' is missing from the credential.")
		return false
	}
	if r.PostFormValue("decision") != "accept" {
		redirectError(w, r, ru, state, "access_denied", 65004, "User declined to consent to access the app.")
		return false
	}
	e.grant(u.TenantID, app, missing, false)
	return true
}

// delegatedWanted lists the delegated permissions a scope request needs
// (".default" = those configured on the registration for the resource).
func (e *Entra) delegatedWanted(app *App, sr scopeRequest) []Permission {
	var out []Permission
	for _, p := range sr.perms {
		if p.Type == permTypeDelegated {
			out = append(out, p)
		}
	}
	if sr.dflt {
		for _, p := range app.Required {
			if p.Type == permTypeDelegated && sameResource(p.Resource, sr.resource) && !hasPerm(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}

// notGranted returns the permissions of want that the app's service
// principal in the tenant does not hold.
func (e *Entra) notGranted(tenantID, clientID string, want []Permission) []Permission {
	e.mu.Lock()
	defer e.mu.Unlock()
	sp := e.sps[tenantID+"/"+clientID]
	var out []Permission
	for _, p := range want {
		if sp == nil || !hasPerm(sp.Permissions, p) {
			out = append(out, p)
		}
	}
	return out
}
