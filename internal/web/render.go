// Package web is Canopy's server-rendered user interface: typed page
// structs, html/template templates and the static assets, all embedded.
package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"sync"
)

//go:embed templates/*.html
var templateFS embed.FS

// Files in templates/ whose names start with "_" are shared by every page
// (shells and partials); every other file is one page.
const sharedPrefix = "_"

// Renderer holds the templates, parsed once at start-up.
type Renderer struct {
	pages    map[string]*template.Template // by Page.Template()
	partials *template.Template            // shared set, for RenderPartial
	log      *slog.Logger
}

// NewRenderer parses every template. A parse error here is a defect in
// the embedded files, so callers should fail start-up on it.
func NewRenderer() (*Renderer, error) {
	shared, err := template.New("").Funcs(templateFuncs()).ParseFS(templateFS, "templates/"+sharedPrefix+"*.html")
	if err != nil {
		return nil, fmt.Errorf("web: parsing shared templates: %w", err)
	}
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: listing templates: %w", err)
	}
	r := &Renderer{pages: map[string]*template.Template{}, partials: shared, log: slog.Default()}
	for _, f := range files {
		base := path.Base(f)
		if strings.HasPrefix(base, sharedPrefix) {
			continue
		}
		if err := r.addPage(shared, f); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// addPage parses one page file on a clone of the shared set, so each page
// has its own "content" and "title" blocks.
func (r *Renderer) addPage(shared *template.Template, file string) error {
	clone, err := shared.Clone()
	if err != nil {
		return fmt.Errorf("web: cloning shared templates: %w", err)
	}
	t, err := clone.ParseFS(templateFS, file)
	if err != nil {
		return fmt.Errorf("web: parsing %s: %w", file, err)
	}
	base := path.Base(file)
	for _, block := range []string{"content", "title"} {
		if t.Lookup(block) == nil {
			return fmt.Errorf("web: %s does not define %q", file, block)
		}
	}
	r.pages[strings.TrimSuffix(base, ".html")] = t.Lookup(base)
	return nil
}

// SetLogger replaces the logger template failures are reported to.
func (r *Renderer) SetLogger(l *slog.Logger) { r.log = l }

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Render writes page with the given status. The page is rendered into a
// buffer first, so a template error becomes a clean 500 page instead of
// half a page after a 200.
func (r *Renderer) Render(w http.ResponseWriter, status int, page Page) {
	buf := bufPool.Get().(*bytes.Buffer)
	defer putBuf(buf)
	if err := r.execute(buf, page); err != nil {
		r.log.Error("rendering page", "template", page.Template(), "request_id", page.layout().RequestID, "err", err)
		r.renderFailure(w, page)
		return
	}
	writeHTML(w, status, buf.Bytes())
}

// RenderPartial writes one shared template (e.g. "strength") for htmx to
// swap into the page, with status 200.
func (r *Renderer) RenderPartial(w http.ResponseWriter, name string, data any) {
	buf := bufPool.Get().(*bytes.Buffer)
	defer putBuf(buf)
	if err := r.partials.ExecuteTemplate(buf, name, data); err != nil {
		r.log.Error("rendering partial", "template", name, "err", err)
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	writeHTML(w, http.StatusOK, buf.Bytes())
}

func (r *Renderer) execute(buf *bytes.Buffer, page Page) error {
	t, ok := r.pages[page.Template()]
	if !ok {
		return fmt.Errorf("web: no page template %q", page.Template())
	}
	return t.Execute(buf, page)
}

// renderFailure answers 500 with the error page, keeping the failed page's
// layout so the person still sees where they are; if even that fails (the
// shell itself may be broken) it falls back to plain HTML.
func (r *Renderer) renderFailure(w http.ResponseWriter, failed Page) {
	p := NewErrorPage(http.StatusInternalServerError)
	l := *failed.layout()
	l.Title, l.Flash = p.Title, nil
	p.Layout = l
	buf := bufPool.Get().(*bytes.Buffer)
	defer putBuf(buf)
	if err := r.execute(buf, p); err != nil {
		r.log.Error("rendering error page", "request_id", l.RequestID, "err", err)
		buf.Reset()
		fmt.Fprintf(buf, fallbackPage, template.HTMLEscapeString(l.RequestID))
	}
	writeHTML(w, http.StatusInternalServerError, buf.Bytes())
}

const fallbackPage = `<!doctype html><html lang="en-GB"><meta charset="utf-8"><title>Something went wrong · Canopy</title>` +
	`<main><h1>Something went wrong</h1><p>Canopy could not show this page. Reference: %s</p><p><a href="/">Go to Overview</a></p></main></html>`

func writeHTML(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	if h.Get("Cache-Control") == "" {
		// Pages carry personal data and one-time secrets (new tokens,
		// recovery codes): keep them out of shared and back/forward caches.
		h.Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	_, _ = w.Write(body) // a failed write means the client went away
}

func putBuf(b *bytes.Buffer) {
	if b.Cap() > 1<<20 {
		return // let unusually large buffers go rather than pin them
	}
	b.Reset()
	bufPool.Put(b)
}
