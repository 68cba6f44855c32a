package web_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/sso/wsfed/wsfedtest"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// wsfedFixture is the SSO fixture plus a WS-Federation STS on loopback, its
// member wes@adfs.test in org A and an enabled WS-Fed connection created in
// Settings from the STS's metadata URL.
type wsfedFixture struct {
	*samlFixture // for postBack's helpers and ssoFailures
	sts          *wsfedtest.STS
	connID       string
}

func newWSFedFixture(t *testing.T, db *store.DB) *wsfedFixture {
	f := &wsfedFixture{samlFixture: &samlFixture{ssoFixture: newSSOFixture(t, db)}}
	ctx := context.Background()
	f.sts = wsfedtest.New(t, "wes@adfs.test", "Wes", "Federer", "finance")
	now := domain.Now()
	wes := domain.User{ID: domain.NewID(domain.PrefixUser), Email: "wes@adfs.test", Status: domain.UserActive, CreatedAt: now, UpdatedAt: now}
	if err := f.st.CreateUser(ctx, wes); err != nil {
		t.Fatal(err)
	}
	if err := f.st.AddMember(ctx, f.orgs["A"].ID, wes.ID, []domain.RoleGrant{{Role: auth.RoleViewer}}, now); err != nil {
		t.Fatal(err)
	}
	admin := f.client("owner-a@example.com")
	resp, err := admin.PostForm(f.srv.URL+"/settings/sso", url.Values{"kind": {"wsfed"}, "name": {"Corp ADFS"},
		"domains": {"adfs.test"}, "metadata_url": {f.sts.MetadataURL()}, "enabled": {"on"}, "jit_role": {"viewer"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/settings/sso/sso_") {
		t.Fatalf("create: %d %q", resp.StatusCode, loc)
	}
	f.connID = strings.TrimPrefix(loc, "/settings/sso/")
	return f
}

var wsfedField = regexp.MustCompile(`name="(wa|wresult|wctx|resume)" value="([^"]*)"`)

// repost reads the re-post page Canopy answers the STS's cross-site post with.
func repost(t *testing.T, resp *http.Response) (string, url.Values) {
	t.Helper()
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	v := url.Values{}
	for _, m := range wsfedField.FindAllStringSubmatch(string(b), -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	m := samlAction.FindStringSubmatch(string(b))
	if resp.StatusCode != http.StatusOK || m == nil || v.Get("resume") != "1" {
		t.Fatalf("no re-post page: %d %s", resp.StatusCode, b)
	}
	return html.UnescapeString(m[1]), v
}

// postToken posts what the STS's page posts, then Canopy's re-post, and
// returns the final status, location and body.
func (f *wsfedFixture) postToken(c *http.Client, posted wsfedtest.Posted) (int, string, string) {
	f.t.Helper()
	if posted.Action != f.srv.URL+"/login/callback?connection="+f.connID {
		f.t.Fatalf("token posted to %s", posted.Action)
	}
	resp, err := c.PostForm(posted.Action, posted.Fields)
	if err != nil {
		f.t.Fatal(err)
	}
	again, v := repost(f.t, resp)
	if v.Get("wresult") != posted.Fields.Get("wresult") || v.Get("wctx") != posted.Fields.Get("wctx") || v.Get("wa") != "wsignin1.0" {
		f.t.Fatalf("re-post fields %v", v)
	}
	resp, err = c.PostForm(f.srv.URL+again, v)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// atSTS posts the email step and signs in at the STS, returning the form
// the STS's page posts back.
func (f *wsfedFixture) atSTS(c *http.Client, email string) wsfedtest.Posted {
	f.t.Helper()
	resp, err := c.PostForm(f.srv.URL+"/signin", url.Values{"email": {email}, "next": {"/settings"}})
	if err != nil {
		f.t.Fatal(err)
	}
	to := continueURL(f.t, resp)
	u, _ := url.Parse(to)
	if q := u.Query(); !strings.HasPrefix(to, f.sts.SignInURL()+"?") || q.Get("wa") != "wsignin1.0" || q.Get("wctx") == "" ||
		q.Get("username") != email || q.Get("wtrealm") != "urn:canopy:"+f.connID {
		f.t.Fatalf("email step sends to %s", to)
	}
	posted, err := wsfedtest.SignIn(c, to, email)
	if err != nil {
		f.t.Fatal(err)
	}
	return posted
}

// WS-Federation over HTTP against the loopback STS: the email step sends
// a wsignin1.0 request, the STS's cross-site post is re-posted and signs
// the member in; the same token again, a token carried to another
// browser and a connection trusting another certificate are refused with
// audited reasons.
func TestWSFedSignInFlow(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newWSFedFixture(t, db)
		c := f.client("")
		posted := f.atSTS(c, "wes@adfs.test")
		if code, loc, body := f.postToken(c, posted); code != http.StatusSeeOther || loc != "/settings" {
			t.Fatalf("callback: %d %q %s", code, loc, body)
		}
		if code, body := f.do(c, http.MethodGet, "/settings", nil); code != http.StatusOK || !strings.Contains(body, "Org A") {
			t.Fatalf("signed in: %d", code)
		}
		var signins []string
		_ = f.st.ScanAudit(context.Background(), func(ev domain.AuditEvent) error {
			if ev.Action == "user.signin" && strings.Contains(ev.Details, f.connID) {
				signins = append(signins, ev.Details)
			}
			return nil
		})
		if len(signins) != 1 || !strings.Contains(signins[0], `"method":"sso"`) {
			t.Fatalf("sign-in audit %v", signins)
		}

		// The same post again in another browser: its state was used.
		if code, _, _ := f.postToken(f.client(""), posted); code != http.StatusUnauthorized {
			t.Fatalf("replayed post: %d", code)
		}
		// A sign-in started in one browser, its token posted in another.
		posted = f.atSTS(f.client(""), "wes@adfs.test")
		if code, _, _ := f.postToken(f.client(""), posted); code != http.StatusUnauthorized {
			t.Fatalf("other browser: %d", code)
		}
		// A token of the STS for another realm.
		c = f.client("")
		posted = f.atSTS(c, "wes@adfs.test")
		other, err := f.sts.Issue(f.sts.TokenFor("urn:canopy:someone-else"))
		if err != nil {
			t.Fatal(err)
		}
		posted.Fields.Set("wresult", other)
		if code, _, body := f.postToken(c, posted); code != http.StatusUnauthorized || !strings.Contains(body, "Single sign-on did not work") {
			t.Fatalf("other realm: %d %s", code, body)
		}
		// Configured by hand with a certificate the STS does not sign with.
		_, cert := wsfedtest.KeyPair(t, "not the STS")
		admin := f.client("owner-a@example.com")
		if code, body := f.do(admin, http.MethodPost, "/settings/sso/"+f.connID, url.Values{"kind": {"wsfed"}, "name": {"Corp ADFS"},
			"domains": {"adfs.test"}, "enabled": {"on"}, "sign_in_url": {f.sts.SignInURL()},
			"certificates": {wsfedtest.CertPEM(cert)}, "jit_role": {"viewer"}}); code != http.StatusSeeOther {
			t.Fatalf("update: %d %s", code, body)
		}
		c = f.client("")
		if code, _, _ := f.postToken(c, f.atSTS(c, "wes@adfs.test")); code != http.StatusUnauthorized {
			t.Fatalf("untrusted certificate: %d", code)
		}
		want := []string{"unknown, used or expired state", "state not started in this browser", "audience", "signature_invalid"}
		if got := f.ssoFailures(); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("audited reasons %q, want %q", got, want)
		}
	})
}

// The settings page shows the WS-Fed fields, realm and metadata status;
// errors sit beside their field; Test connection shows the claims and
// signs nobody in.
func TestWSFedSettingsAndTest(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newWSFedFixture(t, db)
		admin := f.client("owner-a@example.com")
		code, body := f.do(admin, http.MethodGet, "/settings/sso/"+f.connID, nil)
		if code != http.StatusOK || !strings.Contains(body, `id="sso-realm">urn:canopy:`+f.connID+`<`) ||
			!strings.Contains(body, `id="sso-metadata_url" name="metadata_url" type="text" value="`+f.sts.MetadataURL()+`"`) ||
			!strings.Contains(body, "last fetched") || strings.Contains(body, `id="sso-metadata-error"`) {
			t.Fatalf("settings page: %d %s", code, body)
		}
		code, body = f.do(admin, http.MethodPost, "/settings/sso", url.Values{"kind": {"wsfed"}, "name": {"Bad"},
			"sign_in_url": {"https://adfs.example.com/adfs/ls/"}, "certificates": {"not pem"}})
		if code == http.StatusSeeOther || !strings.Contains(body, `id="sso-certificates-error">The STS&#39;s token-signing certificates`) {
			t.Fatalf("bad certificates: %d %s", code, body)
		}
		// A metadata URL that fails: saved, with the error on the page.
		gone := httptest.NewServer(http.NotFoundHandler())
		t.Cleanup(gone.Close)
		resp, err := admin.PostForm(f.srv.URL+"/settings/sso", url.Values{"kind": {"wsfed"}, "name": {"Later"},
			"metadata_url": {gone.URL + "/FederationMetadata.xml"}, "jit_role": {"viewer"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if code, body = f.do(admin, http.MethodGet, resp.Header.Get("Location"), nil); code != http.StatusOK ||
			!strings.Contains(body, `id="sso-metadata-error"`) || !strings.Contains(body, "HTTP 404") {
			t.Fatalf("failed metadata on the page: %d %s", code, body)
		}

		// Test connection: to the STS (asking it to authenticate again),
		// back to the settings page with the claims; nobody signed in.
		resp, err = admin.PostForm(f.srv.URL+"/settings/sso/"+f.connID+"/test", nil)
		if err != nil {
			t.Fatal(err)
		}
		to := continueURL(t, resp)
		if u, _ := url.Parse(to); u.Query().Get("wfresh") != "0" {
			t.Fatalf("test sign-in URL %s", to)
		}
		posted, err := wsfedtest.SignIn(admin, to, "wes@adfs.test")
		if err != nil {
			t.Fatal(err)
		}
		code, loc, _ := f.postToken(admin, posted)
		if code != http.StatusSeeOther || loc != "/settings/sso/"+f.connID+"/test" {
			t.Fatalf("test callback: %d %q", code, loc)
		}
		code, body = f.do(admin, http.MethodGet, loc, nil)
		if code != http.StatusOK || !strings.Contains(body, `id="sso-test-email">wes@adfs.test`) ||
			!strings.Contains(body, "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress") {
			t.Fatalf("test result: %d %s", code, body)
		}
	})
}
