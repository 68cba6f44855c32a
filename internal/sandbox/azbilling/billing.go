// Package azbilling emulates the billing side of the Azure Resource
// Manager host: the Cost Management query API (with its paging and its
// strict per-scope rate limit), reservations and their utilisation
// (Microsoft.Capacity and Microsoft.Consumption) and Advisor cost
// recommendations. It is mounted on the ARM server by path (Matches) and
// authorizes every request through an sbx.Authorizer.
package azbilling

import (
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

// Options configure a Billing.
type Options struct {
	Seed      int64
	Clock     *sbx.Clock
	Auth      sbx.Authorizer
	Resources ResourceSource
	// NoDefaultReservations skips the two reservations New seeds (one well
	// used, one at about 40 %).
	NoDefaultReservations bool
}

// Billing is the emulation's state.
type Billing struct {
	seed  int64
	clock *sbx.Clock
	auth  sbx.Authorizer
	src   ResourceSource

	mu           sync.Mutex
	reservations []*resState
	budget       int // queries per scope per minute
	pageSize     int // rows per query page
	limiter      map[string][]time.Time
	spikes       map[spikeKey]int64 // AddSpike
}

// New returns a Billing over opts.Resources.
func New(opts Options) *Billing {
	b := &Billing{seed: opts.Seed, clock: opts.Clock, auth: opts.Auth, src: opts.Resources,
		budget: 4, pageSize: 1000, limiter: map[string][]time.Time{}}
	if !opts.NoDefaultReservations {
		b.seedReservations()
	}
	return b
}

// SetQueryBudget sets how many Cost Management queries one scope may make
// per minute (the real service allows about 4).
func (b *Billing) SetQueryBudget(perMinute int) {
	b.mu.Lock()
	b.budget = perMinute
	b.limiter = map[string][]time.Time{}
	b.mu.Unlock()
}

// SetPageSize sets how many rows a query page holds (1000 by default), so
// that tests can page through small data sets.
func (b *Billing) SetPageSize(rows int) {
	b.mu.Lock()
	b.pageSize = max(rows, 1)
	b.mu.Unlock()
}

func uuid(seed int64, parts ...string) string {
	return sbx.UUID(seed, append([]string{"azbilling"}, parts...)...)
}

// cleanPath collapses the double slash the SDK sends when a scope starts
// with "/" (it joins "/" + scope).
func cleanPath(p string) string {
	for strings.HasPrefix(p, "//") {
		p = p[1:]
	}
	return strings.TrimSuffix(p, "/")
}

// Matches reports whether path is served by this handler, so that the ARM
// host can route to it.
func (b *Billing) Matches(path string) bool {
	return route(cleanPath(path)).kind != routeNone
}

// Handler serves the emulated endpoints.
func (b *Billing) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rt := route(cleanPath(r.URL.Path))
		if rt.kind == routeNone {
			sbx.WriteARMError(w, http.StatusNotFound, "InvalidResourceType", "The resource type could not be found for path '"+r.URL.Path+"'.")
			return
		}
		if !checkMethod(w, r, rt.kind) || !b.checkAPIVersion(w, r, rt.kind) {
			return
		}
		b.dispatch(w, r, rt)
	})
}

func (b *Billing) dispatch(w http.ResponseWriter, r *http.Request, rt routed) {
	switch rt.kind {
	case routeQuery:
		b.serveQuery(w, r, rt)
	case routeOrders:
		b.serveOrders(w, r, rt)
	case routeReservations:
		b.serveReservations(w, r, rt)
	case routeSummaries:
		b.serveSummaries(w, r, rt)
	case routeDetails:
		b.serveDetails(w, r, rt)
	case routeAdvisor:
		b.serveAdvisor(w, r, rt)
	}
}

func checkMethod(w http.ResponseWriter, r *http.Request, k routeKind) bool {
	want := http.MethodGet
	if k == routeQuery {
		want = http.MethodPost
	}
	if r.Method == want {
		return true
	}
	w.Header().Set("Allow", want)
	sbx.WriteARMError(w, http.StatusMethodNotAllowed, "HttpMethodNotAllowed",
		"The requested HTTP method '"+r.Method+"' is not supported for the resource.")
	return false
}
