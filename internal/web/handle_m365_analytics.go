package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/m365analytics"
)

// analyticsRoutes are Microsoft 365 → Analytics, the connect-a-tenant
// landing page and the re-authorization of a tenant.
func (s *Server) analyticsRoutes() []Route {
	read := func(p string, h http.HandlerFunc) Route {
		return Route{Pattern: p, Access: Needs, Perm: auth.PermM365Read, handler: h}
	}
	return []Route{
		read("GET /m365", s.m365Home),
		read("GET /m365/analytics", s.m365Analytics),
		polled(read("GET /m365/analytics/progress", s.m365Progress)),
		read("GET /m365/analytics/users", s.m365AnalyticsUsers),
		read("GET /m365/analytics/export.csv", s.m365AnalyticsCSV),
		read("GET /m365/analytics/reauthorize", s.m365Reauthorize),
		{Pattern: "POST /m365/analytics/reauthorize", Access: Needs, Perm: auth.PermConnectionsManage, handler: s.m365StartReauthorize},
	}
}

func (s *Server) analytics() *m365analytics.Service { return m365analytics.New(s.Auth.Store) }

// m365Home sends to the analytics, or offers to connect a tenant.
func (s *Server) m365Home(w http.ResponseWriter, r *http.Request) {
	list, err := s.analytics().Connections(r.Context(), principalFrom(r.Context()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(list) > 0 {
		redirect(w, r, "/m365/analytics")
		return
	}
	l := s.layout(r, NavM365)
	s.R.Render(w, http.StatusOK, M365ConnectPage{Layout: l, CanConnect: l.Can[string(auth.PermConnectionsManage)]})
}

func (s *Server) m365Analytics(w http.ResponseWriter, r *http.Request) {
	ctx, p := r.Context(), principalFrom(r.Context())
	svc := s.analytics()
	list, err := svc.Connections(ctx, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	conn := r.URL.Query().Get("connection")
	if conn == "" && len(list) == 0 {
		redirect(w, r, "/m365")
		return
	}
	if conn == "" {
		conn = list[0].ID
	}
	days := 90
	if d, err := strconv.Atoi(r.URL.Query().Get("days")); err == nil {
		days = d
	}
	o, err := svc.Overview(ctx, p, conn, days)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	l := s.layout(r, NavM365)
	page := M365AnalyticsPage{Layout: l, Connections: list, Overview: o, Days: days, Chart: newAnalyticsChart(o),
		CanManage: l.Can[string(auth.PermConnectionsManage)]}
	page.Title = "Microsoft 365 analytics"
	s.R.Render(w, http.StatusOK, page)
}

// m365Progress is the polled import status; when the import has ended it
// makes htmx reload the page, which then shows the data (or why not).
func (s *Server) m365Progress(w http.ResponseWriter, r *http.Request) {
	conn := r.URL.Query().Get("connection")
	_, st, err := s.analytics().Status(r.Context(), principalFrom(r.Context()), conn)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	pr := M365Progress{Conn: conn, Status: st, Finished: st.Sync == nil}
	if pr.Finished {
		w.Header().Set("HX-Refresh", "true")
	}
	s.R.RenderPartial(w, "m365_progress", pr)
}

func analyticsFilter(r *http.Request) m365analytics.UserFilter {
	q := r.URL.Query()
	return m365analytics.UserFilter{SKU: q.Get("sku"), Service: q.Get("service"), State: q.Get("state")}
}

func (s *Server) m365AnalyticsUsers(w http.ResponseWriter, r *http.Request) {
	ctx, p := r.Context(), principalFrom(r.Context())
	svc := s.analytics()
	conn, f := r.URL.Query().Get("connection"), analyticsFilter(r)
	c, _, err := svc.Status(ctx, p, conn)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := svc.Users(ctx, p, conn, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page := M365UsersPage{Layout: s.layout(r, NavM365), Connection: c, Filter: f, List: list, Services: m365analytics.Services}
	page.Title = list.Title
	s.R.Render(w, http.StatusOK, page)
}

func (s *Server) m365AnalyticsCSV(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	days := 90
	if d, err := strconv.Atoi(q.Get("days")); err == nil {
		days = d
	}
	table := q.Get("table")
	write, err := s.analytics().Table(r.Context(), principalFrom(r.Context()), q.Get("connection"), table, days, analyticsFilter(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="m365-`+table+`.csv"`)
	if err := write(w); err != nil {
		s.Log.ErrorContext(r.Context(), "analytics CSV export failed mid-stream", "err", err)
	}
}

func (s *Server) m365Reauthorize(w http.ResponseWriter, r *http.Request) {
	c, st, err := s.analytics().Status(r.Context(), principalFrom(r.Context()), r.URL.Query().Get("connection"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	l := s.layout(r, NavM365)
	s.R.Render(w, http.StatusOK, M365ReauthorizePage{Layout: l, Connection: c, Status: st, CanManage: l.Can[string(auth.PermConnectionsManage)]})
}

// m365StartReauthorize sends a Global Administrator of the connection's
// tenant to admin consent again; the callback checks the token and
// queues a sync (see consentCallback).
func (s *Server) m365StartReauthorize(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	c, _, err := s.analytics().Status(r.Context(), principalFrom(r.Context()), r.PostFormValue("connection"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	o := ConsentOnboarding{Kind: connect.KindM365, Name: c.Name, Tenant: c.Tenant, State: connect.RandomToken(),
		Started: time.Now().UTC(), ConnectionID: c.ID, Next: nextAnalytics}
	to, err := connect.AdminConsentURL(s.Connections.Env, connect.KindM365, c.Tenant, o.State)
	if err != nil {
		s.flash(r, FlashError, domain.ErrorMessage(err))
		redirect(w, r, "/m365/analytics/reauthorize?connection="+c.ID)
		return
	}
	raw, _ := json.Marshal(o)
	s.Sessions.Put(r.Context(), keyConsentOnboarding, string(raw))
	s.R.Render(w, http.StatusOK, AzureContinuePage{Layout: s.layout(r, NavM365), URL: to})
}

// nextAnalytics marks a consent started from Microsoft 365 → Analytics:
// the callback lands on the connection's analytics.
const nextAnalytics = "analytics"

// analyticsLanding is where a consent started from the analytics ends.
func analyticsLanding(o ConsentOnboarding, connID string) string {
	if o.Next != nextAnalytics {
		return ""
	}
	return "/m365/analytics?connection=" + strings.TrimSpace(connID)
}
