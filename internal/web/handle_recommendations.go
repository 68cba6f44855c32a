package web

import (
	"net/http"
	"net/url"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/recommend"
)

// recommendationRoutes are the Recommendations pages: reading needs
// recommendations.read, dismissing, marking done and reopening
// recommendations.act.
func (s *Server) recommendationRoutes() []Route {
	perm := func(p string, pm auth.Permission, h http.HandlerFunc) Route {
		return Route{Pattern: p, Access: Needs, Perm: pm, handler: h}
	}
	read, act := auth.PermRecommendationsRead, auth.PermRecommendationsAct
	return []Route{
		perm("GET /recommendations", read, s.recommendations),
		perm("GET /recommendations/{id}", read, s.recommendation),
		perm("POST /recommendations/{id}/dismiss", act, s.dismissRecommendation),
		perm("POST /recommendations/{id}/done", act, s.doneRecommendation),
		perm("POST /recommendations/{id}/reopen", act, s.reopenRecommendation),
	}
}

// recommender is the recommendations service (one over the store when unset).
func (s *Server) recommender() *recommend.Service {
	if s.Recommendations != nil {
		return s.Recommendations
	}
	return recommend.New(s.Auth.Store)
}

// recFilter reads the list's filters; no status means open ones, "all"
// every status.
func recFilter(q url.Values) (recommend.Filter, RecFilterForm) {
	form := RecFilterForm{Source: q.Get("source"), Category: q.Get("category"), Status: q.Get("status"), Account: q.Get("account")}
	if !q.Has("status") {
		form.Status = recommend.StatusOpen
	}
	var f recommend.Filter
	for _, v := range []struct {
		val string
		dst *[]string
	}{{form.Source, &f.Sources}, {form.Category, &f.Categories}, {form.Account, &f.Accounts}} {
		if v.val != "" {
			*v.dst = []string{v.val}
		}
	}
	if form.Status != "" && form.Status != "all" {
		f.Statuses = []string{form.Status}
	}
	return f, form
}

func (s *Server) recommendations(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	f, form := recFilter(r.URL.Query())
	page := RecsPage{Layout: s.layout(r, NavRecommendations), Filter: form}
	list, err := s.recommender().List(r.Context(), p, f)
	if domain.ErrorCode(err) == domain.CodeInvalid { // a hand-made URL: say so above the open ones
		page.Error = domain.ErrorMessage(err)
		page.Filter = RecFilterForm{Status: recommend.StatusOpen}
		list, err = s.recommender().List(r.Context(), p, recommend.Filter{Statuses: []string{recommend.StatusOpen}})
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page.fill(list)
	s.R.Render(w, http.StatusOK, page)
}

func (s *Server) recommendationPage(r *http.Request) (RecPage, error) {
	p := principalFrom(r.Context())
	rec, err := s.recommender().Get(r.Context(), p, r.PathValue("id"))
	page := RecPage{Layout: s.layout(r, NavRecommendations), CanAct: p.Can(auth.PermRecommendationsAct), Rec: recView(rec)}
	page.Title = rec.Title
	return page, err
}

func (s *Server) recommendation(w http.ResponseWriter, r *http.Request) {
	renderBuilt(s, w, r, s.recommendationPage)
}

func (s *Server) dismissRecommendation(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	reason := r.PostFormValue("reason")
	_, err := s.recommender().Dismiss(r.Context(), principalFrom(r.Context()), actor(r), r.PathValue("id"), reason)
	if err == nil {
		s.flash(r, FlashSuccess, "Recommendation dismissed.")
		redirect(w, r, "/recommendations/"+url.PathEscape(r.PathValue("id")))
		return
	}
	page, perr := s.recommendationPage(r)
	if perr != nil || domain.ErrorCode(err) != domain.CodeInvalid {
		s.fail(w, r, err)
		return
	}
	page.Reason = reason
	page.SetErr(err)
	s.R.Render(w, domain.HTTPStatus(err), page)
}

func (s *Server) doneRecommendation(w http.ResponseWriter, r *http.Request) {
	s.changeRecommendation(w, r, s.recommender().Done, "Marked done: the realised saving is measured once 30 days of cost data after today are in.")
}

func (s *Server) reopenRecommendation(w http.ResponseWriter, r *http.Request) {
	s.changeRecommendation(w, r, s.recommender().Reopen, "Recommendation reopened.")
}

func (s *Server) changeRecommendation(w http.ResponseWriter, r *http.Request, change recChange, msg string) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := change(r.Context(), principalFrom(r.Context()), actor(r), r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, FlashSuccess, msg)
	redirect(w, r, "/recommendations/"+url.PathEscape(r.PathValue("id")))
}
