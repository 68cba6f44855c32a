package app

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/web"
)

// The onboarding forms are refused from another site before any handler
// runs (Go's CrossOriginProtection, which also guards them from CSRF).
func TestOnboardingFormsRefuseCrossSite(t *testing.T) {
	a := openTestApp(t, store.SQLite)
	h, err := a.Handler()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, path := range []string{"/connections/aws", "/connections/aws/test", "/connections/m365/consent", "/connections/partnercenter/consent", "/connections/azure"} {
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader("name=x"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://evil.example")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site POST %s: %d, want 403", path, resp.StatusCode)
		}
	}
}

// signedInClient signs in with a password and returns the client.
func signedInClient(t *testing.T, base, email, password string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	for _, step := range []struct {
		path string
		form url.Values
	}{{"/signin", url.Values{"email": {email}}}, {"/signin/password", url.Values{"email": {email}, "password": {password}}}} {
		res, err := c.PostForm(base+step.path, step.form)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	return c
}

func fetch(t *testing.T, c *http.Client, req func() (*http.Response, error)) (string, string) {
	t.Helper()
	res, err := req()
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.Request.URL.Path, string(b)
}

// Partner Center by admin consent (the admin's consent given through the
// sandbox's Go API in place of its pages): the callback probes, creates
// the connection and queues its first sync. A Microsoft 365 consent that a
// program started through the API (state sealed for the organisation)
// finishes at the same callback in a member's browser.
func TestConsentCallbacksCreateConnections(t *testing.T) {
	a, srv := openServingApp(t)
	cloud := startAzureSandbox(t, a)
	a.Connections.Env.PublicURL = srv.URL
	addOwner(t, a, "ines@acme.test", "correct horse battery staple 42")
	c := signedInClient(t, srv.URL, "ines@acme.test", "correct horse battery staple 42")
	d := cloud.Demo

	_, body := fetch(t, c, func() (*http.Response, error) {
		return c.PostForm(srv.URL+"/connections/partnercenter/consent", url.Values{"partnercenter_name": {"Northwind CSP"}, "partnercenter_tenant": {d.PartnerTenant.ID}})
	})
	u, err := url.Parse(strings.ReplaceAll(strings.SplitN(strings.SplitN(body, `url=`, 2)[1], `"`, 2)[0], "&amp;", "&"))
	if err != nil || u.Query().Get("scope") != "https://api.partnercenter.microsoft.com/.default" {
		t.Fatalf("consent URL %v %v", u, err)
	}
	if err := cloud.Entra.GrantAdminConsent(d.PartnerTenant.ID, d.App.ClientID, connect.ConsentScope(connect.KindPartnerCenter)); err != nil {
		t.Fatal(err)
	}
	q := url.Values{"admin_consent": {"True"}, "tenant": {d.PartnerTenant.ID}, "state": {u.Query().Get("state")}}
	path, body := fetch(t, c, func() (*http.Response, error) {
		return c.Get(srv.URL + "/connections/partnercenter/callback?" + q.Encode())
	})
	if !strings.HasPrefix(path, "/connections/con_") || !strings.Contains(body, "Northwind CSP") {
		t.Fatalf("after the Partner Center callback: %s", path)
	}

	org, _, err := a.findOrCreateOrg(context.Background(), "Acme")
	if err != nil {
		t.Fatal(err)
	}
	state, err := a.Connections.SealState(org.ID, web.ConsentOnboarding{Kind: connect.KindM365, Name: "Contoso via API", Tenant: "contoso.onmicrosoft.com"})
	if err != nil {
		t.Fatal(err)
	}
	if err := cloud.Entra.GrantAdminConsent(d.Customer.ID, d.App.ClientID, connect.ConsentScope(connect.KindM365)); err != nil {
		t.Fatal(err)
	}
	q = url.Values{"admin_consent": {"True"}, "tenant": {d.Customer.ID}, "state": {state}}
	if path, _ := fetch(t, c, func() (*http.Response, error) {
		return c.Get(srv.URL + "/connections/partnercenter/callback?" + q.Encode())
	}); strings.HasPrefix(path, "/connections/con_") {
		t.Fatal("an m365 state finished a Partner Center consent")
	}
	path, body = fetch(t, c, func() (*http.Response, error) { return c.Get(srv.URL + "/connections/m365/callback?" + q.Encode()) })
	if !strings.HasPrefix(path, "/connections/con_") || !strings.Contains(body, "Contoso via API") {
		t.Fatalf("after the API-started Microsoft 365 callback: %s", path)
	}
	sys, _ := a.Auth.SystemPrincipal(context.Background(), org.ID)
	conns := waitSynced(t, a, sys)
	if pc := conns["partnercenter"]; pc.Last == nil || pc.Last.State != store.SyncSucceeded {
		t.Fatalf("Partner Center first sync %+v", pc.Last)
	}
}
