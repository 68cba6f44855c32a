package web

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/bodylimit"
	"github.com/canopyhq/canopy/internal/delegation"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// Access says who may reach a route.
type Access int

const (
	Public   Access = iota // anyone; the handler decides
	SignedIn               // any signed-in member
	Needs                  // a signed-in member holding Route.Perm
)

// Route is one UI route and who may use it.
type Route struct {
	Pattern string // "METHOD /path"
	Access  Access
	Perm    auth.Permission
	// Polled marks a fragment the browser polls: its session is loaded but
	// neither saved nor touched, so polling is not activity and writes
	// nothing (on SQLite a write would wait for a running cost import).
	Polled bool
	// MaxBody is the largest request body the route takes, in bytes; a
	// larger one is refused with 413 before the session or the handler
	// (maxFormBody unless the route takes a file or an IdP's message).
	MaxBody int64
	// Heavy routes scan cost data: once the member is known they wait for
	// a slot of the node's heavy-request limiter (Server.Heavy), or get a
	// 503 "busy" page with Retry-After when the node is saturated.
	Heavy   bool
	handler http.HandlerFunc
}

func heavy(rt Route) Route {
	rt.Heavy = true
	return rt
}

// maxFormBody bounds the body of every UI route that takes no file.
const maxFormBody = 1 << 20

// uploadBody marks the billing-file upload, whose limit is the import
// service's (configured) upload size.
const uploadBody = -1

func withMaxBody(rt Route, n int64) Route {
	rt.MaxBody = n
	return rt
}

// maxBody is a route's body limit.
func (s *Server) maxBody(rt Route) int64 {
	switch {
	case rt.MaxBody == uploadBody && s.Imports != nil:
		return s.Imports.MaxRequestBytes()
	case rt.MaxBody > 0:
		return rt.MaxBody
	}
	return maxFormBody
}

// limitBody refuses a body over the route's limit before anything else
// runs (bodylimit), and bounds what the handler reads. The billing-file
// upload bounds its own body (the import service refuses it on the
// upload form, before reading, in the same way).
func (s *Server) limitBody(rt Route, next http.Handler) http.Handler {
	if rt.MaxBody == uploadBody {
		return next
	}
	max := s.maxBody(rt)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := bodylimit.Apply(w, r, max); err != nil {
			s.fail(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// RouteList is every UI route with its access rule, so a reader (and the
// route tests) sees them all in one place.
func (s *Server) RouteList() []Route {
	routes := s.routeTable()
	for i := range routes {
		routes[i].MaxBody = s.maxBody(routes[i])
	}
	return routes
}

func (s *Server) routeTable() []Route {
	pub := func(p string, h http.HandlerFunc) Route { return Route{Pattern: p, Access: Public, handler: h} }
	user := func(p string, h http.HandlerFunc) Route { return Route{Pattern: p, Access: SignedIn, handler: h} }
	perm := func(p string, pm auth.Permission, h http.HandlerFunc) Route {
		return Route{Pattern: p, Access: Needs, Perm: pm, handler: h}
	}
	routes := []Route{
		pub("GET /signin", s.signInEmailForm),
		pub("POST /signin", s.signInEmail),
		pub("POST /signin/password", s.signInPassword),
		pub("GET /signin/mfa", s.signInMFAForm),
		pub("POST /signin/mfa", s.signInMFA),
		pub("POST /signout", s.signOut),
		pub("GET /forgot", s.forgotForm),
		pub("POST /forgot", s.forgot),
		pub("GET /reset/{token}", s.resetForm),
		pub("POST /reset", s.reset),
		pub("GET /invite/{token}", s.inviteForm),
		pub("POST /invite", s.acceptInvite),
		pub("POST /password/strength", s.strength),
		pub("GET /not-set-up", s.notSetUp),

		user("GET /{$}", s.home),
		user("POST /org/switch", s.switchOrg),
		user("GET /profile", s.profile),
		user("POST /profile", s.updateProfile),
		user("POST /profile/password", s.changePassword),
		user("GET /profile/mfa/setup", s.mfaSetup),
		user("POST /profile/mfa/enable", s.mfaEnable),
		user("POST /profile/mfa/disable", s.mfaDisable),
		user("POST /profile/mfa/recovery", s.mfaRecovery),
		user("GET /profile/sessions", s.sessions),
		user("POST /profile/sessions/{id}/revoke", s.revokeOwnSession),
		user("POST /profile/sessions/revoke-others", s.revokeOtherSessions),
		perm("GET /profile/tokens", auth.PermTokensManage, s.tokens),
		perm("POST /profile/tokens", auth.PermTokensManage, s.createToken),
		perm("POST /profile/tokens/{id}/revoke", auth.PermTokensManage, s.revokeToken),

		perm("GET /settings", auth.PermOrgRead, s.orgSettings),
		perm("POST /settings", auth.PermSettingsManage, s.saveOrgSettings),
		perm("GET /settings/users", auth.PermUsersRead, s.users),
		perm("POST /settings/users", auth.PermUsersManage, s.addUser),
		perm("GET /settings/users/{id}", auth.PermUsersRead, s.userDetail),
		perm("POST /settings/users/{id}/roles", auth.PermRolesManage, s.setRoles),
		perm("POST /settings/users/{id}/deactivate", auth.PermUsersManage, s.setActive(false)),
		perm("POST /settings/users/{id}/reactivate", auth.PermUsersManage, s.setActive(true)),
		perm("POST /settings/users/{id}/mfa-reset", auth.PermUsersManage, s.resetMFA),
		perm("POST /settings/users/{id}/sessions/{sid}/revoke", auth.PermUsersManage, s.revokeUserSession),
		perm("GET /settings/audit", auth.PermAuditRead, s.auditLog),
		perm("GET /settings/audit.csv", auth.PermAuditRead, s.auditCSV),
		perm("GET /settings/currency", auth.PermCostsRead, s.currency),
		perm("POST /settings/currency/reporting", auth.PermCurrencyManage, s.setReportingCurrency),
		withMaxBody(perm("POST /settings/currency/import", auth.PermCurrencyManage, s.importRates), maxRatesUpload),
		perm("POST /settings/currency/rates", auth.PermCurrencyManage, s.setRate),
		heavy(perm("GET /spend", auth.PermCostsRead, s.spendExplore)),
		heavy(perm("GET /spend/consumption", auth.PermCostsRead, s.spendConsumption)),
		heavy(perm("GET /spend/export.csv", auth.PermCostsExport, s.spendTableCSV)),
		heavy(perm("GET /spend/lines.csv", auth.PermCostsExport, s.spendFOCUS)),
		perm("GET /spend/imports", auth.PermCostsRead, s.imports),
		withMaxBody(perm("POST /spend/imports", auth.PermCostsImport, s.uploadImport), uploadBody),
		perm("GET /spend/imports/{id}", auth.PermCostsRead, s.importStatus),
		polled(perm("GET /spend/imports/{id}/progress", auth.PermCostsRead, s.importProgress)),
	}
	routes = append(routes, s.connectionRoutes()...)
	routes = append(routes, s.ssoRoutes()...)
	routes = append(routes, s.directoryRoutes()...)
	routes = append(routes, s.analyticsRoutes()...)
	routes = append(routes, s.delegationRoutes()...)
	routes = append(routes, s.delegationComplianceRoutes()...)
	routes = append(routes, s.azureConnectRoutes()...)
	routes = append(routes, s.azureAccessRoutes()...)
	routes = append(routes, s.serviceAccountRoutes()...)
	routes = append(routes, s.awsConnectRoutes()...)
	routes = append(routes, s.consentConnectRoutes()...)
	routes = append(routes, s.tagSyncRoutes()...)
	routes = append(routes, s.allocationRoutes()...)
	routes = append(routes, s.resourceRoutes()...)
	routes = append(routes, s.chargebackRoutes()...)
	routes = append(routes, s.budgetRoutes()...)
	routes = append(routes, s.alertRoutes()...)
	routes = append(routes, s.recommendationRoutes()...)
	routes = append(routes, s.mktCommerceRoutes()...)
	routes = append(routes, s.mktBillingRoutes()...)
	routes = append(routes, s.mktCatalogRoutes()...)
	for _, a := range Areas() {
		if a.Key != NavOverview && a.Key != NavSettings && a.Key != NavSpend && a.Key != NavConnections && a.Key != NavAllocation && a.Key != NavResources &&
			a.Key != NavChargebacks && a.Key != NavBudgets && a.Key != NavAlerts && a.Key != NavRecommendations && a.Key != NavMarketplace && a.Key != NavM365 {
			routes = append(routes, user("GET "+a.URL, s.area(a.Key)))
		}
	}
	return routes
}

// Routes registers the UI on mux.
func (s *Server) Routes(mux *http.ServeMux) {
	mux.Handle("GET /static/", StaticHandler())
	if s.Delegation == nil {
		s.Delegation = delegation.New(s.Auth.Store)
	}
	// A session that cannot be loaded or saved (the database restarting)
	// gets Canopy's error page, 503 with Retry-After, not scs's bare 500.
	s.Sessions.ErrorFunc = s.fail
	for _, rt := range s.routeTable() {
		h := rt.handler
		if rt.Heavy {
			h = s.limitHeavy(h)
		}
		switch rt.Access {
		case Needs:
			h = s.signedIn(s.require(rt.Perm, h))
		case SignedIn:
			h = s.signedIn(h)
		}
		if rt.Polled {
			mux.Handle(rt.Pattern, s.limitBody(rt, s.loadOnly(h)))
			continue
		}
		mux.Handle(rt.Pattern, s.limitBody(rt, s.Sessions.LoadAndSave(h)))
	}
	mux.Handle("/", s.Sessions.LoadAndSave(http.HandlerFunc(s.notFound)))
}

// limitHeavy runs next once the node's heavy-request limiter gives it a
// slot. A request refused after waiting gets the busy page (503 with
// Retry-After); one whose browser left gets nothing and costs nothing.
func (s *Server) limitHeavy(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.Heavy.Serve(w, r, s.fail, func() { next(w, r) })
	}
}

// signedIn loads the principal of the session or sends the browser to
// sign in. It also enforces an org's MFA policy.
func (s *Server) signedIn(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := s.loadPrincipal(r)
		if err != nil {
			if domain.ErrorCode(err) == domain.CodeInternal {
				s.fail(w, r, err)
				return
			}
			_ = s.Sessions.Destroy(r.Context())
			redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()))
			return
		}
		if p.User.MustChangePassword && r.URL.Path != "/profile" && r.URL.Path != "/profile/password" {
			s.flash(r, FlashInfo, "You signed in with a one-time password. Choose your own password to continue.")
			redirect(w, r, "/profile")
			return
		}
		if auth.MustEnrolMFA(p) && !mfaEnrolmentPath(r.URL.Path) {
			s.flash(r, FlashInfo, p.Org.Name+" requires multi-factor authentication. Set it up to continue.")
			redirect(w, r, "/profile/mfa/setup")
			return
		}
		if r.Context().Value(loadOnlyKey) == nil {
			s.touchSession(r)
		}
		next(w, r.WithContext(context.WithValue(r.Context(), principalKey, p)))
	}
}

func mfaEnrolmentPath(path string) bool {
	switch path {
	case "/profile", "/profile/password", "/profile/mfa/setup", "/profile/mfa/enable", "/org/switch":
		return true
	}
	return false
}

func (s *Server) loadPrincipal(r *http.Request) (*auth.Principal, error) {
	ctx := r.Context()
	uid := s.Sessions.GetString(ctx, keyUserID)
	if uid == "" {
		return nil, auth.ErrBadCredentials
	}
	oid := s.Sessions.GetString(ctx, keyOrgID)
	p, err := s.Auth.LoadPrincipal(ctx, uid, oid)
	if code := domain.ErrorCode(err); code == domain.CodeNotFound || code == domain.CodeForbidden {
		// Deactivated in this org or removed: fall back to another org.
		if oid, err = s.Auth.DefaultOrg(ctx, uid, ""); err != nil {
			return nil, err
		}
		s.Sessions.Put(ctx, keyOrgID, oid)
		p, err = s.Auth.LoadPrincipal(ctx, uid, oid)
	}
	if err == nil && p.User.Status != domain.UserActive {
		err = auth.ErrBadCredentials
	}
	return p, err
}

// touchSession records activity at most once a minute per session.
func (s *Server) touchSession(r *http.Request) {
	ctx := r.Context()
	now := domain.Now()
	if last := s.Sessions.GetTime(ctx, keySeenAt); now.Sub(last) < time.Minute {
		return
	}
	s.Sessions.Put(ctx, keySeenAt, now)
	if err := s.Auth.Store.TouchSession(ctx, store.HashSessionToken(s.Sessions.Token(ctx)), audit.ClientIP(r), now); err != nil {
		s.Log.WarnContext(ctx, "touch session", "err", err)
	}
}

// require refuses principals without a permission with a 403 page.
func (s *Server) require(perm auth.Permission, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := requirePerm(principalFrom(r.Context()), perm); err != nil {
			s.fail(w, r, err)
			return
		}
		next(w, r)
	}
}

// requirePerm checks a route's permission. costs.read may also come from
// a grant scoped to custom groups: the spend service then shows only
// those groups' share.
func requirePerm(p *auth.Principal, perm auth.Permission) error {
	if perm == auth.PermCostsRead {
		return p.RequireSomewhere(perm)
	}
	return p.Require(perm)
}
