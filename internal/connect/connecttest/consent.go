package connecttest

import (
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/sandbox"
)

var (
	actionRE = regexp.MustCompile(`action="([^"]*)"`)
	csrfRE   = regexp.MustCompile(`name="csrf" value="([^"]*)"`)
)

// AdminConsent grants Canopy's demo app admin consent for scope in
// tenant through Entra's pages, signed in as that tenant's admin upn.
func AdminConsent(t *testing.T, cloud *sandbox.Cloud, tenant, upn, scope string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	hc := cloud.CA.Client()
	hc.Jar = jar
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	q := url.Values{"client_id": {cloud.Demo.App.ClientID}, "scope": {scope}, "state": {"s"}}
	req, _ := http.NewRequest(http.MethodGet, cloud.EntraURL+"/"+tenant+"/v2.0/adminconsent?"+q.Encode(), nil)
	login := url.Values{"login": {upn}, "passwd": {sandbox.DemoPassword}, "sbx_step": {"login"}}
	for range 10 {
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		page, loc := string(body), resp.Header.Get("Location")
		switch {
		case resp.StatusCode == http.StatusFound && strings.Contains(loc, "admin_consent=True"):
			return
		case resp.StatusCode == http.StatusFound:
			req, _ = http.NewRequest(http.MethodGet, resolve(cloud.EntraURL, loc), nil)
		case strings.Contains(page, `name="login"`):
			req = form(cloud.EntraURL, page, login)
		case strings.Contains(page, `name="csrf"`):
			req = form(cloud.EntraURL, page, url.Values{"sbx_step": {"consent"}, "csrf": {csrfRE.FindStringSubmatch(page)[1]}, "decision": {"accept"}})
		default:
			t.Fatalf("admin consent stopped at %d: %.300s", resp.StatusCode, page)
		}
	}
	t.Fatal("admin consent: too many pages")
}

func resolve(base, loc string) string {
	if strings.HasPrefix(loc, "/") {
		return base + loc
	}
	return loc
}

func form(base, page string, v url.Values) *http.Request {
	action := html.UnescapeString(actionRE.FindStringSubmatch(page)[1])
	req, _ := http.NewRequest(http.MethodPost, resolve(base, action), strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}
