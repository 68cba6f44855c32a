package e2e

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// page is one HTTP answer as a plain client sees it: no redirects are
// followed, so tests can check where the server sends the browser.
type page struct {
	Status   int
	Location string
	Body     string
	Cookies  []*http.Cookie
}

var plainClient = &http.Client{
	Timeout:       30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// fetch sends one request with an optional session cookie and bearer
// token. A form makes it a POST.
func fetch(t *testing.T, method, target string, form url.Values, cookie *http.Cookie, bearer string) page {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := plainClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, target, err)
	}
	return page{Status: resp.StatusCode, Location: resp.Header.Get("Location"), Body: string(b), Cookies: resp.Cookies()}
}

// signInHTTP posts the password step and returns the answer.
func signInHTTP(t *testing.T, base, email, password string) page {
	t.Helper()
	return fetch(t, "POST", base+"/signin/password", url.Values{"email": {email}, "password": {password}}, nil, "")
}

// sessionCookie signs in and returns the session cookie.
func sessionCookie(t *testing.T, base, email, password string) *http.Cookie {
	t.Helper()
	p := signInHTTP(t, base, email, password)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("sign in as %s at %s: status %d, want 303\n%s", email, base, p.Status, p.Body)
	}
	for _, c := range p.Cookies {
		if c.Name == "canopy_session" && c.Value != "" {
			return c
		}
	}
	t.Fatalf("sign in as %s set no canopy_session cookie", email)
	return nil
}
