package api

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/recommend"
)

// WithRecommendations serves /recommendations.
func (a *API) WithRecommendations(s *recommend.Service) *API {
	a.recommend = s
	return a
}

// recommendationRoutes are the /recommendations endpoints.
func (a *API) recommendationRoutes() []route {
	read, act := auth.PermRecommendationsRead, auth.PermRecommendationsAct
	return []route{
		signedIn("GET", "/recommendations", read, a.listRecommendations),
		signedIn("GET", "/recommendations/{recommendation_id}", read, a.getRecommendation),
		signedIn("POST", "/recommendations/{recommendation_id}/dismiss", act, a.dismissRecommendation),
		signedIn("POST", "/recommendations/{recommendation_id}/done", act, a.doneRecommendation),
		signedIn("POST", "/recommendations/{recommendation_id}/reopen", act, a.reopenRecommendation),
	}
}

// recFilterOf reads repeated or comma-separated filter parameters.
func recFilterOf(q url.Values) recommend.Filter {
	vals := func(k string) []string {
		var out []string
		for _, v := range q[k] {
			for _, s := range strings.Split(v, ",") {
				if s = strings.TrimSpace(s); s != "" {
					out = append(out, s)
				}
			}
		}
		return out
	}
	return recommend.Filter{Sources: vals("source"), Categories: vals("category"), Statuses: vals("status"), Accounts: vals("account")}
}

func (a *API) listRecommendations(w http.ResponseWriter, r *http.Request, c *call) error {
	list, err := a.recommend.List(r.Context(), c.P, recFilterOf(r.URL.Query()))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, list)
}

func (a *API) getRecommendation(w http.ResponseWriter, r *http.Request, c *call) error {
	rec, err := a.recommend.Get(r.Context(), c.P, r.PathValue("recommendation_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rec)
}

// dismissBody is the body of a dismissal.
type dismissBody struct {
	Reason string `json:"reason"`
}

func (a *API) dismissRecommendation(w http.ResponseWriter, r *http.Request, c *call) error {
	var in dismissBody
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	rec, err := a.recommend.Dismiss(r.Context(), c.P, c.Who, r.PathValue("recommendation_id"), in.Reason)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rec)
}

func (a *API) doneRecommendation(w http.ResponseWriter, r *http.Request, c *call) error {
	rec, err := a.recommend.Done(r.Context(), c.P, c.Who, r.PathValue("recommendation_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rec)
}

func (a *API) reopenRecommendation(w http.ResponseWriter, r *http.Request, c *call) error {
	rec, err := a.recommend.Reopen(r.Context(), c.P, c.Who, r.PathValue("recommendation_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rec)
}
