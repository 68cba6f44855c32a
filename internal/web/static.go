package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

// staticFS holds the browser assets. static/vendor/htmx.min.js is htmx
// 2.0.11 copied unmodified from the npm package htmx.org@2.0.11 (dist
// integrity sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA==);
// its licence is static/vendor/htmx-LICENSE.txt. To upgrade, `npm pack`
// the new version, copy dist/htmx.min.js and LICENSE, and update this note.
// static/vendor/chart.umd.min.js is Chart.js 4.6.1 copied unmodified from
// the npm package chart.js@4.6.1 (dist/chart.umd.min.js, integrity
// sha512-hJyniucsFmq//EvXYvJ6c6mahPoI3kaxdjVH8awTaJ/fDNWeSqqqArixMJWkWNN6fcYvPU3HneSANFNYtRi61g==);
// its MIT licence is static/vendor/chart.js-LICENSE.txt (LICENSE.md in the
// package). Only the Spend pages load it; it draws under the strict CSP
// because it styles its canvas through the DOM, not with inline markup.
//
//go:embed static
var staticFS embed.FS

// StaticPrefix is the URL path the assets are served under.
const StaticPrefix = "/static/"

// asset is one embedded file, prepared once: its content hash doubles as
// the ETag and as the ?v= cache-busting version in asset URLs.
type asset struct {
	body    []byte
	gz      []byte // nil when gzip does not make it smaller
	version string
	ctype   string
}

// contentTypes pins the types we serve instead of trusting the host's
// mime.types, which may say application/javascript or lack svg.
var contentTypes = map[string]string{
	".css":   "text/css; charset=utf-8",
	".js":    "text/javascript; charset=utf-8",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".txt":   "text/plain; charset=utf-8",
	".woff2": "font/woff2",
}

var loadAssets = sync.OnceValue(func() map[string]*asset {
	assets := map[string]*asset{}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		assets[strings.TrimPrefix(p, "static/")] = newAsset(p, body)
		return nil
	})
	if err != nil {
		// The files are compiled in; failing to read them is a build defect.
		panic(fmt.Sprintf("web: reading embedded static files: %v", err))
	}
	return assets
})

func newAsset(name string, body []byte) *asset {
	sum := sha256.Sum256(body)
	a := &asset{body: body, version: hex.EncodeToString(sum[:6])}
	ext := path.Ext(name)
	a.ctype = contentTypes[ext]
	if a.ctype == "" {
		a.ctype = mime.TypeByExtension(ext)
	}
	if a.ctype == "" {
		a.ctype = "application/octet-stream"
	}
	if ext != ".png" && ext != ".woff2" {
		a.gz = gzipped(body)
	}
	return a
}

func gzipped(body []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // level is valid
	if _, err := zw.Write(body); err != nil {
		return nil
	}
	if err := zw.Close(); err != nil || buf.Len() >= len(body) {
		return nil
	}
	return buf.Bytes()
}

// AssetURL returns the URL of a static file with its content version, e.g.
// "/static/app.css?v=1a2b3c4d5e6f". Templates call it as {{asset "app.css"}}.
func AssetURL(name string) (string, error) {
	a, ok := loadAssets()[name]
	if !ok {
		return "", fmt.Errorf("web: no static asset %q", name)
	}
	return StaticPrefix + name + "?v=" + a.version, nil
}

// StaticHandler serves the embedded assets under /static/. A request whose
// ?v= matches the content hash may be cached for a year, because any change
// to the file changes its URL; other requests must revalidate (by ETag).
func StaticHandler() http.Handler {
	assets := loadAssets()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		a, ok := assets[strings.TrimPrefix(r.URL.Path, StaticPrefix)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		serveAsset(w, r, a)
	})
}

func serveAsset(w http.ResponseWriter, r *http.Request, a *asset) {
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Add("Vary", "Accept-Encoding")
	if r.URL.Query().Get("v") == a.version {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "public, no-cache")
	}
	body, etag := a.body, `"`+a.version+`"`
	if a.gz != nil && acceptsGzip(r.Header.Get("Accept-Encoding")) {
		h.Set("Content-Encoding", "gzip")
		body, etag = a.gz, `"`+a.version+`-gz"`
	}
	h.Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// acceptsGzip reads an Accept-Encoding header, honouring "gzip;q=0".
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		q := strings.ReplaceAll(params, " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}
