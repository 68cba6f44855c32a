package web

import (
	"net/http"
	"strings"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/inventory"
)

// tagSyncRoutes are the tag conflicts inbox and the write-back pages.
// Their paths are literal (the resource or conflict goes in the form), so
// they never overlap the inventory's /resources/{id} pages.
func (s *Server) tagSyncRoutes() []Route {
	return []Route{
		{Pattern: "GET /resources/conflicts", Access: Needs, Perm: auth.PermAllocationRead, handler: s.conflicts},
		{Pattern: "POST /resources/conflicts/resolve", Access: Needs, Perm: auth.PermTagsWrite, handler: s.resolveConflict},
		{Pattern: "GET /resources/writeback", Access: Needs, Perm: auth.PermAllocationRead, handler: s.writeBackPage},
		{Pattern: "POST /resources/writeback", Access: Needs, Perm: auth.PermTagsWrite, handler: s.writeBack},
	}
}

// tags is the write-back and conflicts service (one over the store when
// the server was built without it).
func (s *Server) tags() *inventory.TagSync {
	if s.TagSync != nil {
		return s.TagSync
	}
	t := inventory.NewTagSync(s.Auth.Store, nil, func() connect.Env { return connect.Env{} }, s.Log)
	if s.Connections != nil {
		t.Jobs, t.Env = s.Connections.Jobs, func() connect.Env { return s.Connections.Env }
	}
	return t
}

func (s *Server) conflicts(w http.ResponseWriter, r *http.Request) {
	s.renderConflicts(w, r, http.StatusOK, nil)
}

func (s *Server) renderConflicts(w http.ResponseWriter, r *http.Request, status int, formErr error) {
	p := principalFrom(r.Context())
	list, err := s.tags().Conflicts(r.Context(), p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page := ConflictsPage{Layout: s.layout(r, NavAllocation), CanResolve: p.Can(auth.PermTagsWrite)}
	page.SetErr(formErr)
	for _, c := range list {
		page.Conflicts = append(page.Conflicts, conflictRow(c))
	}
	s.R.Render(w, status, page)
}

// resolveConflict settles one conflict with the button pressed: cloud,
// canopy, or custom with the value typed.
func (s *Server) resolveConflict(w http.ResponseWriter, r *http.Request) {
	res := inventory.Resolution{Kind: r.PostFormValue("resolution"), Value: r.PostFormValue("value")}
	c, err := s.tags().ResolveConflict(r.Context(), principalFrom(r.Context()), actor(r), r.PostFormValue("id"), res)
	switch code := domain.ErrorCode(err); {
	case err == nil:
		s.flash(r, FlashSuccess, "Conflict on "+c.Key+" of "+c.ResourceName+" resolved. Write the resource back to apply it to Azure.")
	case code == domain.CodeInvalid:
		s.renderConflicts(w, r, http.StatusBadRequest, err)
		return
	case code == domain.CodeConflict:
		s.flash(r, FlashInfo, domain.ErrorMessage(err))
	default:
		s.fail(w, r, err)
		return
	}
	redirect(w, r, "/resources/conflicts")
}

// formIDs are the non-empty resource_id values of a form.
func formIDs(r *http.Request) []string {
	_ = r.ParseForm()
	var out []string
	for _, v := range r.PostForm["resource_id"] {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
