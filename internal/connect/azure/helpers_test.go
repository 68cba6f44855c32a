package azureconn_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	azureconn "github.com/canopyhq/canopy/internal/connect/azure"
	"github.com/canopyhq/canopy/internal/sandbox"
)

const redirectURI = "https://canopy.test/connect/azure/callback"

var ctx = context.Background()

// env is a running sandbox and Canopy's app configuration against it.
type env struct {
	t     *testing.T
	c     *sandbox.Cloud
	cfg   azureconn.Config
	slept []time.Duration
}

func newEnv(t *testing.T) *env {
	t.Helper()
	c, err := sandbox.Start(sandbox.Options{Seed: 11, RedirectURIs: []string{redirectURI}, ARMPageSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	// Frozen at the real time: azidentity caches tokens by the wall clock
	// and the sandbox issues them by its own.
	c.Clock.Set(time.Now().UTC())
	e := &env{t: t, c: c}
	e.cfg = azureconn.Config{TenantID: c.Demo.Customer.ID, ClientID: c.Demo.App.ClientID, ClientSecret: c.Demo.App.Secret,
		AuthorityHost: c.EntraURL, ARMEndpoint: c.ARMURL, HTTPClient: c.CA.Client(),
		// A throttled query waits by moving the sandbox clock, not by sleeping.
		Sleep: func(_ context.Context, d time.Duration) error {
			e.slept = append(e.slept, d)
			c.Clock.Advance(d)
			return nil
		}}
	return e
}

func (e *env) client(cfg azureconn.Config) *azureconn.Client {
	e.t.Helper()
	cl, err := azureconn.New(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	return cl
}

// browser drives Entra's pages like a user agent that stops at Canopy's
// redirect URI.
type browser struct {
	t     *testing.T
	hc    *http.Client
	base  string
	login url.Values
}

func newBrowser(e *env, upn string) *browser {
	jar, _ := cookiejar.New(nil)
	hc := e.c.CA.Client()
	hc.Jar = jar
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &browser{t: e.t, hc: hc, base: e.c.EntraURL,
		login: url.Values{"login": {upn}, "passwd": {sandbox.DemoPassword}, "sbx_step": {"login"}}}
}

var (
	actionRE = regexp.MustCompile(`action="([^"]*)"`)
	csrfRE   = regexp.MustCompile(`name="csrf" value="([^"]*)"`)
	backRE   = regexp.MustCompile(`id="back" href="([^"]*)"`)
)

// walk signs in, accepts the consent page, and returns Canopy's redirect
// (following a "need admin approval" page's way back).
func (b *browser) walk(start string) *url.URL {
	req, _ := http.NewRequest(http.MethodGet, start, nil)
	for range 10 {
		resp, err := b.hc.Do(req)
		if err != nil {
			b.t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		page := string(body)
		switch {
		case resp.StatusCode == http.StatusFound && strings.HasPrefix(resp.Header.Get("Location"), redirectURI):
			u, _ := url.Parse(resp.Header.Get("Location"))
			return u
		case resp.StatusCode == http.StatusFound:
			req, _ = http.NewRequest(http.MethodGet, b.resolve(resp.Header.Get("Location")), nil)
		case backRE.MatchString(page):
			u, _ := url.Parse(html.UnescapeString(backRE.FindStringSubmatch(page)[1]))
			return u
		case strings.Contains(page, `name="login"`):
			req = b.form(page, b.login)
		case strings.Contains(page, `name="csrf"`):
			req = b.form(page, url.Values{"sbx_step": {"consent"}, "csrf": {csrfRE.FindStringSubmatch(page)[1]}, "decision": {"accept"}})
		default:
			b.t.Fatalf("stopped at a page: %.400s", page)
		}
	}
	b.t.Fatal("too many pages")
	return nil
}

func (b *browser) resolve(loc string) string {
	if strings.HasPrefix(loc, "/") {
		return b.base + loc
	}
	return loc
}

func (b *browser) form(page string, v url.Values) *http.Request {
	action := html.UnescapeString(actionRE.FindStringSubmatch(page)[1])
	req, _ := http.NewRequest(http.MethodPost, b.resolve(action), strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

// adminConsent runs the admin-consent flow as upn and reads the result.
func (e *env) adminConsent(upn string) (string, error) {
	u := newBrowser(e, upn).walk(e.cfg.AdminConsentURL("organizations", e.cfg.ClientID, redirectURI, "st-1", true, true))
	if u.Query().Get("state") != "st-1" {
		e.t.Fatalf("state not returned: %s", u)
	}
	return azureconn.ConsentResult(u.Query())
}

// delegated signs upn in (authorization code + PKCE) and redeems the code.
func (e *env) delegated(upn string) azureconn.DelegatedToken {
	e.t.Helper()
	verifier, challenge := azureconn.PKCE()
	u := newBrowser(e, upn).walk(e.cfg.AuthorizeURL("organizations", redirectURI, "st-2", challenge))
	if u.Query().Get("code") == "" {
		e.t.Fatalf("no code: %s", u)
	}
	tok, err := e.cfg.ExchangeCode(ctx, "organizations", u.Query().Get("code"), redirectURI, verifier)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// onboard consents as the demo admin and grants access.
func (e *env) onboard(opts azureconn.GrantOptions) azureconn.GrantReport {
	e.t.Helper()
	if tenant, err := e.adminConsent(e.c.Demo.Admin.UPN); err != nil || tenant != e.c.Demo.Customer.ID {
		e.t.Fatalf("admin consent: %q %v", tenant, err)
	}
	sp, err := e.client(e.cfg).ServicePrincipalID(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	rep, err := e.cfg.GrantAccess(ctx, e.delegated(e.c.Demo.Admin.UPN), sp, opts)
	if err != nil {
		e.t.Fatalf("grant: %v %+v", err, rep)
	}
	return rep
}
