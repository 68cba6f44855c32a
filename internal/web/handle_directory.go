package web

import (
	"net/http"
	"strings"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/directory"
	"github.com/canopyhq/canopy/internal/domain"
)

// directoryPageSize is how many users one page of /directory shows.
const directoryPageSize = 50

// directoryRoutes are the read-only Microsoft 365 directory pages.
func (s *Server) directoryRoutes() []Route {
	return []Route{{Pattern: "GET /directory", Access: Needs, Perm: auth.PermM365Read, handler: s.directory}}
}

func (s *Server) directory(w http.ResponseWriter, r *http.Request) {
	ctx, p := r.Context(), principalFrom(r.Context())
	q := r.URL.Query()
	page := DirectoryPage{Layout: s.layout(r, NavM365), Cursor: q.Get("cursor"), Filter: DirectoryFilter{
		Q: strings.TrimSpace(q.Get("q")), Department: q.Get("department"), Country: q.Get("country")}}
	svc := directory.New(s.Auth.Store)
	users, next, err := svc.Users(ctx, p, directory.UserFilter{Search: page.Filter.Q, Department: page.Filter.Department,
		Country: page.Filter.Country, Limit: directoryPageSize, Cursor: page.Cursor})
	if domain.ErrorCode(err) == domain.CodeInvalid {
		page.SetErr(err)
		s.R.Render(w, http.StatusBadRequest, page)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page.NextCursor = next
	for _, u := range users {
		page.Users = append(page.Users, directoryUserRow(u))
	}
	if err := s.directoryFacets(r, svc, &page); err != nil {
		s.fail(w, r, err)
		return
	}
	s.R.Render(w, http.StatusOK, page)
}

// directoryFacets adds the filter values and the licence table.
func (s *Server) directoryFacets(r *http.Request, svc *directory.Service, page *DirectoryPage) error {
	ctx, p := r.Context(), principalFrom(r.Context())
	f, err := svc.Facets(ctx, p)
	if err != nil {
		return err
	}
	page.Departments, page.Countries, page.Total = f.Departments, f.Countries, f.Users
	cursor := ""
	for {
		skus, next, err := svc.SKUs(ctx, p, 200, cursor)
		if err != nil {
			return err
		}
		for _, k := range skus {
			page.SKUs = append(page.SKUs, directorySKURow(k))
		}
		if cursor = next; cursor == "" {
			return nil
		}
	}
}
