// Package api serves Canopy's JSON API under /api/v1. Callers authenticate
// with a bearer API token only (no cookies, so there is no CSRF surface).
// Every route declares the permission it needs and that is checked before
// the handler runs; the handler then calls the same auth.Service as the web
// UI, which checks again. Errors are JSON with the domain error codes, list
// endpoints page with opaque cursors, and an OpenAPI 3.1 document describes
// it all at /api/v1/openapi.json.
package api

import (
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/canopyhq/canopy/internal/alerts"
	"github.com/canopyhq/canopy/internal/allocation"
	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/bodylimit"
	"github.com/canopyhq/canopy/internal/budgets"
	"github.com/canopyhq/canopy/internal/chargeback"
	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/delegation"
	"github.com/canopyhq/canopy/internal/fx"
	"github.com/canopyhq/canopy/internal/imports"
	"github.com/canopyhq/canopy/internal/inventory"
	"github.com/canopyhq/canopy/internal/marketplace"
	"github.com/canopyhq/canopy/internal/notify"
	"github.com/canopyhq/canopy/internal/recommend"
	"github.com/canopyhq/canopy/internal/shed"
	"github.com/canopyhq/canopy/internal/spend"
	"github.com/canopyhq/canopy/internal/svcaccount"
)

// Prefix is where the API lives.
const Prefix = "/api/v1"

// API is the /api/v1 handler set.
type API struct {
	svc   *auth.Service
	fx    *fx.Service // exchange rates, over the same store as svc
	spend *spend.Service
	heavy *shed.Limiter // bounds the Heavy routes; nil: no bound
	// imports runs cost-file uploads (WithImports); nil in tests that
	// only serve the document.
	imports *imports.Service
	// connections serves /connections (WithConnections); nil in tests
	// that only serve the document.
	connections *connect.Service
	// allocation serves /allocation (WithAllocation); nil in tests that
	// only serve the document.
	allocation *allocation.Service
	// chargebacks serves /chargebacks (WithChargebacks).
	chargebacks *chargeback.Service
	inventory   *inventory.Service // resources, tags and policies
	log         *slog.Logger
	routes      []route
	probe       *http.ServeMux // the same patterns, only to tell 404 from 405
	doc         []byte         // the OpenAPI document, built once
	// alerts serves the consumption alerts (WithAlerts).
	alerts    *alerts.Service
	recommend *recommend.Service // savings recommendations

	// tagSync serves tag write-back and conflicts (WithTagSync).
	tagSync *inventory.TagSync
	// budgets and notify serve /budgets and /webhooks (WithBudgets).
	budgets *budgets.Service
	notify  *notify.Service
	// marketplace serves /catalog, /commerce and /billing (WithMarketplace).
	marketplace *marketplace.Service
	// delegation serves /m365: virtual OUs, policies and delegations.
	delegation *delegation.Service
	// serviceAccounts serves the collector key and the M365 service
	// accounts (WithServiceAccounts); it cannot decrypt.
	serviceAccounts *svcaccount.Service
}

// Route describes one endpoint: its method, its path pattern (Go
// ServeMux syntax, which is also OpenAPI's {name} syntax) and the
// permission it needs.
type Route struct {
	Method  string
	Pattern string
	// Permission is checked before the handler; "" when any signed-in
	// principal may call the route (the service then narrows, e.g. to
	// one's own sessions).
	Permission auth.Permission
	// Public routes need no token (only the OpenAPI document).
	Public bool
	// MaxBody is the largest request body the route takes, in bytes:
	// a larger one is refused with 413 before authentication or the
	// handler (1 MiB unless the route takes a file).
	MaxBody int64
	// Heavy routes scan cost data: after authentication they wait for a
	// slot of the node's heavy-request limiter (internal/shed), or are
	// refused with 503 and Retry-After when the node is saturated.
	Heavy bool
}

// call is what a handler knows about who is calling.
type call struct {
	P   *auth.Principal // nil on public routes
	Who audit.Actor
}

// handlerFunc handles one request; a returned error becomes the JSON error
// response, so handlers only write on success.
type handlerFunc func(w http.ResponseWriter, r *http.Request, c *call) error

type route struct {
	Route
	handle handlerFunc
	// scopedReads: a grant scoped to custom groups may call it (the
	// explorer, which then shows only those groups' share).
	scopedReads bool
}

// New returns the API over the account service.
func New(svc *auth.Service, log *slog.Logger) *API {
	if log == nil {
		log = slog.Default()
	}
	a := &API{svc: svc, log: log, probe: http.NewServeMux()}
	if svc != nil { // nil only where just the document is served (tests)
		a.fx = &fx.Service{Store: svc.Store}
		a.spend = spend.NewReporting(svc.Store)
		a.inventory = inventory.New(svc.Store)
		a.recommend = recommend.New(svc.Store)
		a.delegation = delegation.New(svc.Store)
		a.serviceAccounts = &svcaccount.Service{Store: svc.Store}
	}
	a.routes = a.table()
	for _, rt := range a.routes {
		a.probe.Handle(rt.Method+" "+rt.Pattern, http.NotFoundHandler())
	}
	a.doc = mustMarshalDocument()
	return a
}

// table lists every endpoint with its permission, in one place.
func (a *API) table() []route {
	return append([]route{
		public("GET", "/openapi.json", a.openAPI),
		signedIn("GET", "/me", "", a.me),
		signedIn("GET", "/orgs", "", a.listOrgs),
		signedIn("GET", "/org", "", a.getOrg),
		signedIn("PATCH", "/org", auth.PermSettingsManage, a.patchOrg),
		signedIn("GET", "/roles", "", a.listRoles),
		signedIn("GET", "/permissions", "", a.listPermissions),
		signedIn("GET", "/users", auth.PermUsersRead, a.listUsers),
		signedIn("POST", "/users", auth.PermUsersManage, a.createUser),
		signedIn("GET", "/users/{user_id}", auth.PermUsersRead, a.getUser),
		signedIn("PUT", "/users/{user_id}/roles", auth.PermRolesManage, a.setRoles),
		signedIn("POST", "/users/{user_id}/deactivate", auth.PermUsersManage, a.setActive(false)),
		signedIn("POST", "/users/{user_id}/reactivate", auth.PermUsersManage, a.setActive(true)),
		signedIn("POST", "/users/{user_id}/mfa-reset", auth.PermUsersManage, a.resetMFA),
		// Sessions: one's own, or any member's with users.manage; the
		// service decides because the rule depends on {user_id}.
		signedIn("GET", "/users/{user_id}/sessions", "", a.listSessions),
		signedIn("DELETE", "/users/{user_id}/sessions/{session_id}", "", a.revokeSession),
		signedIn("GET", "/tokens", auth.PermTokensManage, a.listTokens),
		signedIn("POST", "/tokens", auth.PermTokensManage, a.createToken),
		signedIn("DELETE", "/tokens/{token_id}", auth.PermTokensManage, a.revokeToken),
		signedIn("GET", "/audit", auth.PermAuditRead, a.listAudit),
		signedIn("GET", "/fx/rates", auth.PermCostsRead, a.listRates),
		signedIn("PUT", "/fx/rates", auth.PermCurrencyManage, a.setRate),
		withMaxBody(signedIn("POST", "/fx/rates/import", auth.PermCurrencyManage, a.importRates), maxImportBytes),
		signedIn("GET", "/fx/rates/history", auth.PermCostsRead, a.rateHistory),
		heavy(scopedRead(signedIn("GET", "/costs/explore", auth.PermCostsRead, a.exploreCosts))),
		heavy(scopedRead(signedIn("GET", "/costs/values", auth.PermCostsRead, a.costValues))),
		heavy(signedIn("GET", "/costs/consumption", auth.PermCostsRead, a.costConsumption)),
		signedIn("GET", "/costs/freshness", auth.PermCostsRead, a.costFreshness),
		heavy(signedIn("GET", "/costs/export.csv", auth.PermCostsExport, a.exportCostTable)),
		heavy(signedIn("GET", "/costs/lines.csv", auth.PermCostsExport, a.exportCostLines)),
		withMaxBody(signedIn("POST", "/costs/imports", auth.PermCostsImport, a.uploadImport), uploadBody),
		signedIn("GET", "/costs/imports", auth.PermCostsRead, a.listImports),
		signedIn("GET", "/costs/imports/{upload_id}", auth.PermCostsRead, a.getImport),
	}, slices.Concat(a.connectionRoutes(), a.directoryRoutes(), a.allocationRoutes(), a.chargebackRoutes(), a.tagSyncRoutes(), a.resourceRoutes(), a.budgetRoutes(), a.alertRoutes(), a.marketplaceRoutes(), a.recommendationRoutes(), a.ssoRoutes(), a.delegationRoutes(), a.actionRoutes(), a.m365AnalyticsRoutes(), a.serviceAccountRoutes())...)
}

func public(method, path string, h handlerFunc) route {
	return route{Route: Route{Method: method, Pattern: Prefix + path, Public: true}, handle: h}
}

// uploadBody marks the cost-file upload, whose limit is the import
// service's (configured) upload size.
const uploadBody = -1

func withMaxBody(r route, n int64) route {
	r.MaxBody = n
	return r
}

// maxBody is a route's body limit.
func (a *API) maxBody(rt route) int64 {
	switch {
	case rt.MaxBody == uploadBody && a.imports != nil:
		return a.imports.MaxRequestBytes()
	case rt.MaxBody > 0:
		return rt.MaxBody
	}
	return maxBodyBytes
}

func scopedRead(r route) route {
	r.scopedReads = true
	return r
}

func signedIn(method, path string, perm auth.Permission, h handlerFunc) route {
	return route{Route: Route{Method: method, Pattern: Prefix + path, Permission: perm}, handle: h}
}

// RouteList returns every endpoint, for tests and documentation.
func (a *API) RouteList() []Route {
	out := make([]Route, len(a.routes))
	for i, rt := range a.routes {
		out[i] = rt.Route
		out[i].MaxBody = a.maxBody(rt)
	}
	return out
}

// Routes registers the API on mux, plus a catch-all under the prefix so
// unknown paths and wrong methods also get JSON errors.
func (a *API) Routes(mux *http.ServeMux) {
	for _, rt := range a.routes {
		mux.Handle(rt.Method+" "+rt.Pattern, a.handler(rt))
	}
	mux.HandleFunc(Prefix+"/", a.unrouted)
}

// handler authenticates, checks the route's permission, then runs it.
func (a *API) handler(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		// The billing-file upload bounds its own body: the import service
		// refuses it before reading, naming the configured upload limit.
		if rt.MaxBody != uploadBody {
			if err := bodylimit.Apply(w, r, a.maxBody(rt)); err != nil {
				a.fail(w, r, err)
				return
			}
		}
		c := &call{}
		if !rt.Public {
			p, err := a.authenticate(r)
			if err == nil && rt.Permission != "" {
				err = p.Require(rt.Permission)
				if rt.Permission == auth.PermCostsRead && rt.scopedReads {
					err = p.RequireSomewhere(rt.Permission) // the spend service narrows to the grant's groups
				}
			}
			if err != nil {
				a.fail(w, r, err)
				return
			}
			c = &call{P: p, Who: p.Actor(audit.ClientIP(r), r.UserAgent())}
		}
		handle := func() {
			if err := rt.handle(w, r, c); err != nil {
				a.fail(w, r, err)
			}
		}
		if rt.Heavy {
			a.heavy.Serve(w, r, a.fail, handle)
			return
		}
		handle()
	})
}

// WithInventory serves the resources, tags and policies with s (the app's,
// whose resource list asks its cost question through the explorer's
// cache) instead of the plain service New made.
func (a *API) WithInventory(s *inventory.Service) *API {
	if s != nil {
		a.inventory = s
	}
	return a
}

// WithHeavyLimiter bounds the heavy routes with l (shared with the UI, so
// one node's cost scans are bounded together); nil does not limit.
func (a *API) WithHeavyLimiter(l *shed.Limiter) *API {
	a.heavy = l
	return a
}

func heavy(r route) route {
	r.Heavy = true
	return r
}

// unrouted answers requests no route matched: 405 with Allow when the path
// exists with other methods, else 404.
func (a *API) unrouted(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	allowed := a.allowedMethods(r)
	if len(allowed) == 0 {
		a.fail(w, r, errNoRoute(r))
		return
	}
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	a.fail(w, r, errMethod(r, allowed))
}

func (a *API) allowedMethods(r *http.Request) []string {
	var out []string
	for _, rt := range a.routes {
		if slices.Contains(out, rt.Method) {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = rt.Method
		if _, pattern := a.probe.Handler(probe); pattern != "" {
			out = append(out, rt.Method)
		}
	}
	slices.Sort(out)
	return out
}
