package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/sso"
	"github.com/canopyhq/canopy/internal/sso/wsfed"
	"github.com/canopyhq/canopy/internal/store"
)

// Session keys of single sign-on.
const (
	keySSOState   = "sso_state"      // state of the sign-in started in this browser
	keySSOConn    = "sso_connection" // set from the callback until the session starts
	keySSOTestRes = "sso_test"       // JSON of the last "Test connection" result
	keySSOLogout  = "sso_logout"     // JSON of sso.SessionLogout until the session starts (ID token sealed)
)

func (s *Server) ssoRoutes() []Route {
	pub := func(p string, h http.HandlerFunc) Route { return Route{Pattern: p, Access: Public, handler: h} }
	perm := func(p string, h http.HandlerFunc) Route {
		return Route{Pattern: p, Access: Needs, Perm: auth.PermSettingsManage, handler: h}
	}
	return []Route{
		pub("GET /login/callback", s.ssoCallback),
		withMaxBody(pub("POST /login/callback", s.ssoPostCallback), maxSAMLPost),
		pub("GET /login/metadata", s.ssoMetadata),
		pub("GET /logout/callback", s.ssoLogoutCallback),
		withMaxBody(pub("POST /logout/callback", s.ssoLogoutCallback), maxSAMLPost),
		pub("GET /signed-out", s.signedOut),
		pub("GET /logout/frontchannel", s.frontChannelLogout),
		perm("GET /settings/sso", s.ssoSettings),
		perm("GET /settings/sso/new", s.ssoSettings),
		perm("POST /settings/sso", s.saveSSO),
		perm("GET /settings/sso/{id}", s.ssoSettings),
		perm("POST /settings/sso/{id}", s.saveSSO),
		perm("POST /settings/sso/{id}/delete", s.deleteSSO),
		perm("POST /settings/sso/{id}/test", s.testSSO),
		perm("GET /settings/sso/{id}/test", s.ssoTestResult),
		perm("POST /settings/sso/{id}/sp-key/{step}", s.changeSPKey),
	}
}

func (s *Server) ssoSvc() *sso.Service {
	return &sso.Service{Store: s.Auth.Store, Vault: s.Auth.Vault, BaseURL: s.Auth.BaseURL}
}

// federatedConnection returns the enabled connection an email's domain
// belongs to, if any (home-realm discovery).
func (s *Server) federatedConnection(r *http.Request, email string) (store.SSOConnection, bool, error) {
	c, err := s.Auth.Store.SSOConnectionForDomain(r.Context(), auth.EmailDomain(email))
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return c, false, nil
	}
	return c, err == nil && c.Enabled, err
}

// beginSSO sends the browser to the identity provider; the state stays in
// this browser's session so the callback only completes sign-ins started
// here. The CSP's form-action 'self' stops a form post redirected to
// another origin, so a page that goes on by itself answers the post.
func (s *Server) beginSSO(w http.ResponseWriter, r *http.Request, c store.SSOConnection, email, next, testBy string) error {
	if sso.IsSAML(c.Kind) {
		return s.beginSAML(w, r, c, next, testBy)
	}
	if sso.IsWSFed(c.Kind) {
		return s.beginWSFed(w, r, c, email, next, testBy)
	}
	to, state, err := s.ssoSvc().Begin(r.Context(), c, email, next, testBy, who(r))
	if err != nil {
		return err
	}
	s.Sessions.Put(r.Context(), keySSOState, state)
	s.R.Render(w, http.StatusOK, SSOContinuePage{URL: to, Provider: c.Name})
	return nil
}

// beginSAML sends the browser on with a signed AuthnRequest: the continue
// page follows the redirect binding's URL; for the POST binding a form
// posts the request to the identity provider, and only that page's CSP
// lets forms go to the provider's origin.
func (s *Server) beginSAML(w http.ResponseWriter, r *http.Request, c store.SSOConnection, next, testBy string) error {
	out, state, err := s.ssoSvc().BeginSAML(r.Context(), c, next, testBy, who(r))
	if err != nil {
		return err
	}
	s.Sessions.Put(r.Context(), keySSOState, state)
	if out.RedirectURL != "" {
		s.R.Render(w, http.StatusOK, SSOContinuePage{URL: out.RedirectURL, Provider: c.Name})
		return nil
	}
	u, err := url.Parse(out.PostURL)
	if err != nil {
		return err
	}
	if csp := w.Header().Get("Content-Security-Policy"); strings.Contains(csp, "form-action 'self'") {
		w.Header().Set("Content-Security-Policy", strings.Replace(csp, "form-action 'self'", "form-action 'self' "+u.Scheme+"://"+u.Host, 1))
	}
	s.R.Render(w, http.StatusOK, SSOPostPage{Action: out.PostURL, Fields: postFields(out.Fields), Provider: c.Name,
		Title: "Continue to " + c.Name})
	return nil
}

// SSOPostPage posts a SAML message (the AuthnRequest to the identity
// provider, or the identity provider's response once more to Canopy's own
// callback) with a form that submits itself.
type SSOPostPage struct {
	Layout
	Action   string
	Fields   []SSOPostField
	Provider string
	Title    string
}

// SSOPostField is a hidden field of SSOPostPage.
type SSOPostField struct{ Name, Value string }

func (SSOPostPage) Template() string { return "sso_post" }

func postFields(m map[string]string) []SSOPostField {
	out := make([]SSOPostField, 0, len(m))
	for k, v := range m {
		out = append(out, SSOPostField{Name: k, Value: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// sameOrigin tells the re-post from Canopy's page (validated) from a post
// made by another site (only answered with the re-post page): the route
// itself is exempt from the server's cross-origin protection.
var sameOrigin = http.NewCrossOriginProtection()

// maxSAMLPost caps the form the identity provider posts to the callback.
const maxSAMLPost = 1 << 20

// ssoPostCallback receives what the identity provider posts: a SAML
// response (SAMLResponse, RelayState) or a WS-Federation token (wa,
// wresult, wctx). That post comes from the provider's site, so the browser
// holds back the SameSite=Lax session cookie and the sign-in cannot be
// matched to this browser yet: the first post only answers with a page
// posting the same fields once more from Canopy's own origin (with
// resume=1), and that second post, carrying the session, is validated.
func (s *Server) ssoPostCallback(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxSAMLPost)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, domain.Errorf(domain.CodeInvalid, "The sign-in response is too large or malformed."))
		return
	}
	ctx, f := r.Context(), r.PostForm
	wsfed := f.Has("wresult") || f.Has("wa")
	if f.Get("resume") != "1" || sameOrigin.Check(r) != nil {
		fields := map[string]string{"resume": "1"}
		names := []string{"SAMLResponse", "RelayState"}
		if wsfed {
			names = []string{"wa", "wresult", "wctx"}
		}
		for i, name := range names {
			if v := f.Get(name); v != "" || i == 0 {
				fields[name] = v
			}
		}
		s.R.Render(w, http.StatusOK, SSOPostPage{Action: "/login/callback?connection=" + url.QueryEscape(r.URL.Query().Get("connection")),
			Fields: postFields(fields), Provider: "Canopy", Title: "Signing you in"})
		return
	}
	var res *sso.Result
	var err error
	if wsfed {
		res, err = s.ssoSvc().CompleteWSFed(ctx, r.URL.Query().Get("connection"), f, s.Sessions.PopString(ctx, keySSOState), who(r))
	} else {
		res, err = s.ssoSvc().CompleteSAML(ctx, r.URL.Query().Get("connection"), f.Get("SAMLResponse"), f.Get("RelayState"),
			s.Sessions.PopString(ctx, keySSOState), who(r))
	}
	s.endSSO(w, r, res, err)
}

// SSOContinuePage sends the browser on to the identity provider.
type SSOContinuePage struct {
	Layout
	URL      string
	Provider string
}

func (SSOContinuePage) Template() string { return "sso_continue" }

// ssoCallback is where identity providers send people back.
func (s *Server) ssoCallback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	if msg, ok := wsfed.ReadSignOut(q); ok {
		// ADFS sends wsignoutcleanup1.0 to the relying party's reply URL.
		s.wsfedSignOut(w, r, msg)
		return
	}
	res, err := s.ssoSvc().Complete(ctx, q.Get("connection"), q, s.Sessions.PopString(ctx, keySSOState), who(r))
	s.endSSO(w, r, res, err)
}

// endSSO answers a completed (or refused) sign-in of any kind: a refusal,
// "not set up", a test's claims, or the session started.
func (s *Server) endSSO(w http.ResponseWriter, r *http.Request, res *sso.Result, err error) {
	ctx := r.Context()
	var refusal *sso.Refusal
	var notSetUp *sso.NotSetUp
	switch {
	case errors.As(err, &refusal):
		s.R.Render(w, http.StatusUnauthorized, SignInEmailPage{Error: refusal.Message})
		return
	case errors.As(err, &notSetUp):
		s.R.Render(w, http.StatusForbidden, NotSetUpPage{Email: notSetUp.Email, ProviderName: notSetUp.ProviderName,
			AdminContacts: notSetUp.Contacts})
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	if res.TestBy != "" {
		// A test signs nobody in: the administrator who started it sees the
		// claims on the settings page.
		if s.Sessions.GetString(ctx, keyUserID) != res.TestBy {
			s.R.Render(w, http.StatusForbidden, SignInEmailPage{Error: "This connection test was started by someone else. Start it again from Settings → Single sign-on."})
			return
		}
		b, err := json.Marshal(ssoTestView(res))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.Sessions.Put(ctx, keySSOTestRes, string(b))
		redirect(w, r, "/settings/sso/"+res.Connection.ID+"/test")
		return
	}
	if err := s.Sessions.RenewToken(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	s.Sessions.Put(ctx, keyNext, res.Next)
	s.Sessions.Put(ctx, keySSOConn, res.Connection.ID)
	if b, err := json.Marshal(res.Logout); err == nil {
		s.Sessions.Put(ctx, keySSOLogout, string(b))
	}
	if res.User.MFAEnabled {
		s.Sessions.Put(ctx, keyPendingUID, res.User.ID)
		s.Sessions.Put(ctx, keyPendingAt, domain.Now())
		redirect(w, r, "/signin/mfa")
		return
	}
	s.completeSignIn(w, r, res.User)
}

// ssoMetadata publishes a SAML connection's service-provider metadata for
// its identity provider (public: it holds only the entity ID, endpoints
// and Canopy's signing certificate).
func (s *Server) ssoMetadata(w http.ResponseWriter, r *http.Request) {
	md, err := s.ssoSvc().SPMetadata(r.Context(), r.URL.Query().Get("connection"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	w.Header().Set("Content-Disposition", `inline; filename="canopy-sp-metadata.xml"`)
	_, _ = w.Write(md)
}

// SSOTestResult is what "Test connection" shows.
type SSOTestResult struct {
	ConnectionID string
	Identity     sso.Identity
	Claims       []SSOClaim
}

// SSOClaim is one claim as it arrived.
type SSOClaim struct{ Name, Value string }

func ssoTestView(res *sso.Result) SSOTestResult {
	v := SSOTestResult{ConnectionID: res.Connection.ID, Identity: res.Identity}
	for k, val := range res.Claims {
		s, ok := val.(string)
		if !ok {
			b, _ := json.Marshal(val)
			s = string(b)
		}
		v.Claims = append(v.Claims, SSOClaim{Name: k, Value: s})
	}
	sort.Slice(v.Claims, func(i, j int) bool { return v.Claims[i].Name < v.Claims[j].Name })
	return v
}

// SSOPage is Settings → Single sign-on: the connections, and one
// connection's form (new or existing).
type SSOPage struct {
	Layout
	FormErrors
	Connections  []sso.Connection
	Selected     *sso.Connection
	New          bool
	Form         SSOForm
	Kinds        []struct{ Key, Label string }
	Roles        []RoleOption
	Test         *SSOTestResult
	Callback     string // the callback URL of the selected connection
	Metadata     string // SAML kinds: the SP metadata URL of the selected connection
	SignedOut    string // OpenID Connect kinds: the post_logout_redirect_uri to register
	SLO          string // SAML kinds: Canopy's single logout URL
	FrontChannel string // OpenID Connect kinds: the front-channel logout URI
}

// MetadataStatus is the selected connection's cached identity provider
// metadata, when it names a metadata URL.
func (p SSOPage) MetadataStatus() *sso.MetadataStatus {
	if p.Selected == nil {
		return nil
	}
	return p.Selected.IdPMetadata
}

func (SSOPage) Template() string { return "settings_sso" }

// SSOForm is the connection form as typed.
type SSOForm struct {
	Kind, Name                                string
	Enabled, JIT, MultiTenant, SyncRoles      bool
	LocalSignOut                              bool // single_logout false: sign out of Canopy only
	Domains, Issuer, ClientID, Scopes         string
	TenantID, Endpoint, AllowedTenants        string
	Authority, SettingsJSON, GroupRoles       string
	JITRole                                   string
	ClaimEmail, ClaimGiven, ClaimFamily       string
	ClaimDisplay, ClaimGroups                 string
	DefaultEmail, DefaultGiven, DefaultFamily string
	DefaultDisplay, DefaultGroups             string
	OIDC                                      bool // the kind signs in with OpenID Connect here
	SAML                                      bool // the kind signs in with SAML here
	SAMLSettings                              sso.SAMLSettings
	WSFed                                     bool // the kind signs in with WS-Federation
	WS                                        sso.WSFedSettings
}

func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' || r == ' ' || r == '\t' })
}

func claimList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (f *SSOForm) fillDefaults() {
	d := sso.DefaultClaims(f.Kind)
	f.DefaultEmail, f.DefaultGiven, f.DefaultFamily = strings.Join(d.Email, ", "), strings.Join(d.GivenName, ", "), strings.Join(d.FamilyName, ", ")
	f.DefaultDisplay, f.DefaultGroups = strings.Join(d.DisplayName, ", "), strings.Join(d.Groups, ", ")
	f.OIDC = f.Kind == sso.KindOIDC || f.Kind == sso.KindAzureAD
	f.SAML = sso.IsSAML(f.Kind)
	f.WSFed = sso.IsWSFed(f.Kind)
}

func ssoFormOf(c sso.Connection) SSOForm {
	f := SSOForm{Kind: c.Kind, Name: c.Name, Enabled: c.Enabled, JIT: c.JIT, JITRole: c.JITRole, SyncRoles: c.SyncRoles,
		Domains: strings.Join(c.Domains, "\n"), ClaimEmail: strings.Join(c.Claims.Email, ", "),
		ClaimGiven: strings.Join(c.Claims.GivenName, ", "), ClaimFamily: strings.Join(c.Claims.FamilyName, ", "),
		ClaimDisplay: strings.Join(c.Claims.DisplayName, ", "), ClaimGroups: strings.Join(c.Claims.Groups, ", ")}
	var gr []string
	for _, g := range c.GroupRoles {
		gr = append(gr, g.Group+" = "+g.Role)
	}
	f.GroupRoles = strings.Join(gr, "\n")
	var st sso.OIDCSettings
	if err := json.Unmarshal(c.Settings, &st); err == nil {
		f.Issuer, f.ClientID, f.Scopes, f.TenantID, f.Endpoint = st.Issuer, st.ClientID, strings.Join(st.Scopes, " "), st.TenantID, st.Endpoint
		f.MultiTenant, f.AllowedTenants, f.Authority = st.MultiTenant, strings.Join(st.AllowedTenants, "\n"), st.Authority
		f.LocalSignOut = st.SingleLogout != nil && !*st.SingleLogout
	}
	f.SettingsJSON = string(c.Settings)
	if sso.IsSAML(c.Kind) {
		_ = json.Unmarshal(c.Settings, &f.SAMLSettings)
		f.LocalSignOut = f.SAMLSettings.SingleLogout != nil && !*f.SAMLSettings.SingleLogout
	}
	if sso.IsWSFed(c.Kind) {
		_ = json.Unmarshal(c.Settings, &f.WS)
		f.LocalSignOut = f.WS.SingleLogout != nil && !*f.WS.SingleLogout
	}
	f.fillDefaults()
	return f
}

// input turns the typed form into the service's input.
func (f SSOForm) input(secret string) (sso.Input, error) {
	in := sso.Input{Kind: f.Kind, Name: f.Name, Enabled: &f.Enabled, Domains: splitList(f.Domains), ClientSecret: secret,
		JIT: f.JIT, JITRole: f.JITRole, SyncRoles: f.SyncRoles, Claims: sso.ClaimMapping{Email: claimList(f.ClaimEmail),
			GivenName: claimList(f.ClaimGiven), FamilyName: claimList(f.ClaimFamily), DisplayName: claimList(f.ClaimDisplay),
			Groups: claimList(f.ClaimGroups)}}
	for i, line := range strings.Split(f.GroupRoles, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		group, role, ok := strings.Cut(line, "=")
		if !ok {
			return in, domain.FieldError("group_roles", "Line %d: write each mapping as \"group = role\".", i+1)
		}
		in.GroupRoles = append(in.GroupRoles, sso.GroupRole{Group: strings.TrimSpace(group), Role: strings.TrimSpace(role)})
	}
	// Each kind's settings carry single_logout: absent asks the provider,
	// false signs out of Canopy only.
	var localOnly *bool
	if f.LocalSignOut {
		localOnly = new(bool)
	}
	var settings any
	switch {
	case f.Kind == sso.KindOIDC || f.Kind == sso.KindAzureAD:
		settings = sso.OIDCSettings{Issuer: f.Issuer, ClientID: f.ClientID, Scopes: strings.Fields(f.Scopes), TenantID: f.TenantID,
			Endpoint: f.Endpoint, MultiTenant: f.MultiTenant, AllowedTenants: splitList(f.AllowedTenants), Authority: f.Authority,
			SingleLogout: localOnly}
	case sso.IsSAML(f.Kind):
		st := f.SAMLSettings
		st.SingleLogout = localOnly
		settings = st
	case sso.IsWSFed(f.Kind):
		st := f.WS
		st.SingleLogout = localOnly
		settings = st
	default:
		if strings.TrimSpace(f.SettingsJSON) != "" {
			in.Settings = json.RawMessage(f.SettingsJSON)
		}
		return in, nil
	}
	b, err := json.Marshal(settings)
	in.Settings = b
	return in, err
}

func (s *Server) ssoPage(r *http.Request) (SSOPage, error) {
	ctx, p, id := r.Context(), principalFrom(r.Context()), r.PathValue("id")
	svc := s.ssoSvc()
	page := SSOPage{Layout: s.layout(r, NavSettingsSSO), Kinds: sso.Kinds, Roles: roleOptions(),
		New: strings.HasSuffix(r.URL.Path, "/new") || (r.Method == http.MethodPost && id == "")}
	var err error
	if page.Connections, err = svc.Connections(ctx, p); err != nil {
		return page, err
	}
	if id == "" {
		kind := r.URL.Query().Get("kind")
		if kind == "" {
			kind = sso.KindOIDC
		}
		page.Form = SSOForm{Kind: kind, JITRole: auth.RoleViewer}
		page.Form.fillDefaults()
		return page, nil
	}
	c, err := svc.Connection(ctx, p, id)
	if err != nil {
		return page, err
	}
	page.Selected, page.Title, page.Form, page.Callback, page.Metadata = &c, c.Name, ssoFormOf(c), c.CallbackURL, c.MetadataURL
	page.SignedOut, page.SLO, page.FrontChannel = c.SignedOutURL, c.SLOURL, c.FrontChannel
	return page, nil
}

func (s *Server) ssoSettings(w http.ResponseWriter, r *http.Request) {
	page, err := s.ssoPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.R.Render(w, http.StatusOK, page)
}

func (s *Server) saveSSO(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	ctx, p, id := r.Context(), principalFrom(r.Context()), r.PathValue("id")
	v := r.PostFormValue
	f := SSOForm{Kind: v("kind"), Name: v("name"), Enabled: v("enabled") == "on", JIT: v("jit") == "on", SyncRoles: v("sync_roles") == "on",
		MultiTenant: v("multi_tenant") == "on", LocalSignOut: v("local_sign_out") == "on", Domains: v("domains"), Issuer: v("issuer"),
		ClientID: v("client_id"), Scopes: v("scopes"), TenantID: v("tenant_id"), Endpoint: v("endpoint"), AllowedTenants: v("allowed_tenants"),
		Authority: v("authority"), SettingsJSON: v("settings_json"), GroupRoles: v("group_roles"), JITRole: v("jit_role"),
		ClaimEmail: v("claim_email"), ClaimGiven: v("claim_given_name"), ClaimFamily: v("claim_family_name"),
		ClaimDisplay: v("claim_display_name"), ClaimGroups: v("claim_groups"), SAMLSettings: samlSettingsForm(r), WS: sso.WSFedSettings{
			MetadataURL: v("metadata_url"), MetadataXML: v("metadata_xml"), SignInURL: v("sign_in_url"),
			Certificates: v("certificates"), Issuer: v("sts_issuer"), Realm: v("realm")}}
	in, err := f.input(v("client_secret"))
	if err == nil {
		var c sso.Connection
		if id != "" {
			c, err = s.ssoSvc().UpdateConnection(ctx, p, actor(r), id, in)
		} else {
			c, err = s.ssoSvc().CreateConnection(ctx, p, actor(r), in)
		}
		if err == nil {
			s.flash(r, FlashSuccess, "Single sign-on connection saved.")
			redirect(w, r, "/settings/sso/"+c.ID)
			return
		}
	}
	page, perr := s.ssoPage(r)
	if perr != nil || domain.ErrorCode(err) == domain.CodeInternal {
		s.fail(w, r, firstError(perr, err))
		return
	}
	if page.Selected != nil {
		f.Kind = page.Selected.Kind
	}
	f.fillDefaults()
	page.Form = f
	page.SetErr(err)
	s.R.Render(w, domain.HTTPStatus(err), page)
}

func (s *Server) deleteSSO(w http.ResponseWriter, r *http.Request) {
	if err := s.ssoSvc().DeleteConnection(r.Context(), principalFrom(r.Context()), actor(r), r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, FlashSuccess, "Single sign-on connection deleted; its domains sign in with passwords again.")
	redirect(w, r, "/settings/sso")
}

// testSSO runs a sign-in at the identity provider that signs nobody in:
// the callback brings the claims back to ssoTestResult.
func (s *Server) testSSO(w http.ResponseWriter, r *http.Request) {
	ctx, p := r.Context(), principalFrom(r.Context())
	c, err := s.Auth.Store.GetSSOConnection(ctx, p.Org.ID, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.beginSSO(w, r, c, "", "", p.User.ID); err != nil {
		var refusal *sso.Refusal
		if errors.As(err, &refusal) {
			err = domain.Errorf(domain.CodeInvalid, "%s", refusal.Message)
		}
		if domain.ErrorCode(err) == domain.CodeInternal {
			s.fail(w, r, err)
			return
		}
		s.flash(r, FlashError, fmt.Sprintf("Test not started: %s", domain.ErrorMessage(err)))
		redirect(w, r, "/settings/sso/"+c.ID)
	}
}

func (s *Server) ssoTestResult(w http.ResponseWriter, r *http.Request) {
	page, err := s.ssoPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var res SSOTestResult
	raw := s.Sessions.PopString(r.Context(), keySSOTestRes)
	if raw == "" || json.Unmarshal([]byte(raw), &res) != nil || res.ConnectionID != page.Selected.ID {
		redirect(w, r, "/settings/sso/"+page.Selected.ID)
		return
	}
	page.Test = &res
	s.R.Render(w, http.StatusOK, page)
}

// KindLabel names a connection kind.
func (SSOPage) KindLabel(kind string) string { return sso.KindLabel(kind) }

// SSOField is one text input of the connection form.
type SSOField struct{ ID, Label, Value, Hint, Err string }

// Field builds a text input of the connection form.
func (SSOPage) Field(id, label, value, hint, err string) SSOField {
	return SSOField{ID: id, Label: label, Value: value, Hint: hint, Err: err}
}
