package sandbox_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/canopyhq/canopy/internal/sandbox"
)

const redirectURI = "https://canopy.test/connect/azure/callback"

func start(t *testing.T) *sandbox.Cloud {
	t.Helper()
	c, err := sandbox.Start(sandbox.Options{Seed: 7, RedirectURIs: []string{redirectURI}, ARMPageSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// cloudConfig points the Azure SDK at the sandbox.
func cloudConfig(c *sandbox.Cloud) cloud.Configuration {
	return cloud.Configuration{
		ActiveDirectoryAuthorityHost: c.EntraURL + "/",
		Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			cloud.ResourceManager: {Audience: "https://management.azure.com/", Endpoint: c.ARMURL},
		},
	}
}

func clientOptions(c *sandbox.Cloud) azcore.ClientOptions {
	return azcore.ClientOptions{Cloud: cloudConfig(c), Transport: c.CA.Client(), Retry: policy.RetryOptions{MaxRetries: -1}}
}

type sandboxOpts struct{ arm *arm.ClientOptions }

func opts(c *sandbox.Cloud) *sandboxOpts {
	return &sandboxOpts{arm: &arm.ClientOptions{ClientOptions: clientOptions(c)}}
}

// appCredential is Canopy's service principal credential in tenantID.
func appCredential(t *testing.T, c *sandbox.Cloud, tenantID, secret string) *azidentity.ClientSecretCredential {
	t.Helper()
	cred, err := azidentity.NewClientSecretCredential(tenantID, c.Demo.App.ClientID, secret,
		&azidentity.ClientSecretCredentialOptions{ClientOptions: clientOptions(c), DisableInstanceDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	return cred
}

// staticToken is a delegated token the test obtained over HTTP.
type staticToken string

func (s staticToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: string(s), ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// browser drives Entra's pages like a user agent that does not follow
// redirects to the app.
type browser struct {
	t     *testing.T
	c     *http.Client
	base  string
	login url.Values
}

func newBrowser(t *testing.T, c *sandbox.Cloud, upn string) *browser {
	jar, _ := cookiejar.New(nil)
	hc := c.CA.Client()
	hc.Jar = jar
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &browser{t: t, c: hc, base: c.EntraURL, login: url.Values{"login": {upn}, "passwd": {sandbox.DemoPassword}, "sbx_step": {"login"}}}
}

var (
	actionRE = regexp.MustCompile(`action="([^"]*)"`)
	csrfRE   = regexp.MustCompile(`name="csrf" value="([^"]*)"`)
)

// walk follows Entra's pages from start: it signs in, answers the consent
// page with decision, and returns the redirect to the app (or "" and the
// last page when Entra stops at a page of its own). onConsent sees the
// consent page.
func (b *browser) walk(start, decision string, onConsent func(page string)) (string, string) {
	req, _ := http.NewRequest(http.MethodGet, start, nil)
	for i := 0; i < 10; i++ {
		resp, err := b.c.Do(req)
		if err != nil {
			b.t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		page := string(body)
		switch {
		case resp.StatusCode == http.StatusFound:
			loc := resp.Header.Get("Location")
			if strings.HasPrefix(loc, redirectURI) {
				return loc, ""
			}
			req, _ = http.NewRequest(http.MethodGet, b.resolve(loc), nil)
		case strings.Contains(page, `name="login"`):
			req = b.form(page, b.login)
		case strings.Contains(page, `name="csrf"`):
			if onConsent != nil {
				onConsent(page)
			}
			req = b.form(page, url.Values{"sbx_step": {"consent"}, "csrf": {csrfRE.FindStringSubmatch(page)[1]}, "decision": {decision}})
		default:
			return "", page
		}
	}
	b.t.Fatal("too many pages")
	return "", ""
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

// adminConsent runs the admin-consent flow for Canopy's app as upn.
func adminConsent(t *testing.T, c *sandbox.Cloud, upn, decision string) (url.Values, string) {
	t.Helper()
	q := url.Values{"client_id": {c.Demo.App.ClientID}, "scope": {"https://graph.microsoft.com/.default https://management.azure.com/.default"},
		"redirect_uri": {redirectURI}, "state": {"st-123"}}
	var consentPage string
	loc, page := newBrowser(t, c, upn).walk(c.EntraURL+"/organizations/v2.0/adminconsent?"+q.Encode(), decision, func(p string) { consentPage = p })
	if loc == "" {
		return nil, page
	}
	u, _ := url.Parse(loc)
	return u.Query(), consentPage
}

// delegatedToken runs the authorization-code flow with PKCE as upn and
// redeems the code.
func delegatedToken(t *testing.T, c *sandbox.Cloud, upn string) map[string]any {
	t.Helper()
	verifier := "v3rifier-" + strings.Repeat("x", 40)
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"client_id": {c.Demo.App.ClientID}, "response_type": {"code"}, "redirect_uri": {redirectURI},
		"scope": {"https://management.azure.com/user_impersonation offline_access openid profile"}, "state": {"s-9"}, "nonce": {"n-1"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	loc, page := newBrowser(t, c, upn).walk(c.EntraURL+"/organizations/oauth2/v2.0/authorize?"+q.Encode(), "accept", nil)
	if loc == "" {
		t.Fatalf("authorize stopped at a page: %s", page)
	}
	u, _ := url.Parse(loc)
	if u.Query().Get("state") != "s-9" || u.Query().Get("code") == "" {
		t.Fatalf("authorize redirect = %s", loc)
	}
	status, body := postToken(t, c, "organizations", url.Values{"grant_type": {"authorization_code"}, "client_id": {c.Demo.App.ClientID},
		"client_secret": {c.Demo.App.Secret}, "code": {u.Query().Get("code")}, "redirect_uri": {redirectURI}, "code_verifier": {verifier},
		"scope": {"https://management.azure.com/user_impersonation offline_access openid profile"}})
	if status != http.StatusOK {
		t.Fatalf("token: %d %v", status, body)
	}
	return body
}

func postToken(t *testing.T, c *sandbox.Cloud, tenant string, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := c.CA.Client().PostForm(c.EntraURL+"/"+tenant+"/oauth2/v2.0/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// claims decodes a JWT's payload (the signature is the service's business).
func claims(t *testing.T, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", jwt)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}
