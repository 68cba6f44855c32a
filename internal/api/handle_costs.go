package api

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/spend"
)

// The cost endpoints read query parameters only (spend.ParseRequest
// documents them); dates are whole UTC days and both ends inclusive, as
// everywhere in this API.

const maxValues = 1000

func (a *API) exploreCosts(w http.ResponseWriter, r *http.Request, c *call) error {
	req, err := spend.ParseRequest(r.URL.Query(), domain.Now())
	if err != nil {
		return err
	}
	res, err := a.spend.Explore(r.Context(), c.P, req)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, exploreOf(res))
}

func (a *API) costValues(w http.ResponseWriter, r *http.Request, c *call) error {
	q := r.URL.Query()
	dim, err := costs.ParseDim(strings.TrimSpace(q.Get("dim")))
	if err != nil || dim == "" {
		return domain.FieldError("dim", "dim is required: one of the dimensions (provider, service, region, tag, ...).")
	}
	query, err := spend.ParseQuery(q, domain.Now())
	if err != nil {
		return err
	}
	limit := 200
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > maxValues {
			return domain.FieldError("limit", "limit must be a whole number from 1 to %d.", maxValues)
		}
	}
	vals, err := a.spend.Values(r.Context(), c.P, dim, strings.TrimSpace(q.Get("tag")), query.From, query.To, limit)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(vals, func(v costs.DimValue) costs.DimValue { return v }, ""))
}

func (a *API) costConsumption(w http.ResponseWriter, r *http.Request, c *call) error {
	query, err := spend.ParseQuery(r.URL.Query(), domain.Now())
	if err != nil {
		return err
	}
	rows, err := a.spend.Consumption(r.Context(), c.P, query)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(rows, func(v costs.ConsumptionRow) costs.ConsumptionRow { return v }, ""))
}

func (a *API) costFreshness(w http.ResponseWriter, r *http.Request, c *call) error {
	list, err := a.spend.Freshness(r.Context(), c.P)
	if err != nil {
		return err
	}
	v := freshnessListView{Items: make([]freshnessView, 0, len(list)), Note: spend.FreshnessNote}
	for _, f := range list {
		v.Items = append(v.Items, freshnessOf(f))
	}
	return writeJSON(w, http.StatusOK, v)
}

func (a *API) exportCostTable(w http.ResponseWriter, r *http.Request, c *call) error {
	req, err := spend.ParseRequest(r.URL.Query(), domain.Now())
	if err != nil {
		return err
	}
	res, err := a.spend.Table(r.Context(), c.P, req)
	if err != nil {
		return err
	}
	setCSVHeaders(w, "canopy-costs-"+rangeName(req.Query)+".csv")
	return spend.WriteTableCSV(w, res)
}

func (a *API) exportCostLines(w http.ResponseWriter, r *http.Request, c *call) error {
	query, err := spend.ParseQuery(r.URL.Query(), domain.Now())
	if err != nil {
		return err
	}
	err = a.spend.ExportFOCUS(r.Context(), c.P, query, func() io.Writer {
		setCSVHeaders(w, "canopy-focus-"+rangeName(query)+".csv")
		return w
	})
	if err != nil && w.Header().Get("Content-Disposition") != "" {
		// The file has started: the status is sent, so only the log can
		// say what went wrong; the client sees a truncated download.
		a.log.ErrorContext(r.Context(), "FOCUS export failed mid-stream", "err", err)
		return nil
	}
	return err
}

func setCSVHeaders(w http.ResponseWriter, name string) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+url.PathEscape(name)+`"`)
}

func rangeName(q costs.Query) string {
	return date(q.From) + "_" + date(q.To.AddDate(0, 0, -1))
}
