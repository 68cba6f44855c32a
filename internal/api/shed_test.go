package api_test

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/shed"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// The routes that scan cost data are bounded by the node's heavy-request
// limiter: while it is saturated they answer 503 unavailable with
// Retry-After after waiting, cheap routes answer as usual, and an
// unauthenticated caller is refused before it takes or waits for a slot.
func TestHeavyRoutesAreShedWhenTheNodeIsSaturated(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.importCosts(f.a, 5)
		l := shed.New(1, 30*time.Millisecond)
		f.api.WithHeavyLimiter(l)
		explore := "/api/v1/costs/explore?from=2026-03-01&to=2026-03-10&group_by=service"
		f.do("GET", explore, f.a.ownerToken, nil).wantStatus(t, "explore with a free slot", http.StatusOK)

		hold, err := l.Acquire(context.Background()) // another request scanning
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{explore, "/api/v1/costs/values?dim=service&from=2026-03-01&to=2026-03-10", "/api/v1/budgets"} {
			r := f.do("GET", path, f.a.ownerToken, nil)
			r.wantError(t, "saturated "+path, http.StatusServiceUnavailable, "unavailable")
			if got := r.header.Get("Retry-After"); got != "5" {
				t.Errorf("saturated %s: Retry-After %q, want 5", path, got)
			}
		}
		f.do("GET", "/api/v1/me", f.a.ownerToken, nil).wantStatus(t, "a cheap route while saturated", http.StatusOK)
		f.do("GET", explore, "", nil).wantError(t, "no token while saturated", http.StatusUnauthorized, "unauthenticated")
		if st := l.Stats(); st.Shed != 3 {
			t.Errorf("shed %d requests, want the 3 authenticated heavy ones", st.Shed)
		}
		hold()
		f.do("GET", explore, f.a.ownerToken, nil).wantStatus(t, "explore after the slot is free", http.StatusOK)
	})
}

// Every route that reads cost data in bulk is marked heavy, and nothing
// that writes is (a write refused half-way would surprise).
func TestHeavyRouteList(t *testing.T) {
	want := []string{"GET /api/v1/allocation/results", "GET /api/v1/budgets", "GET /api/v1/costs/consumption",
		"GET /api/v1/costs/explore", "GET /api/v1/costs/export.csv", "GET /api/v1/costs/lines.csv", "GET /api/v1/costs/values"}
	var got []string
	for _, rt := range newFixture(t, storetest.Open(t, store.SQLite)).api.RouteList() {
		if rt.Heavy {
			got = append(got, rt.Method+" "+rt.Pattern)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("heavy routes %v, want %v", got, want)
	}
}
