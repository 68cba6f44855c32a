package web

import (
	"context"
	"errors"
	"net/http"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/imports"
)

// historyRows is how many imports and uploads the page lists.
const historyRows = 50

func (s *Server) importsPage(r *http.Request) (ImportsPage, error) {
	p := principalFrom(r.Context())
	page := ImportsPage{Layout: s.layout(r, NavSpendImports), CanImport: p.Can(auth.PermCostsImport),
		MaxBytes: s.Imports.MaxBytes}
	page.MaxSize = humanLimit(s.Imports.MaxBytes)
	uploads, err := s.Imports.Uploads(r.Context(), p, 10)
	if err != nil {
		return page, err
	}
	for _, u := range uploads {
		page.Uploads = append(page.Uploads, uploadRow(u))
	}
	history, err := s.Imports.History(r.Context(), p, historyRows)
	for _, im := range history {
		page.History = append(page.History, importRow(im))
	}
	return page, err
}

func (s *Server) imports(w http.ResponseWriter, r *http.Request) {
	renderBuilt(s, w, r, s.importsPage)
}

// uploadImport stores the posted file and sends the browser to its status
// page. The page's script posts the same form with XMLHttpRequest (to show
// the upload's progress) and the HX-Request header: it gets the progress
// fragment instead and polls it in place, which keeps working on SQLite
// while the import holds the writer (a full page saves its session).
func (s *Server) uploadImport(w http.ResponseWriter, r *http.Request) {
	u, err := s.Imports.UploadRequest(w, r, principalFrom(r.Context()), actor(r))
	if err == nil && r.Header.Get("HX-Request") == "true" {
		w.Header().Set("Cache-Control", "no-store")
		s.R.RenderPartial(w, "import_progress", progressOf(imports.Status{CostUpload: u}))
		return
	}
	if err == nil {
		redirect(w, r, "/spend/imports/"+u.ID)
		return
	}
	page, perr := s.importsPage(r)
	if perr != nil || domain.ErrorCode(err) == domain.CodeInternal {
		s.fail(w, r, errors.Join(err, perr))
		return
	}
	if domain.ErrorField(err) == "" && domain.ErrorCode(err) != domain.CodeForbidden {
		err = &domain.Error{Code: domain.ErrorCode(err), Field: "file", Message: domain.ErrorMessage(err)}
	}
	page.SetErr(err)
	s.R.Render(w, domain.HTTPStatus(err), page)
}

func (s *Server) importStatus(w http.ResponseWriter, r *http.Request) {
	st, err := s.Imports.Status(r.Context(), principalFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page := ImportStatusPage{Layout: s.layout(r, NavSpendImports), Progress: progressOf(st)}
	page.Title = "Import of " + st.FileName
	s.R.Render(w, http.StatusOK, page)
}

// importProgress is the fragment the status page polls with htmx.
func (s *Server) importProgress(w http.ResponseWriter, r *http.Request) {
	st, err := s.Imports.Status(r.Context(), principalFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.R.RenderPartial(w, "import_progress", progressOf(st))
}

func humanLimit(n int64) string {
	if n <= 0 {
		return ""
	}
	return imports.HumanBytes(n)
}

func polled(rt Route) Route {
	rt.Polled = true
	return rt
}

const loadOnlyKey ctxKey = 2

// loadOnly loads the request's session without saving it afterwards (the
// Polled routes; see Route.Polled).
func (s *Server) loadOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := ""
		if c, err := r.Cookie(s.Sessions.Cookie.Name); err == nil {
			token = c.Value
		}
		ctx, err := s.Sessions.Load(r.Context(), token)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, loadOnlyKey, true)))
	})
}
