package web_test

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/sso"
	"github.com/canopyhq/canopy/internal/sso/optest"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// ssoFixture adds to the web fixture a real OpenID provider on loopback
// and an enabled connection of org A for the domain corp.test, whose
// member ann@corp.test also has a password from before.
type ssoFixture struct {
	*fixture
	idp  *optest.Provider
	conn sso.Connection
	ann  domain.User
}

func newSSOFixture(t *testing.T, db *store.DB) *ssoFixture {
	f := &ssoFixture{fixture: newFixture(t, db)}
	ctx := context.Background()
	f.svc.BaseURL = f.srv.URL
	var err error
	f.idp = optest.New(t)
	hash, _ := auth.HashPassword(f.passwd)
	now := domain.Now()
	f.ann = domain.User{ID: domain.NewID(domain.PrefixUser), Email: "ann@corp.test", PasswordHash: hash, Status: domain.UserActive,
		CreatedAt: now, UpdatedAt: now}
	if err := f.st.CreateUser(ctx, f.ann); err != nil {
		t.Fatal(err)
	}
	if err := f.st.AddMember(ctx, f.orgs["A"].ID, f.ann.ID, []domain.RoleGrant{{Role: auth.RoleViewer}}, now); err != nil {
		t.Fatal(err)
	}
	p, err := f.svc.LoadPrincipal(ctx, f.users["owner-a@example.com"].ID, f.orgs["A"].ID)
	if err != nil {
		t.Fatal(err)
	}
	svc := &sso.Service{Store: f.st, Vault: f.svc.Vault, BaseURL: f.srv.URL}
	on := true
	settings, _ := json.Marshal(sso.OIDCSettings{Issuer: f.idp.Issuer(), ClientID: f.idp.ClientID})
	f.conn, err = svc.CreateConnection(ctx, p, audit.Actor{}, sso.Input{Kind: sso.KindOIDC, Name: "Corp IdP", Enabled: &on,
		Domains: []string{"corp.test"}, ClientSecret: f.idp.ClientSecret, Settings: settings})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// follow sends c to an absolute URL at the provider (which signs the
// queued user in at once) and through the provider's own redirects
// (authorize → login → authorize callback), and returns where the
// provider sends the browser next.
func (f *ssoFixture) follow(c *http.Client, to string) *url.URL {
	f.t.Helper()
	for range 10 {
		resp, err := c.Get(to)
		if err != nil {
			f.t.Fatal(err)
		}
		resp.Body.Close()
		loc, err := resp.Location()
		if err != nil {
			f.t.Fatalf("%s answered %d without a location", to, resp.StatusCode)
		}
		if !strings.HasPrefix(loc.String(), f.idp.Issuer()+"/") {
			return loc
		}
		to = loc.String()
	}
	f.t.Fatalf("the provider redirected more than 10 times")
	return nil
}

var continueRE = regexp.MustCompile(`id="sso-continue" href="([^"]+)"|href="([^"]+)" class="btn btn-primary btn-block" id="sso-continue"`)

// continueURL reads where the continue page (the answer to a form post,
// which the CSP may not redirect to another origin) sends the browser.
func continueURL(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := continueRE.FindStringSubmatch(string(b))
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("no continue page: %d %s", resp.StatusCode, b)
	}
	return html.UnescapeString(m[1] + m[2])
}

// viaIdP posts the email step and follows the provider back to Canopy's
// callback, returning the callback's status, location and body.
func (f *ssoFixture) viaIdP(c *http.Client, email string, user optest.User) (int, string, string) {
	f.t.Helper()
	resp, err := c.PostForm(f.srv.URL+"/signin", url.Values{"email": {email}, "next": {"/settings"}})
	if err != nil {
		f.t.Fatal(err)
	}
	to := continueURL(f.t, resp)
	if !strings.HasPrefix(to, f.idp.AuthorizationEndpoint()) {
		f.t.Fatalf("email step: %d to %q, want the provider", resp.StatusCode, to)
	}
	if u, _ := url.Parse(to); u.Query().Get("login_hint") != email || u.Query().Get("code_challenge_method") != "S256" {
		f.t.Fatalf("authorisation URL %s", to)
	}
	f.idp.QueueUser(user)
	back := f.follow(c, to)
	if back.Path != "/login/callback" || back.Query().Get("connection") != f.conn.ID {
		f.t.Fatalf("provider sent the browser to %s", back)
	}
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+back.RequestURI(), nil)
	resp, err = c.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// Home-realm discovery: the email step sends a federated email to its
// provider and the callback signs the member in like a password would
// (audited as single sign-on); passwords and resets are refused for the
// domain; people without an account see whom to ask.
func TestSSOSignInFlow(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newSSOFixture(t, db)
		c := f.client("")
		code, loc, _ := f.viaIdP(c, "Ann@corp.test", optest.User{Subject: "idp-ann", Email: "ann@corp.test"})
		if code != http.StatusSeeOther || loc != "/settings" {
			t.Fatalf("callback: %d to %q", code, loc)
		}
		if code, body := f.do(c, http.MethodGet, "/settings", nil); code != http.StatusOK || !strings.Contains(body, "Org A") {
			t.Fatalf("signed in: %d", code)
		}
		var signins []string
		_ = f.st.ScanAudit(context.Background(), func(ev domain.AuditEvent) error {
			if ev.Action == "user.signin" && ev.TargetID == f.ann.ID {
				signins = append(signins, ev.Details)
			}
			return nil
		})
		if len(signins) != 1 || !strings.Contains(signins[0], `"method":"sso"`) || !strings.Contains(signins[0], f.conn.ID) {
			t.Fatalf("sign-in audit %v", signins)
		}

		// The email step never offers a password for the domain, and a
		// password posted anyway is refused; so is a reset.
		code, body := f.do(f.client(""), http.MethodPost, "/signin/password", url.Values{"email": {"ann@corp.test"}, "password": {f.passwd}})
		if code != http.StatusForbidden || !strings.Contains(body, "signs you in with single sign-on") {
			t.Fatalf("password sign-in: %d", code)
		}
		code, body = f.do(f.client(""), http.MethodPost, "/forgot", url.Values{"email": {"ann@corp.test"}})
		if code != http.StatusForbidden || !strings.Contains(body, "signs you in with single sign-on") {
			t.Fatalf("reset: %d", code)
		}
		// Other domains keep their passwords.
		f.client("viewer-a@example.com")

		code, _, body = f.viaIdP(f.client(""), "new@corp.test", optest.User{Subject: "idp-new", Email: "new@corp.test"})
		if code != http.StatusForbidden || !strings.Contains(body, "Your account has not been set up") ||
			!strings.Contains(body, "owner-a@example.com") || !strings.Contains(body, "Corp IdP") {
			t.Fatalf("not set up: %d %s", code, body)
		}
	})
}

// A callback carrying a state started in another browser (login CSRF) is
// refused, and so is a replayed callback.
func TestSSOCallbackBoundToBrowser(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newSSOFixture(t, db)
		attacker := f.client("")
		resp, err := attacker.PostForm(f.srv.URL+"/signin", url.Values{"email": {"ann@corp.test"}})
		if err != nil {
			t.Fatal(err)
		}
		f.idp.QueueUser(optest.User{Subject: "idp-ann", Email: "ann@corp.test"})
		back := f.follow(attacker, continueURL(t, resp))
		victim := f.client("")
		if code, body := f.do(victim, http.MethodGet, back.RequestURI(), nil); code != http.StatusUnauthorized || !strings.Contains(body, "Single sign-on did not work") {
			t.Fatalf("other browser: %d", code)
		}
		if code, _ := f.do(attacker, http.MethodGet, back.RequestURI(), nil); code != http.StatusUnauthorized {
			t.Fatalf("replayed callback: %d", code)
		}
	})
}

// Settings → Single sign-on: an administrator adds a connection (errors
// next to fields), and "Test connection" shows the claims that arrived
// without signing anyone in.
func TestSSOSettingsAndTest(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newSSOFixture(t, db)
		owner := f.client("owner-a@example.com")
		code, body := f.do(owner, http.MethodGet, "/settings/sso", nil)
		if code != http.StatusOK || !strings.Contains(body, "Corp IdP") || !strings.Contains(body, "corp.test") {
			t.Fatalf("list: %d", code)
		}
		form := url.Values{"kind": {"oidc"}, "name": {"Second"}, "domains": {"second.test\nbad domain"}, "issuer": {"https://idp.second.test"}}
		code, body = f.do(owner, http.MethodPost, "/settings/sso", form)
		if code != http.StatusBadRequest || !strings.Contains(body, `id="sso-domains-error"`) {
			t.Fatalf("bad domain: %d", code)
		}
		form.Set("domains", "second.test")
		form.Set("client_id", "app")
		form.Set("client_secret", "s3cret-value")
		form.Set("group_roles", "FinOps = finops")
		if code, _ := f.do(owner, http.MethodPost, "/settings/sso", form); code != http.StatusSeeOther {
			t.Fatalf("create: %d", code)
		}
		list, _ := f.st.ListSSOConnections(context.Background(), f.orgs["A"].ID)
		if len(list) != 2 || list[1].Name != "Second" || list[1].SealedSecret == "" || strings.Contains(list[1].SealedSecret, "s3cret") {
			t.Fatalf("connections %+v", list)
		}
		if code, body := f.do(owner, http.MethodGet, "/settings/sso/"+list[1].ID, nil); code != http.StatusOK || strings.Contains(body, "s3cret-value") ||
			!strings.Contains(body, "FinOps = finops") {
			t.Fatalf("edit page: %d", code)
		}

		resp, err := owner.PostForm(f.srv.URL+"/settings/sso/"+f.conn.ID+"/test", nil)
		if err != nil {
			t.Fatal(err)
		}
		f.idp.QueueUser(optest.User{Subject: "idp-zed", Email: "zed@corp.test"})
		back := f.follow(owner, continueURL(t, resp))
		code, _ = f.do(owner, http.MethodGet, back.RequestURI(), nil)
		if code != http.StatusSeeOther {
			t.Fatalf("test callback: %d", code)
		}
		code, body = f.do(owner, http.MethodGet, "/settings/sso/"+f.conn.ID+"/test", nil)
		if code != http.StatusOK || !strings.Contains(body, `id="sso-test-email">zed@corp.test`) || !strings.Contains(body, "<code>sub</code>") {
			t.Fatalf("test result: %d", code)
		}
		if _, err := f.st.GetUserByEmail(context.Background(), "zed@corp.test"); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("the test created an account: %v", err)
		}
	})
}
