package app

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/api"
	"github.com/canopyhq/canopy/internal/config"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
	"github.com/canopyhq/canopy/internal/web"
)

// sweepRoute is one route of the whole HTTP surface, UI or API.
type sweepRoute struct {
	method, path string // path with its parameters filled in
	pattern      string // "METHOD /pattern" as the router knows it
	api          bool
	public       bool
	maxBody      int64
}

// crossOriginExempt are the only state-changing routes another site may
// post to: identity providers post SAML/WS-Fed messages from their own
// origin (see Handler; each has its own test).
var crossOriginExempt = []string{"POST /login/callback", "POST /logout/callback"}

// TestHostileRouteSweep takes every route of the UI (its route table) and
// of the API (its OpenAPI document, checked against the router) and tries
// each state-changing one, as a signed-in owner, from another site, then
// with an oversized body (declared and chunked), and every API route with
// the browser's session cookie instead of a token. Every attempt must be
// refused with the right status and a clear message, and the database
// must be byte for byte what it was before. Tenant isolation and the
// viewer's refusals on every route are swept by the api and web packages'
// route tests (TestTenantIsolation, TestViewerCannotWrite,
// TestOrgCannotReachAnotherOrg, TestViewerRefusedWithoutPermission).
func TestHostileRouteSweep(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			a := openTestAppWith(t, e, func(c *config.Config) { c.MaxUploadMiB = 1 })
			h, err := a.Handler()
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(h)
			defer srv.Close()
			addOwner(t, a, "sweep-owner@example.com", "correct horse battery staple 42")
			browser := signedInClient(t, srv.URL, "sweep-owner@example.com", "correct horse battery staple 42")
			browser.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			browser.Transport = &http.Transport{ExpectContinueTimeout: 10 * time.Second}
			token := apiToken(t, a, userID(t, a, "sweep-owner@example.com"), "")
			routes := sweepRoutes(t, a, srv.URL)
			before := dbDigest(t, a.DB)
			var cross, cookie, big int
			for _, rt := range routes {
				cross += sweepCrossOrigin(t, browser, srv.URL, rt)
				cookie += sweepCookieOnAPI(t, browser, srv.URL, rt)
				big += sweepOversized(t, browser, srv.URL, token, rt)
			}
			if after := dbDigest(t, a.DB); after != before {
				t.Errorf("the database changed during the sweep:\n%s", diffDigest(before, after))
			}
			ui, uiWrites := count(routes, false)
			apis, apiWrites := count(routes, true)
			t.Logf("%d UI routes (%d state-changing), %d API routes (%d state-changing); refused: %d cross-origin, %d cookie-only API, %d oversized requests",
				ui, uiWrites, apis, apiWrites, cross, cookie, big)
		})
	}
}

// count counts the UI (or API) routes and the state-changing ones.
func count(rs []sweepRoute, api bool) (all, writes int) {
	for _, r := range rs {
		if r.api == api {
			all++
			if changes(r.method) {
				writes++
			}
		}
	}
	return all, writes
}

// sweepRoutes lists the UI's route table and the API's OpenAPI document,
// failing when the document and the router disagree.
func sweepRoutes(t *testing.T, a *App, base string) []sweepRoute {
	t.Helper()
	var out []sweepRoute
	ui := &web.Server{Auth: a.Auth, Imports: a.Imports}
	for _, rt := range ui.RouteList() {
		method, path, _ := strings.Cut(rt.Pattern, " ")
		out = append(out, sweepRoute{method: method, path: fillParams(strings.TrimSuffix(path, "{$}")), pattern: rt.Pattern,
			public: rt.Access == web.Public, maxBody: rt.MaxBody})
	}
	router := map[string]api.Route{}
	for _, rt := range api.New(a.Auth, nil).WithImports(a.Imports).RouteList() {
		router[rt.Method+" "+rt.Pattern] = rt
	}
	code, doc := get(t, base+api.Prefix+"/openapi.json", nil)
	var d struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal([]byte(doc), &d); code != http.StatusOK || err != nil {
		t.Fatalf("OpenAPI document: %d %v", code, err)
	}
	seen := map[string]bool{}
	for path, ops := range d.Paths {
		for m := range ops {
			if m == "parameters" {
				continue
			}
			key := strings.ToUpper(m) + " " + path
			rt, ok := router[key]
			if !ok {
				t.Errorf("the OpenAPI document lists %s, which the router does not serve", key)
				continue
			}
			seen[key] = true
			out = append(out, sweepRoute{method: rt.Method, path: fillParams(rt.Pattern), pattern: key, api: true, public: rt.Public, maxBody: rt.MaxBody})
		}
	}
	for key := range router {
		if !seen[key] {
			t.Errorf("route %s is missing from the OpenAPI document", key)
		}
	}
	slices.SortFunc(out, func(x, y sweepRoute) int { return strings.Compare(x.pattern, y.pattern) })
	if len(out) < 200 {
		t.Fatalf("only %d routes found", len(out))
	}
	return out
}

// fillParams puts a made-up ID into every path parameter: the requests
// below must be refused before any object is looked up.
func fillParams(pattern string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(pattern, '{')
		if i < 0 {
			b.WriteString(pattern)
			return b.String()
		}
		j := strings.IndexByte(pattern[i:], '}')
		b.WriteString(pattern[:i] + "x1")
		pattern = pattern[i+j+1:]
	}
}

func changes(method string) bool {
	return method != http.MethodGet && method != http.MethodHead
}

// sweepCrossOrigin: a state-changing request from another site, marked
// by Fetch Metadata or by its Origin, is refused with 403 before any
// handler runs, whatever the route.
func sweepCrossOrigin(t *testing.T, c *http.Client, base string, rt sweepRoute) int {
	if !changes(rt.method) || slices.Contains(crossOriginExempt, rt.pattern) {
		return 0
	}
	n := 0
	for _, hdr := range []map[string]string{{"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}} {
		req, _ := http.NewRequest(rt.method, base+rt.path, strings.NewReader("name=Forged&roles=owner"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		code, body := send(t, c, req)
		if code != http.StatusForbidden || !strings.Contains(strings.ToLower(body), "cross-origin") {
			t.Errorf("%s %v: %d, want 403 cross-origin refusal: %.200s", rt.pattern, hdr, code, body)
		}
		n++
	}
	return n
}

// sweepCookieOnAPI: the API ignores the browser's session cookie (it
// takes bearer tokens only, so a forged request has nothing to ride on).
func sweepCookieOnAPI(t *testing.T, c *http.Client, base string, rt sweepRoute) int {
	if !rt.api || rt.public {
		return 0
	}
	var body io.Reader
	if changes(rt.method) {
		body = strings.NewReader(`{}`)
	}
	req, _ := http.NewRequest(rt.method, base+rt.path, body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	code, got := send(t, c, req)
	if code != http.StatusUnauthorized || !strings.Contains(got, `"unauthenticated"`) {
		t.Errorf("%s with only the session cookie: %d, want 401 unauthenticated: %.200s", rt.pattern, code, got)
	}
	return 1
}

// filler is an endless body of 'a's.
type filler struct{}

func (filler) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}

// sweepOversized: a body one byte over the route's limit is refused with
// 413 and a message naming the limit, whether its length is declared
// (refused before it is sent: Expect: 100-continue) or not (chunked,
// refused once the limit is passed), before the session, the token or
// the handler is touched.
func sweepOversized(t *testing.T, c *http.Client, base, token string, rt sweepRoute) int {
	if !changes(rt.method) {
		return 0
	}
	if rt.maxBody <= 0 {
		t.Errorf("%s: no body limit", rt.pattern)
		return 0
	}
	n := 0
	for _, declared := range []bool{true, false} {
		if !declared && rt.maxBody > 1<<20 {
			continue // an upload streams; its declared length is refused above
		}
		req, _ := http.NewRequest(rt.method, base+rt.path, io.LimitReader(filler{}, rt.maxBody+1))
		if declared {
			req.ContentLength = rt.maxBody + 1
			req.Header.Set("Expect", "100-continue")
		}
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		switch {
		case strings.HasSuffix(rt.pattern, "/imports"):
			req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
		case rt.api:
			req.Header.Set("Content-Type", "application/json")
		default:
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if rt.api {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		code, body := send(t, c, req)
		if code != http.StatusRequestEntityTooLarge || !strings.Contains(body, "larger than") {
			t.Errorf("%s, %d-byte body (declared %v): %d, want 413 naming the limit: %.300s", rt.pattern, rt.maxBody+1, declared, code, body)
		}
		n++
	}
	return n
}

func send(t *testing.T, c *http.Client, req *http.Request) (int, string) {
	t.Helper()
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	return res.StatusCode, string(b)
}

// volatile are the columns a refused upload may still touch: it has
// passed authentication (the permission is checked before the body is
// read), which marks the token as used.
var volatile = map[string]bool{"api_tokens.last_used_at": true}

// dbDigest is one line per table: its name, row count and a hash of its
// rows in any order, so that a sweep can prove it stored nothing.
func dbDigest(t *testing.T, db *store.DB) string {
	t.Helper()
	ctx := context.Background()
	q := `SELECT name FROM sqlite_master WHERE type = 'table'`
	if db.Engine == store.Postgres {
		q = `SELECT tablename FROM pg_tables WHERE schemaname = current_schema()`
	}
	names := queryStrings(t, db.W, q)
	sort.Strings(names)
	var out strings.Builder
	for _, name := range names {
		rows, err := db.W.QueryContext(ctx, `SELECT * FROM "`+name+`"`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		var hashes []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, col := range cols {
				if volatile[name+"."+col] {
					vals[i] = nil
				}
			}
			hashes = append(hashes, fmt.Sprintf("%x", sha256.Sum256(fmt.Appendf(nil, "%v", vals))))
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		sort.Strings(hashes)
		if name == "sessions" {
			// Only the count: a refused upload has passed the session
			// (its permission is checked before the body is read), which
			// marks the browser's session as active.
			hashes = []string{fmt.Sprint(len(hashes))}
		}
		sum := sha256.Sum256([]byte(strings.Join(hashes, "")))
		fmt.Fprintf(&out, "%s %d %x\n", name, len(hashes), sum[:8])
	}
	return out.String()
}

func queryStrings(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// diffDigest lists the tables whose line differs.
func diffDigest(before, after string) string {
	b := strings.Split(before, "\n")
	var out []string
	for _, line := range strings.Split(after, "\n") {
		if !slices.Contains(b, line) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}
