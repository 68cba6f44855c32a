package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/domain"
)

// historyPage is how many syncs the connection page lists at once.
const historyPage = 20

// connectionRoutes are the Connections pages and the help pages.
func (s *Server) connectionRoutes() []Route {
	perm := func(p string, pm auth.Permission, h http.HandlerFunc) Route {
		return Route{Pattern: p, Access: Needs, Perm: pm, handler: h}
	}
	read, manage := auth.PermConnectionsRead, auth.PermConnectionsManage
	return []Route{
		perm("GET /connections", read, s.connections),
		perm("POST /connections", manage, s.createConnection),
		perm("GET /connections/{id}", read, s.connection),
		perm("POST /connections/{id}", manage, s.updateConnection),
		perm("POST /connections/{id}/delete", manage, s.deleteConnection),
		perm("POST /connections/{id}/sync", manage, s.syncConnection),
		perm("POST /connections/{id}/doctor", manage, s.runDoctor),
		perm("GET /connections/{id}/aws-setup", read, s.awsSetup),
		polled(perm("GET /connections/{id}/progress", read, s.syncProgress)),
		{Pattern: "GET /help/{slug}", Access: SignedIn, handler: s.help},
	}
}

func (s *Server) connectionsPage(r *http.Request) (ConnectionsPage, error) {
	p := principalFrom(r.Context())
	page := ConnectionsPage{Layout: s.layout(r, NavConnections), CanManage: p.Can(auth.PermConnectionsManage),
		Kinds: kindOptions(), Hours: hourOptions(), Form: ConnectionForm{SyncHour: connect.DefaultSyncHour, Enabled: true, Settings: "{}"}}
	list, err := s.Connections.Overviews(r.Context(), p)
	for _, o := range list {
		page.Rows = append(page.Rows, connectionRow(o))
	}
	return page, err
}

func (s *Server) connections(w http.ResponseWriter, r *http.Request) {
	renderBuilt(s, w, r, s.connectionsPage)
}

// formInput reads the add/edit form. The secret field is write-only: an
// empty one keeps the stored secret.
func formInput(r *http.Request) (connect.Input, ConnectionForm) {
	f := ConnectionForm{Kind: r.PostFormValue("kind"), Name: r.PostFormValue("name"),
		Settings: strings.TrimSpace(r.PostFormValue("settings")), Enabled: r.PostFormValue("enabled") == "on"}
	in := connect.Input{Kind: connect.Kind(f.Kind), Name: &f.Name, Enabled: &f.Enabled, Secret: []byte(r.PostFormValue("secret"))}
	if f.Settings == "" {
		f.Settings = "{}"
	}
	in.Settings = []byte(f.Settings)
	hour, err := strconv.Atoi(r.PostFormValue("sync_hour"))
	if err != nil {
		hour = -1
	}
	f.SyncHour, in.SyncHour = hour, &hour
	return in, f
}

func (s *Server) createConnection(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	in, form := formInput(r)
	c, err := s.Connections.Create(r.Context(), principalFrom(r.Context()), actor(r), in)
	if err == nil {
		s.flash(r, FlashSuccess, "Connection added. Run the doctor to check its permissions, or sync it now.")
		redirect(w, r, "/connections/"+c.ID)
		return
	}
	page, perr := s.connectionsPage(r)
	if perr != nil {
		s.fail(w, r, perr)
		return
	}
	page.Form = form
	page.SetErr(err)
	s.R.Render(w, domain.HTTPStatus(err), page)
}

func (s *Server) connectionPage(r *http.Request) (ConnectionPage, error) {
	p, id := principalFrom(r.Context()), r.PathValue("id")
	o, err := s.Connections.GetOverview(r.Context(), p, id)
	if err != nil {
		return ConnectionPage{}, err
	}
	page := ConnectionPage{Layout: s.layout(r, NavConnections), CanManage: p.Can(auth.PermConnectionsManage),
		Conn: connectionRow(o), Hours: hourOptions(), Form: ConnectionForm{Kind: o.Kind, Name: o.Name,
			Settings: string(o.Settings), SyncHour: o.SyncHour, Enabled: o.Enabled}}
	page.Title = o.Name
	if o.Active != nil {
		sp := syncProgress(*o.Active)
		page.Progress = &sp
	}
	history, next, err := s.Connections.Syncs(r.Context(), p, id, historyPage, r.URL.Query().Get("cursor"))
	if err != nil {
		return page, err
	}
	page.NextCursor = next
	for _, y := range history {
		page.History = append(page.History, syncRow(y))
	}
	checks, err := s.Connections.Doctor(r.Context(), p, id)
	for _, c := range checks {
		page.Checks = append(page.Checks, checkRow(c))
		page.CheckedAt = fmtTime(c.ProbedAt)
	}
	if err != nil {
		return page, err
	}
	page.ServiceAccount, err = s.serviceAccountView(r, p, o.Kind, id)
	return page, err
}

func (s *Server) connection(w http.ResponseWriter, r *http.Request) {
	renderBuilt(s, w, r, s.connectionPage)
}

func (s *Server) updateConnection(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	in, form := formInput(r)
	in.Kind = ""
	id := r.PathValue("id")
	_, err := s.Connections.Update(r.Context(), principalFrom(r.Context()), actor(r), id, in)
	if err == nil {
		s.flash(r, FlashSuccess, "Connection saved.")
		redirect(w, r, "/connections/"+id)
		return
	}
	page, perr := s.connectionPage(r)
	if perr != nil {
		s.fail(w, r, perr)
		return
	}
	form.Kind = page.Form.Kind
	page.Form = form
	page.SetErr(err)
	s.R.Render(w, domain.HTTPStatus(err), page)
}

func (s *Server) deleteConnection(w http.ResponseWriter, r *http.Request) {
	if err := s.Connections.Delete(r.Context(), principalFrom(r.Context()), actor(r), r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, FlashSuccess, "Connection removed. The costs it imported stay.")
	redirect(w, r, "/connections")
}

// syncConnection queues a manual sync; one already queued or running is
// not an error to the person: the page shows its progress.
func (s *Server) syncConnection(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	_, err := s.Connections.SyncNow(r.Context(), principalFrom(r.Context()), actor(r), id)
	switch domain.ErrorCode(err) {
	case "":
		s.flash(r, FlashSuccess, "Sync queued.")
	case domain.CodeConflict:
		s.flash(r, FlashInfo, domain.ErrorMessage(err))
	default:
		s.fail(w, r, err)
		return
	}
	redirect(w, r, "/connections/"+id)
}

func (s *Server) runDoctor(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := s.Connections.RunDoctor(r.Context(), principalFrom(r.Context()), id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, FlashSuccess, "Permissions checked just now.")
	redirect(w, r, "/connections/"+id+"#doctor")
}

// syncProgress is the fragment the connection page polls with htmx while
// a sync is queued or running.
func (s *Server) syncProgress(w http.ResponseWriter, r *http.Request) {
	o, err := s.Connections.GetOverview(r.Context(), principalFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sp := SyncProgress{ConnID: o.ID, Finished: true}
	if o.Last != nil {
		sp = syncProgress(*o.Last)
	}
	w.Header().Set("Cache-Control", "no-store")
	s.R.RenderPartial(w, "sync_progress", sp)
}

func (s *Server) help(w http.ResponseWriter, r *http.Request) {
	h, ok := connect.Help(r.PathValue("slug"))
	if !ok {
		s.notFound(w, r)
		return
	}
	page := HelpPageView{Layout: s.layout(r, NavConnections), Help: h}
	page.Title = h.Title
	s.R.Render(w, http.StatusOK, page)
}
