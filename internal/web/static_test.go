package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func serveStatic(t *testing.T, method, target string, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	StaticHandler().ServeHTTP(rec, req)
	return rec
}

func TestStaticServesHTMXAsJavaScript(t *testing.T) {
	rec := serveStatic(t, "GET", "/static/vendor/htmx.min.js", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "text/javascript; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if !strings.HasPrefix(rec.Body.String(), "var htmx=") || !strings.Contains(rec.Body.String(), `version:"2.0.`) {
		t.Error("body is not htmx 2.0")
	}
	if cc := rec.Header().Get("Cache-Control"); strings.Contains(cc, "immutable") {
		t.Errorf("unversioned URL cached as immutable: %q", cc)
	}
	if rec.Header().Get("X-Content-Type-Options") != "nosniff" || rec.Header().Get("ETag") == "" {
		t.Error("missing nosniff or ETag")
	}
	lic := serveStatic(t, "GET", "/static/vendor/htmx-LICENSE.txt", nil)
	if lic.Code != http.StatusOK || !strings.Contains(lic.Body.String(), "Zero-Clause BSD") {
		t.Error("htmx licence not shipped")
	}
}

func TestStaticServesCSSWithLongCacheWhenVersioned(t *testing.T) {
	url, err := AssetURL("app.css")
	if err != nil {
		t.Fatal(err)
	}
	rec := serveStatic(t, "GET", url, nil)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "text/css; charset=utf-8" {
		t.Fatalf("status %d type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
		t.Errorf("Cache-Control %q", cc)
	}
	if !strings.Contains(rec.Body.String(), "--accent") {
		t.Error("body is not app.css")
	}
	stale := serveStatic(t, "GET", "/static/app.css?v=000000000000", nil)
	if cc := stale.Header().Get("Cache-Control"); strings.Contains(cc, "immutable") {
		t.Errorf("stale version cached as immutable: %q", cc)
	}
}

func TestStaticRevalidatesWithETag(t *testing.T) {
	first := serveStatic(t, "GET", "/static/app.js", nil)
	etag := first.Header().Get("ETag")
	again := serveStatic(t, "GET", "/static/app.js", map[string]string{"If-None-Match": etag})
	if again.Code != http.StatusNotModified || again.Body.Len() != 0 {
		t.Errorf("status %d with %d bytes, want 304 and empty", again.Code, again.Body.Len())
	}
}

func TestStaticGzip(t *testing.T) {
	plain := serveStatic(t, "GET", "/static/vendor/htmx.min.js", nil)
	rec := serveStatic(t, "GET", "/static/vendor/htmx.min.js", map[string]string{"Accept-Encoding": "br, gzip"})
	if rec.Header().Get("Content-Encoding") != "gzip" || !strings.Contains(rec.Header().Get("Vary"), "Accept-Encoding") {
		t.Fatalf("encoding %q vary %q", rec.Header().Get("Content-Encoding"), rec.Header().Get("Vary"))
	}
	if rec.Header().Get("ETag") == plain.Header().Get("ETag") {
		t.Error("gzip and identity responses share an ETag")
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(got, plain.Body.Bytes()) {
		t.Errorf("gzip body differs from the file (err %v)", err)
	}
	refused := serveStatic(t, "GET", "/static/vendor/htmx.min.js", map[string]string{"Accept-Encoding": "gzip;q=0"})
	if refused.Header().Get("Content-Encoding") != "" {
		t.Error("gzip sent although the client refused it")
	}
}

func TestStaticRejectsUnknownPathsAndMethods(t *testing.T) {
	for _, target := range []string{"/static/nope.js", "/static/../render.go", "/static/", "/static/vendor"} {
		if rec := serveStatic(t, "GET", target, nil); rec.Code != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", target, rec.Code)
		}
	}
	if rec := serveStatic(t, "POST", "/static/app.css", nil); rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d, want 405", rec.Code)
	}
	if rec := serveStatic(t, "HEAD", "/static/app.css", nil); rec.Code != http.StatusOK || rec.Body.Len() != 0 {
		t.Errorf("HEAD: status %d, %d bytes", rec.Code, rec.Body.Len())
	}
}

func TestAcceptsGzip(t *testing.T) {
	cases := map[string]bool{
		"": false, "gzip": true, "GZIP": true, "br, gzip;q=0.8": true, "gzip;q=0": false,
		"gzip; q=0": false, "deflate": false, "x-gzip": false,
	}
	for header, want := range cases {
		if got := acceptsGzip(header); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", header, got, want)
		}
	}
}
