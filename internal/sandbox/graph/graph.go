// Package graph emulates the parts of Microsoft Graph that Canopy uses:
// users with OData paging, $select, $filter and $count; subscribedSkus;
// organization; groups and members; the Microsoft 365 usage reports (302
// to a short-lived CSV download); admin/reportSettings (concealed names);
// JSON $batch; and per-app throttling with 429 + Retry-After.
//
// Tokens are RS256 JWTs from an sbx.Issuer with the Graph audience; the
// tenant is the token's tid claim and the permissions are its roles (app)
// or scp (delegated) claim, as Entra ID issues them.
package graph

import (
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

// Options configure a Graph emulation.
type Options struct {
	// Seed makes every tenant's directory deterministic.
	Seed int64
	// Clock is the sandbox's now (token expiry, report dates, throttling
	// windows, download-link expiry).
	Clock *sbx.Clock
	// Issuer verifies the bearer tokens.
	Issuer *sbx.Issuer
}

// Graph is the emulated service: its tenants' directories and settings.
type Graph struct {
	seed   int64
	clock  *sbx.Clock
	issuer *sbx.Issuer

	mu        sync.Mutex
	data      sync.RWMutex // directories: writes exclusive, reads shared
	tenants   map[string]*tenant
	throttle  map[string]*budget // key: tenant + "/" + appid
	downloads map[string]*download
}

// Tenant describes one emulated directory.
type Tenant struct {
	ID     string
	Name   string
	Domain string
	Users  int
}

// tenant is a directory and its settings.
type tenant struct {
	Tenant
	created   time.Time
	users     []User
	byKey     map[string]int // lower-case id and UPN -> index in users
	skus      []SKU
	groups    []group
	concealed bool
	perMinute int  // 0 = no throttling beyond the sbx faults
	noEXO     bool // the tenant has no Exchange Online (mailbox writes refused)
}

// New returns an emulation without tenants.
func New(o Options) *Graph {
	return &Graph{
		seed: o.Seed, clock: o.Clock, issuer: o.Issuer,
		tenants:   map[string]*tenant{},
		throttle:  map[string]*budget{},
		downloads: map[string]*download{},
	}
}

// AddTenant creates (or replaces) a tenant's directory with users users,
// deterministic from the seed and tenantID. Concealed names start on, the
// default Microsoft set for every tenant in 2021; SetConcealedNames turns
// them off as a tenant's admin would.
func (g *Graph) AddTenant(tenantID, name, domain string, users int) Tenant {
	t := buildTenant(g.seed, Tenant{ID: tenantID, Name: name, Domain: domain, Users: users})
	t.concealed = true
	g.mu.Lock()
	g.tenants[tenantID] = t
	g.mu.Unlock()
	return t.Tenant
}

// SetConcealedNames sets the tenant's displayConcealedNames report setting.
func (g *Graph) SetConcealedNames(tenantID string, on bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if t := g.tenants[tenantID]; t != nil {
		t.concealed = on
	}
}

// SetThrottle limits each app of the tenant to perMinute requests per
// clock minute (0 turns the limit off).
func (g *Graph) SetThrottle(tenantID string, perMinute int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if t := g.tenants[tenantID]; t != nil {
		t.perMinute = perMinute
	}
	for k := range g.throttle {
		if strings.HasPrefix(k, tenantID+"/") {
			delete(g.throttle, k)
		}
	}
}

// SetExchangeOnline says whether the tenant has Exchange Online (on by
// default); without it mailbox settings and the Exchange admin surface
// refuse every request.
func (g *Graph) SetExchangeOnline(tenantID string, on bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if t := g.tenants[tenantID]; t != nil {
		t.noEXO = !on
	}
}

// locked serialises writes against reads of the directories.
func (g *Graph) locked(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			g.data.RLock()
			defer g.data.RUnlock()
		} else {
			g.data.Lock()
			defer g.data.Unlock()
		}
		next.ServeHTTP(w, r)
	})
}

// Users returns a copy of the tenant's users in directory order.
func (g *Graph) Users(tenantID string) []User {
	t := g.tenant(tenantID)
	if t == nil {
		return nil
	}
	g.data.RLock()
	defer g.data.RUnlock()
	out := make([]User, len(t.users))
	copy(out, t.users)
	return out
}

// SKUs returns the tenant's subscribed SKUs with their consumed units.
func (g *Graph) SKUs(tenantID string) []SKU {
	t := g.tenant(tenantID)
	if t == nil {
		return nil
	}
	g.data.RLock()
	defer g.data.RUnlock()
	out := make([]SKU, len(t.skus))
	copy(out, t.skus)
	return out
}

// Tenants lists the tenants, sorted by ID.
func (g *Graph) Tenants() []Tenant {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]Tenant, 0, len(g.tenants))
	for _, t := range g.tenants {
		out = append(out, t.Tenant)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (g *Graph) tenant(id string) *tenant {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.tenants[id]
}

// Handler serves Graph under /v1.0 and /beta, plus the report downloads
// under /reports-download/ (pre-authenticated, no bearer token).
func (g *Graph) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /reports-download/{token}", g.serveDownload)
	api := g.apiMux()
	mux.Handle("POST /{ver}/$batch", g.authenticated(http.HandlerFunc(g.serveBatch)))
	mux.Handle("/", g.authenticated(g.throttled(g.locked(api))))
	return withRequestID(mux)
}

// apiMux routes the Graph resources (after authentication and throttling);
// $batch sends its inner requests here.
func (g *Graph) apiMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{ver}/users", g.need(g.serveUsers, permUsers...))
	mux.HandleFunc("GET /{ver}/users/$count", g.need(g.serveUserCount, permUsers...))
	mux.HandleFunc("GET /{ver}/users/{id}", g.need(g.serveUser, permUsers...))
	mux.HandleFunc("GET /{ver}/subscribedSkus", g.need(g.serveSKUs, permOrg...))
	mux.HandleFunc("GET /{ver}/subscribedSkus/{id}", g.need(g.serveSKU, permOrg...))
	mux.HandleFunc("GET /{ver}/organization", g.need(g.serveOrganization, permOrg...))
	mux.HandleFunc("GET /{ver}/groups", g.need(g.serveGroups, permGroups...))
	mux.HandleFunc("GET /{ver}/groups/{id}/members", g.need(g.serveMembers, permGroups...))
	mux.HandleFunc("GET /{ver}/reports/{fn}", g.need(g.serveReport, permReports...))
	mux.HandleFunc("GET /{ver}/reports/authenticationMethods/userRegistrationDetails", g.need(g.serveRegistrationDetails, permRegistration...))
	mux.HandleFunc("GET /{ver}/admin/reportSettings", g.need(g.serveReportSettings, permSettingsRead...))
	mux.HandleFunc("PATCH /{ver}/admin/reportSettings", g.need(g.patchReportSettings, permSettingsWrite...))
	g.writeRoutes(mux)
	mux.HandleFunc("GET /{ver}/me", g.serveMe)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, http.StatusBadRequest, "BadRequest", "Resource not found for the segment '"+lastSegment(r.URL.Path)+"'.")
	})
	return mux
}

// GroupMembers returns the object IDs of a group's current members and
// whether the group exists.
func (g *Graph) GroupMembers(tenantID, groupID string) ([]string, bool) {
	t := g.tenant(tenantID)
	if t == nil {
		return nil, false
	}
	g.data.RLock()
	defer g.data.RUnlock()
	grp := t.group(groupID)
	if grp == nil {
		return nil, false
	}
	var out []string
	for _, i := range grp.Members {
		if !t.users[i].deleted() {
			out = append(out, t.users[i].ID)
		}
	}
	return out, true
}

// GroupIDs lists the tenant's group IDs.
func (g *Graph) GroupIDs(tenantID string) []string {
	t := g.tenant(tenantID)
	if t == nil {
		return nil
	}
	var out []string
	for _, gr := range t.groups {
		out = append(out, gr.ID)
	}
	return out
}

// SetPrepaidUnits sets how many units of a tenant's SKU are purchased
// (prepaidUnits.enabled), as buying or cancelling licences would.
func (g *Graph) SetPrepaidUnits(tenantID, skuID string, enabled int) {
	t := g.tenant(tenantID)
	if t == nil {
		return
	}
	g.data.Lock()
	defer g.data.Unlock()
	for i := range t.skus {
		if strings.EqualFold(t.skus[i].SkuID, skuID) {
			t.skus[i].Enabled = enabled
		}
	}
}
