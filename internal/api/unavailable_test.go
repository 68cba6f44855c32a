package api_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/canopyhq/canopy/internal/store/storetest"
)

// While the database cannot be reached (cut here by a proxy, as a
// PostgreSQL restart does), the API answers 503 "unavailable" with
// Retry-After instead of a bare 500, and answers again by itself once the
// database is back.
func TestDatabaseOutageIs503(t *testing.T) {
	db, proxy := storetest.OpenPostgresBehindProxy(t)
	f := newFixture(t, db)
	for _, path := range []string{"/api/v1/me", "/api/v1/budgets"} {
		if r := f.do("GET", path, f.a.ownerToken, nil); r.status != http.StatusOK {
			t.Fatalf("GET %s before the outage: %d %s", path, r.status, r.body)
		}
	}
	proxy.Cut()
	for _, path := range []string{"/api/v1/me", "/api/v1/budgets", "/api/v1/costs/explore?from=2026-03-01&to=2026-03-10"} {
		r := f.do("GET", path, f.a.ownerToken, nil)
		var body struct {
			Error struct{ Code, Message string }
		}
		_ = json.Unmarshal(r.body, &body)
		if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") != "5" || body.Error.Code != "unavailable" ||
			body.Error.Message != "Canopy cannot reach its database right now (it may be restarting). Try again in a few seconds." {
			t.Errorf("GET %s during the outage: %d, Retry-After %q, %s", path, r.status, r.header.Get("Retry-After"), r.body)
		}
	}
	proxy.Restore()
	if r := f.do("GET", "/api/v1/budgets", f.a.ownerToken, nil); r.status != http.StatusOK {
		t.Fatalf("GET /api/v1/budgets after the outage: %d %s", r.status, r.body)
	}
}
