package app

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/config"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

func openTestApp(t *testing.T, e store.Engine) *App {
	t.Helper()
	return openTestAppWith(t, e, nil)
}

// openTestAppWith opens the app after mod changes its configuration.
func openTestAppWith(t *testing.T, e store.Engine, mod func(*config.Config)) *App {
	t.Helper()
	cfg := config.Default()
	if mod != nil {
		mod(&cfg)
	}
	cfg.DB = storetest.DSN(t, e)
	cfg.KeyFile = filepath.Join(t.TempDir(), "canopy.key")
	cfg.JobWorkers = 0
	if err := cfg.Finish(); err != nil {
		t.Fatal(err)
	}
	a, err := Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.DB.Close() })
	return a
}

func TestOperationalEndpointsAndHeaders(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			a := openTestApp(t, e)
			h, err := a.Handler()
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(h)
			defer srv.Close()
			for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready", "/api/v1/openapi.json": `"openapi"`} {
				code, body := get(t, srv.URL+path, nil)
				if code != http.StatusOK || !strings.Contains(body, want) {
					t.Errorf("%s: %d %q", path, code, body)
				}
			}
			get(t, srv.URL+"/signin", nil)
			code, body := get(t, srv.URL+"/metrics", nil)
			if code != http.StatusOK || !strings.Contains(body, `canopy_http_requests_total{method="GET",route="GET /signin",status="200"}`) {
				t.Errorf("metrics: %d, want per-route counters", code)
			}
			for _, m := range []string{"canopy_heavy_requests_running 0", "canopy_heavy_requests_waiting 0", "canopy_heavy_requests_shed_total 0",
				"canopy_cost_cache_hits_total", "canopy_cost_cache_misses_total", "canopy_cost_cache_bytes"} {
				if !strings.Contains(body, m) {
					t.Errorf("metrics lack %q", m)
				}
			}
			resp, err := http.Get(srv.URL + "/signin")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			for _, hdr := range []string{"Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "X-Request-Id"} {
				if resp.Header.Get(hdr) == "" {
					t.Errorf("missing header %s", hdr)
				}
			}
		})
	}
}

// Every state-changing request from another site is refused before any
// handler runs (Go's CrossOriginProtection); same-origin ones pass.
func TestCrossSiteFormsRefused(t *testing.T) {
	a := openTestApp(t, store.SQLite)
	h, err := a.Handler()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, c := range []struct {
		name    string
		headers map[string]string
		want    int
	}{
		{"cross-site fetch metadata", map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"foreign origin", map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden},
		{"same origin", map[string]string{"Sec-Fetch-Site": "same-origin"}, http.StatusOK},
	} {
		req, _ := http.NewRequest("POST", srv.URL+"/signin", strings.NewReader("email=a%40example.com"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range c.headers {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s: %d, want %d", c.name, resp.StatusCode, c.want)
		}
	}
}

// Identity providers post SAML responses cross-site: only POST
// /login/callback passes, and it only answers with a page posting the
// fields again from Canopy's own origin (which the protection checks).
func TestSAMLCallbackBypassesCrossOriginProtection(t *testing.T) {
	a := openTestApp(t, store.SQLite)
	h, err := a.Handler()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	for path, want := range map[string]int{"/login/callback?connection=sso_x": http.StatusOK,
		"/login/callback/x": http.StatusForbidden, "/settings/sso": http.StatusForbidden} {
		// resume=1 sent cross-site is not taken for the re-post either.
		code, b := crossSitePost(t, srv.URL+path, "SAMLResponse=abc&RelayState=r&resume=1")
		if code != want || (want == http.StatusOK && !strings.Contains(b, `name="resume" value="1"`)) {
			t.Errorf("%s: %d, want %d", path, code, want)
		}
	}
}

// Identity providers post SAML logout messages cross-site too: POST
// /logout/callback reaches its handler (which refuses this unsigned
// request of an unknown connection), sign-out itself stays protected.
func TestSAMLLogoutBypassesCrossOriginProtection(t *testing.T) {
	a := openTestApp(t, store.SQLite)
	h, err := a.Handler()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	for path, want := range map[string]int{"/logout/callback?connection=sso_x": http.StatusBadRequest,
		"/signout": http.StatusForbidden} {
		code, b := crossSitePost(t, srv.URL+path, "SAMLRequest=abc&RelayState=r")
		if code != want || (want == http.StatusBadRequest && !strings.Contains(b, "Nobody was signed out")) {
			t.Errorf("%s: %d, want %d: %s", path, code, want, b)
		}
	}
}

func TestReadyzFailsWithoutDatabase(t *testing.T) {
	a := openTestApp(t, store.SQLite)
	h, err := a.Handler()
	if err != nil {
		t.Fatal(err)
	}
	a.DB.Close()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("readyz with a closed database: %d", rec.Code)
	}
}

func get(t *testing.T, url string, hdr map[string]string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

// crossSitePost posts a form as an identity provider's page would: from
// another site, as the browser marks it.
func crossSitePost(t *testing.T, url, form string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://idp.example")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
