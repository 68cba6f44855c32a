package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/sso"
	"github.com/canopyhq/canopy/internal/sso/saml"
	"github.com/canopyhq/canopy/internal/sso/wsfed"
	"github.com/canopyhq/canopy/internal/store"
)

// recordSSOSession keeps, for single logout, how the session just started
// was signed in (nothing for a password sign-in).
func (s *Server) recordSSOSession(r *http.Request, conn, tokenHash, orgID, userID string) error {
	raw := s.Sessions.PopString(r.Context(), keySSOLogout)
	if conn == "" || raw == "" {
		return nil
	}
	var l sso.SessionLogout
	if err := json.Unmarshal([]byte(raw), &l); err != nil || l.ConnectionID != conn {
		return nil
	}
	return s.ssoSvc().RecordSession(r.Context(), tokenHash, orgID, userID, l)
}

// signOut ends the Canopy session. A session signed in with single sign-on
// then goes on to its identity provider (when the connection's single
// logout is on and the provider has a sign-out endpoint) to end the
// provider's session too.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var out *sso.Logout
	how := map[string]any{"method": "password"}
	x, err := s.Auth.Store.GetSSOSession(ctx, store.HashSessionToken(s.Sessions.Token(ctx)))
	switch {
	case err == nil:
		var reason string
		if out, reason, err = s.ssoSvc().BeginLogout(ctx, x); err != nil {
			// Signing out of Canopy never depends on the provider.
			out, reason = nil, "sign-out at the identity provider could not start: "+domain.Truncate(err.Error(), 200)
		}
		how = map[string]any{"method": "sso", "connection": x.ConnectionID, "idp_asked": out != nil}
		if reason != "" {
			how["local_only_reason"] = reason
		}
	case domain.ErrorCode(err) != domain.CodeNotFound:
		s.fail(w, r, err)
		return
	}
	if uid := s.Sessions.GetString(ctx, keyUserID); uid != "" {
		if u, err := s.Auth.Store.GetUser(ctx, uid); err == nil {
			s.Auth.SignedOutBy(ctx, u, who(r), how)
		}
	}
	if err := s.Sessions.Destroy(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	if out == nil {
		redirect(w, r, "/signin")
		return
	}
	s.toIdentityProvider(w, r, out, "Signing you out")
}

// toIdentityProvider sends the browser on with a logout message: a page
// that follows RedirectURL by itself, or whose form posts the message. The
// CSP's form-action 'self' would stop a form post redirected to another
// origin, and only the posting page's CSP lets forms go to the provider.
func (s *Server) toIdentityProvider(w http.ResponseWriter, r *http.Request, out *sso.Logout, title string) {
	if out.RedirectURL != "" {
		s.R.Render(w, http.StatusOK, SSOSignOutPage{URL: out.RedirectURL, Provider: out.Provider, Title: title})
		return
	}
	u, err := url.Parse(out.PostURL)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if csp := w.Header().Get("Content-Security-Policy"); strings.Contains(csp, "form-action 'self'") {
		w.Header().Set("Content-Security-Policy", strings.Replace(csp, "form-action 'self'", "form-action 'self' "+u.Scheme+"://"+u.Host, 1))
	}
	s.R.Render(w, http.StatusOK, SSOSignOutPage{Action: out.PostURL, Fields: postFields(out.Fields), Provider: out.Provider, Title: title})
}

// ssoLogoutCallback is a SAML connection's single logout service: the
// identity provider's LogoutResponse to a sign-out started here, or its
// LogoutRequest when the person signed out elsewhere (HTTP-Redirect or
// HTTP-POST; the POST comes from the provider's site and is exempt from
// the cross-origin protection: neither message acts on this browser's
// session).
func (s *Server) ssoLogoutCallback(w http.ResponseWriter, r *http.Request) {
	ctx, conn := r.Context(), r.URL.Query().Get("connection")
	binding, get := saml.BindingHTTPRedirect, r.URL.Query().Get
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, maxSAMLPost)
		if err := r.ParseForm(); err != nil {
			s.fail(w, r, domain.Errorf(domain.CodeInvalid, "The sign-out message is too large or malformed."))
			return
		}
		binding, get = saml.BindingHTTPPost, r.PostForm.Get
	}
	value := func(param string) string {
		if binding == saml.BindingHTTPRedirect {
			return r.URL.RawQuery
		}
		return get(param)
	}
	var refusal *sso.LogoutRefusal
	switch {
	case get("SAMLResponse") != "":
		provider, err := s.ssoSvc().CompleteSAMLLogout(ctx, conn, binding, value("SAMLResponse"), get("RelayState"), who(r))
		if err != nil && !errors.As(err, &refusal) {
			s.fail(w, r, err)
			return
		}
		page := SignedOutPage{Provider: provider, Confirmed: err == nil}
		status := http.StatusOK
		if refusal != nil {
			page.Problem, status = refusal.Reason, http.StatusBadGateway
		}
		s.R.Render(w, status, page)
	case get("SAMLRequest") != "":
		out, ended, err := s.ssoSvc().IdPLogout(ctx, conn, binding, value("SAMLRequest"), get("RelayState"), who(r))
		if !s.providerLogoutDone(w, r, ended, err) {
			return
		}
		if r.Method == http.MethodGet && out.RedirectURL != "" {
			http.Redirect(w, r, out.RedirectURL, http.StatusFound)
			return
		}
		s.toIdentityProvider(w, r, out, "Signed out")
	default:
		if msg, ok := wsfed.ReadSignOut(r.URL.Query()); ok && r.Method == http.MethodGet {
			s.wsfedSignOut(w, r, msg)
			return
		}
		s.fail(w, r, domain.Errorf(domain.CodeInvalid, "A sign-out message (SAMLRequest, SAMLResponse or WS-Federation wa) is missing."))
	}
}

// signedOut is where OpenID providers send people back after signing them
// out (post_logout_redirect_uri).
func (s *Server) signedOut(w http.ResponseWriter, r *http.Request) {
	provider, err := s.ssoSvc().FinishOIDCLogout(r.Context(), r.URL.Query().Get("state"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.R.Render(w, http.StatusOK, SignedOutPage{Provider: provider, Confirmed: provider != ""})
}

// SSOSignOutPage sends the browser on to the identity provider with a
// logout message: it follows URL by itself, or posts Fields to Action.
type SSOSignOutPage struct {
	Layout
	Title    string
	URL      string
	Action   string
	Fields   []SSOPostField
	Provider string
}

func (SSOSignOutPage) Template() string { return "sso_signout" }

// SignedOutPage says the Canopy session ended and, after single logout,
// whether the identity provider confirmed it ended its own; Problem is
// its failed answer, named.
type SignedOutPage struct {
	Layout
	Provider  string
	Confirmed bool
	Problem   string
}

func (SignedOutPage) Template() string { return "signed_out" }

// frontChannelLogout is OpenID Connect front-channel logout: the provider
// loads this URL (in a hidden frame) with iss and sid when the person signs
// out there; the sessions of that provider session end in the database.
func (s *Server) frontChannelLogout(w http.ResponseWriter, r *http.Request) {
	ctx, q := r.Context(), r.URL.Query()
	ended, err := s.ssoSvc().FrontChannelLogout(ctx, q.Get("connection"), q.Get("iss"), q.Get("sid"), who(r))
	if !s.providerLogoutDone(w, r, ended, err) {
		return
	}
	w.Header().Set("Cache-Control", "no-cache, no-store")
	s.R.Render(w, http.StatusOK, SignedOutPage{})
}

// providerLogoutDone finishes the Canopy side of a sign-out an identity
// provider asked for, whose sessions ended are ended (token hashes): a
// refusal is answered with a 400 page naming its reason, another error as
// usual; when this browser's own session is among them it is destroyed
// too, since saving it at the end of the request would bring it back. It
// reports whether the caller goes on to answer the provider (false: the
// answer was written).
func (s *Server) providerLogoutDone(w http.ResponseWriter, r *http.Request, ended []string, err error) bool {
	var refusal *sso.LogoutRefusal
	if errors.As(err, &refusal) {
		s.R.Render(w, http.StatusBadRequest, ErrorPage{Status: http.StatusBadRequest,
			Message: "This sign-out request was refused (" + refusal.Reason + "). Nobody was signed out."})
		return false
	}
	if err != nil {
		s.fail(w, r, err)
		return false
	}
	ctx := r.Context()
	if tok := s.Sessions.Token(ctx); tok != "" && slices.Contains(ended, store.HashSessionToken(tok)) {
		if err := s.Sessions.Destroy(ctx); err != nil {
			s.fail(w, r, err)
			return false
		}
	}
	return true
}
