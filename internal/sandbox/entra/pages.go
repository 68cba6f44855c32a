package entra

import (
	"html/template"
	"net/http"
	"strings"
)

// sessionCookie is the browser session's cookie (Entra's own name for it).
const sessionCookie = "ESTSAUTH"

// session is a signed-in browser.
type session struct {
	userKey string // lower-case UPN
	csrf    string
}

// signedIn returns the session's user, if the browser has signed in.
func (e *Entra) signedIn(r *http.Request) (*User, *session) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.sessions[c.Value]
	if s == nil {
		return nil, nil
	}
	u := e.users[s.userKey]
	if u == nil {
		return nil, nil
	}
	cp := *u
	return &cp, s
}

// signIn checks the posted credentials; on success it starts a session and
// sends the browser back to the page it came from (without prompt=login).
func (e *Entra) signIn(w http.ResponseWriter, r *http.Request, t *Tenant) {
	upn := strings.ToLower(strings.TrimSpace(r.PostFormValue("login")))
	e.mu.Lock()
	u := e.users[upn]
	pwOK := u != nil && e.passwordMatches(u, r.PostFormValue("passwd"))
	e.mu.Unlock()
	switch {
	case u == nil:
		e.loginPage(w, r, "AADSTS50034: The user account {EUII Hidden} does not exist in the directory. To sign into this application, the account must be added to the directory.")
		return
	case !pwOK:
		e.loginPage(w, r, "AADSTS50126: Error validating credentials due to invalid username or password.")
		return
	case t != nil && u.TenantID != t.ID:
		e.loginPage(w, r, "AADSTS50020: User account '"+u.UPN+"' from identity provider does not exist in tenant '"+t.Name+"' and cannot access the application in that tenant.")
		return
	}
	id := newID()
	e.mu.Lock()
	e.sessions[id] = &session{userKey: upn, csrf: newID()}
	e.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteNoneMode})
	q := r.URL.Query()
	q.Del("prompt")
	u2 := *r.URL
	u2.RawQuery = q.Encode()
	http.Redirect(w, r, u2.RequestURI(), http.StatusFound)
}

// loginPage renders the sign-in form, posting back to the same URL.
func (e *Entra) loginPage(w http.ResponseWriter, r *http.Request, errMsg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = loginTmpl.Execute(w, map[string]string{"Action": r.URL.RequestURI(), "Error": errMsg, "Hint": r.URL.Query().Get("login_hint")})
}

var loginTmpl = template.Must(template.New("login").Parse(`<!DOCTYPE html>
<html><head><title>Sign in to your account</title></head><body>
<h1>Sign in</h1>
{{if .Error}}<div id="usernameError" role="alert">{{.Error}}</div>{{end}}
<form method="post" action="{{.Action}}">
<input type="hidden" name="sbx_step" value="login">
<input type="email" name="login" id="i0116" placeholder="Email, phone, or Skype" value="{{.Hint}}">
<input type="password" name="passwd" id="i0118" placeholder="Password">
<input type="submit" id="idSIButton9" value="Sign in">
</form></body></html>`))

// consentView is what the consent page shows.
type consentView struct {
	Action, CSRF, AppName, Publisher, User, Tenant string
	Admin                                          bool
	Permissions                                    []Permission
}

func consentPage(w http.ResponseWriter, v consentView) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = consentTmpl.Execute(w, v)
}

var consentTmpl = template.Must(template.New("consent").Parse(`<!DOCTYPE html>
<html><head><title>Permissions requested</title></head><body>
<div id="account">{{.User}}</div>
<h1>Permissions requested{{if .Admin}}<br><small>Accept for your organization</small>{{end}}</h1>
<p><b id="appName">{{.AppName}}</b> <span>unverified</span></p>
<p>This app would like to:</p>
<ul id="permissions">
{{range .Permissions}}<li class="permission" data-resource="{{.Resource}}" data-name="{{.Name}}" data-type="{{.Type}}"><b>{{.Description}}</b> <small>({{.Name}}{{if eq .Type "Role"}}, application{{else}}, delegated{{end}})</small></li>
{{end}}</ul>
{{if .Admin}}<p>If you accept, this app will get access to the specified resources for all users in {{.Tenant}}. No one else will be prompted to review these permissions.</p>{{end}}
<p>Accepting these permissions means that you allow this app to use your data as specified in their terms of service and privacy statement.</p>
<form method="post" action="{{.Action}}">
<input type="hidden" name="sbx_step" value="consent">
<input type="hidden" name="csrf" value="{{.CSRF}}">
<button type="submit" name="decision" value="cancel" id="idBtn_Back">Cancel</button>
<button type="submit" name="decision" value="accept" id="idSIButton9">Accept</button>
</form></body></html>`))

// needAdminPage is what a user who is not an admin sees at the
// admin-consent endpoint.
func needAdminPage(w http.ResponseWriter, appName, back string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_ = needAdminTmpl.Execute(w, map[string]string{"App": appName, "Back": back})
}

var needAdminTmpl = template.Must(template.New("needadmin").Parse(`<!DOCTYPE html>
<html><head><title>Need admin approval</title></head><body>
<h1>Need admin approval</h1>
<p><b>{{.App}}</b> needs permission to access resources in your organization that only an admin can grant. Please ask an admin to grant permission to this app before you can use it.</p>
<p id="error-code">AADSTS90094: The grant requires admin permission.</p>
<a id="back" href="{{.Back}}">Return to the application without granting consent</a>
</body></html>`))
