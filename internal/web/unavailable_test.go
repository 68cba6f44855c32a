package web_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/store/storetest"
)

// While the database cannot be reached (cut here by a proxy, as a
// PostgreSQL restart does), pages answer Canopy's error page with 503 and
// Retry-After — even when the session itself cannot be loaded — and work
// again by themselves once the database is back.
func TestPagesSay503WhileTheDatabaseIsUnreachable(t *testing.T) {
	db, proxy := storetest.OpenPostgresBehindProxy(t)
	f := newFixture(t, db)
	owner := f.client("owner-a@example.com")
	if code, _ := f.do(owner, "GET", "/budgets", nil); code != http.StatusOK {
		t.Fatalf("GET /budgets before the outage: %d", code)
	}
	proxy.Cut()
	for _, path := range []string{"/budgets", "/spend?" + spendRange, "/"} {
		res, err := owner.Get(f.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") != "5" ||
			!strings.Contains(string(body), "Canopy cannot reach its database") || !strings.Contains(string(body), "Try again in a few seconds") {
			t.Errorf("GET %s during the outage: %d, Retry-After %q, body %.400s", path, res.StatusCode, res.Header.Get("Retry-After"), body)
		}
	}
	proxy.Restore()
	if code, _ := f.do(owner, "GET", "/budgets", nil); code != http.StatusOK {
		t.Fatalf("GET /budgets after the outage: %d", code)
	}
}
