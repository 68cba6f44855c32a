package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/api"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// fuzzSkipped are JSON routes the body fuzzer leaves out, because what
// they store can make Canopy call a URL from the body (loopback only in
// tests): SSO metadata URLs and a vendor's API endpoint.
var fuzzSkipped = map[string]string{
	"POST /api/v1/sso/connections":                    "metadata URL",
	"PUT /api/v1/sso/connections/{sso_connection_id}": "metadata URL",
	"PUT /api/v1/catalog/vendors/{vendor_id}/api":     "vendor API URL",
}

// jsonRoutes lists, in a fixed order, every route that takes a JSON body
// (its routeBodies entry is a JSON string), less fuzzSkipped.
func jsonRoutes(routes []api.Route) []api.Route {
	var out []api.Route
	for _, rt := range routes {
		key := rt.Method + " " + rt.Pattern
		body, ok := routeBodies[key].(string)
		if ok && body != "" && fuzzSkipped[key] == "" {
			out = append(out, rt)
		}
	}
	slices.SortFunc(out, func(a, b api.Route) int { return strings.Compare(a.Method+a.Pattern, b.Method+b.Pattern) })
	return out
}

// fuzzFixture is the API fixture on SQLite for a fuzz target.
func fuzzFixture(f *testing.F) *fixture {
	return newFixture(f, storetest.Open(f, store.SQLite))
}

// fuzzSend sends one request as tenant A's owner and checks what every
// answer to any input must satisfy: no server error, JSON, an error with
// a code and a message, no secret and nothing of tenant B.
func (f *fixture) fuzzSend(t *testing.T, method, path, contentType string, body []byte) {
	req, err := http.NewRequest(method, f.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+f.a.ownerToken)
	res, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	got, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	what := method + " " + path
	if res.StatusCode >= 500 {
		t.Fatalf("%s with body %q: status %d: %s", what, body, res.StatusCode, got)
	}
	if res.StatusCode != http.StatusNoContent && !json.Valid(got) {
		t.Fatalf("%s: %d answer is not JSON: %q", what, res.StatusCode, got)
	}
	if res.StatusCode >= 400 {
		var e apiError
		if err := json.Unmarshal(got, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
			t.Fatalf("%s: error %d without a code and message: %s", what, res.StatusCode, got)
		}
	}
	for _, s := range f.secrets {
		if bytes.Contains(got, []byte(s)) {
			t.Fatalf("%s: response exposes a secret (%.12s...)", what, s)
		}
	}
	f.assertNoTrace(t, what, response{status: res.StatusCode, body: got}, f.b)
}

// FuzzRouteBodies sends arbitrary JSON bodies to every JSON-accepting
// route through the real handler, service and store (tenant A's owner on
// A's own objects, so the body is what gets refused or stored). Seeds are
// each route's valid body from routeBodies; {group_id}-style placeholders
// are filled at run time.
func FuzzRouteBodies(f *testing.F) {
	fx := fuzzFixture(f)
	routes := jsonRoutes(fx.api.RouteList())
	if len(routes) < 50 {
		f.Fatalf("only %d JSON routes", len(routes))
	}
	for i, rt := range routes {
		body := routeBodies[rt.Method+" "+rt.Pattern].(string)
		f.Add(uint16(i), body)
		f.Add(uint16(i), strings.Replace(body, `"`, `1`, 3))
	}
	f.Fuzz(func(t *testing.T, n uint16, body string) {
		rt := routes[int(n)%len(routes)]
		path := fillPath(t, rt.Pattern, fx.a) + routeQueries[rt.Method+" "+rt.Pattern]
		fx.fuzzSend(t, rt.Method, path, "application/json", []byte(withIDs(body, fx.a).(string)))
	})
}

// FuzzUploads sends arbitrary files to the two upload routes: an exchange
// rate CSV to POST /fx/rates/import and a multipart form (any bytes under
// a fixed boundary) to POST /costs/imports.
func FuzzUploads(f *testing.F) {
	fx := fuzzFixture(f)
	f.Add(true, []byte("date,base,quote,rate\n2026-01-09,CHF,JPY,170.5\n"))
	f.Add(true, []byte("Date,USD,JPY,\n2026-01-09,1.09,158.2,\n"))
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.SetBoundary("fuzzboundary")
	fw, _ := mw.CreateFormFile("file", "focus.csv")
	_, _ = fw.Write([]byte("BilledCost\n1\n"))
	_ = mw.Close()
	f.Add(false, buf.Bytes())
	f.Add(false, []byte("--fuzzboundary\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nx\r\n--fuzzboundary--\r\n"))
	f.Fuzz(func(t *testing.T, rates bool, body []byte) {
		if rates {
			fx.fuzzSend(t, "POST", "/api/v1/fx/rates/import", "text/csv", body)
			return
		}
		fx.fuzzSend(t, "POST", "/api/v1/costs/imports", "multipart/form-data; boundary=fuzzboundary", body)
	})
}
