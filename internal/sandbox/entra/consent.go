package entra

import (
	"net/http"
	"strings"

	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

// pageStart is the part adminconsent and authorize share: the app, its
// redirect URI, the signed-in user and a posted sign-in form. It returns
// nil when it has answered the request itself.
func (e *Entra) pageStart(w http.ResponseWriter, r *http.Request, t *Tenant) (*App, *User, *session) {
	q := r.URL.Query()
	clientID := q.Get("client_id")
	if clientID == "" {
		errorPage(w, http.StatusBadRequest, 900144, "The request body must contain the following parameter: 'client_id'.")
		return nil, nil, nil
	}
	e.mu.Lock()
	app := e.apps[clientID]
	e.mu.Unlock()
	if app == nil {
		tn := "common"
		if t != nil {
			tn = t.Name
		}
		errorPage(w, http.StatusBadRequest, 700016, errAppNotFound(clientID, tn).msg)
		return nil, nil, nil
	}
	if ru := q.Get("redirect_uri"); ru != "" && !contains(app.RedirectURIs, ru) {
		errorPage(w, http.StatusBadRequest, 50011, "The redirect URI '"+ru+"' specified in the request does not match the redirect URIs configured for the application '"+clientID+"'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.")
		return nil, nil, nil
	}
	if r.Method == http.MethodPost && r.PostFormValue("sbx_step") == "login" {
		e.signIn(w, r, t)
		return nil, nil, nil
	}
	u, s := e.signedIn(r)
	if u == nil || q.Get("prompt") == "login" || (t != nil && u.TenantID != t.ID) {
		e.loginPage(w, r, "")
		return nil, nil, nil
	}
	return app, u, s
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// redirectFor is the redirect URI of a request (the app's first when absent).
func redirectFor(app *App, r *http.Request) string {
	if ru := r.URL.Query().Get("redirect_uri"); ru != "" {
		return ru
	}
	if len(app.RedirectURIs) > 0 {
		return app.RedirectURIs[0]
	}
	return ""
}

// adminConsent serves /{tenant}/v2.0/adminconsent: sign-in, the consent
// page listing the permissions asked for, then the redirect with
// admin_consent=True (or error=access_denied on Cancel).
func (e *Entra) adminConsent(w http.ResponseWriter, r *http.Request, t *Tenant, _ bool) {
	app, u, s := e.pageStart(w, r, t)
	if app == nil {
		return
	}
	q := r.URL.Query()
	ru, state := redirectFor(app, r), q.Get("state")
	v2 := strings.Contains(strings.ToLower(r.URL.Path), "/v2.0/")
	if v2 && strings.TrimSpace(q.Get("scope")) == "" {
		errorPage(w, http.StatusBadRequest, 900144, "The request body must contain the following parameter: 'scope'.")
		return
	}
	perms := requestedPermissions(app, q.Get("scope"))
	if !u.Admin {
		back := withQuery(ru, map[string]string{"error": "access_denied", "error_description": "AADSTS90094: The grant requires admin permission.", "state": state})
		needAdminPage(w, app.Name, back)
		return
	}
	if r.Method != http.MethodPost || r.PostFormValue("sbx_step") != "consent" {
		consentPage(w, e.view(r, app, u, s, perms, true))
		return
	}
	if r.PostFormValue("csrf") != s.csrf {
		errorPage(w, http.StatusBadRequest, 90014, "The required field 'csrf' is missing from the credential. Ensure that you have all the necessary parameters for the login request.")
		return
	}
	if r.PostFormValue("decision") != "accept" {
		redirectError(w, r, ru, state, "access_denied", 65004, "User declined to consent to access the app.")
		return
	}
	e.grant(u.TenantID, app, perms, true)
	http.Redirect(w, r, withQuery(ru, map[string]string{
		"admin_consent": "True", "tenant": u.TenantID, "state": state, "scope": q.Get("scope"),
	}), http.StatusFound)
}

func (e *Entra) view(r *http.Request, app *App, u *User, s *session, perms []Permission, admin bool) consentView {
	e.mu.Lock()
	tn := e.tenants[u.TenantID].Name
	e.mu.Unlock()
	return consentView{Action: r.URL.RequestURI(), CSRF: s.csrf, AppName: app.Name, User: u.UPN, Tenant: tn, Admin: admin, Permissions: perms}
}

// requestedPermissions resolves a scope parameter against the app's
// registration: "{resource}/.default" means every permission configured
// for that resource; named scopes are looked up in the catalog.
func requestedPermissions(app *App, scope string) []Permission {
	var out []Permission
	seen := map[string]bool{}
	add := func(p Permission) {
		if !seen[p.Key()+p.Type] {
			seen[p.Key()+p.Type] = true
			out = append(out, p)
		}
	}
	fields := strings.Fields(scope)
	if len(fields) == 0 { // v1 admin consent: the whole registration
		for _, p := range app.Required {
			add(p)
		}
	}
	for _, s := range fields {
		base, name := splitScope(s)
		res, ok := resourceOf(base)
		if !ok {
			continue
		}
		if name == ".default" {
			for _, p := range app.Required {
				if sameResource(p.Resource, res) {
					add(p)
				}
			}
		} else if p, ok := LookupPermission(res, name); ok {
			add(p)
		}
	}
	return out
}

// grant creates or updates the app's service principal in the tenant with
// perms (admin consent replaces what the resources asked for; user consent
// adds to it).
func (e *Entra) grant(tenantID string, app *App, perms []Permission, _ bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	key := tenantID + "/" + app.ClientID
	sp := e.sps[key]
	if sp == nil {
		sp = &Consent{TenantID: tenantID, ClientID: app.ClientID, ObjectID: e.spObjectID(tenantID, app.ClientID)}
		e.sps[key] = sp
	}
	sp.GrantedAt = e.clock.Now()
	for _, p := range perms {
		if !hasPerm(sp.Permissions, p) {
			sp.Permissions = append(sp.Permissions, p)
		}
	}
}

// spObjectID is deterministic per tenant and app, so a revoked and
// re-granted consent gets the same service principal ID back; role
// assignments made for it then apply again, as Canopy's onboarding
// re-runs them anyway.
func (e *Entra) spObjectID(tenantID, clientID string) string {
	return sbx.UUID(e.seed, "sp", tenantID, clientID)
}

func hasPerm(list []Permission, p Permission) bool {
	for _, x := range list {
		if x.Key() == p.Key() && x.Type == p.Type {
			return true
		}
	}
	return false
}
