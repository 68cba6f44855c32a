package web

import (
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/canopyhq/canopy/internal/allocation"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/spend"
)

func (s *Server) spendService() *spend.Service {
	if s.Spend != nil {
		return s.Spend
	}
	svc := spend.NewReporting(s.Auth.Store)
	svc.Groups = s.allocation()
	return svc
}

// allocation is the allocation service (one over the store when unset).
func (s *Server) allocation() *allocation.Service {
	if s.Allocation != nil {
		return s.Allocation
	}
	return allocation.New(s.Auth.Store)
}

// uiQuery turns the form's tag key and value fields into the explorer's
// filter parameter, so the page's URL and the API share one syntax.
func uiQuery(in url.Values) url.Values {
	q := url.Values{}
	for k, v := range in {
		q[k] = append([]string(nil), v...)
	}
	if key := q.Get("tag_key"); key != "" {
		f := "tag:" + key
		if v := q.Get("tag_value"); v != "" {
			f += "=" + v
		}
		q.Add("filter", f)
	}
	q.Del("tag_key")
	q.Del("tag_value")
	return q
}

func (s *Server) spendExplore(w http.ResponseWriter, r *http.Request) {
	ctx, p, svc := r.Context(), principalFrom(r.Context()), s.spendService()
	q := uiQuery(r.URL.Query())
	page := SpendPage{Layout: s.layout(r, NavSpend), Sub: "explore"}
	status := http.StatusOK
	req, err := spend.ParseRequest(q, domain.Now())
	if err == nil {
		var res *spend.Result
		if res, err = svc.Explore(ctx, p, req); err == nil {
			page.fill(req, res, p.Can(auth.PermCostsExport))
		}
	}
	if err != nil {
		if domain.ErrorCode(err) != domain.CodeInvalid {
			s.fail(w, r, err)
			return
		}
		page.SetErr(err)
		status = http.StatusBadRequest
		req, _ = spend.ParseRequest(url.Values{}, domain.Now())
	}
	if page.SpendFrame, err = s.spendFrame(r, svc, q, req, "/spend"); err != nil {
		s.fail(w, r, err)
		return
	}
	s.R.Render(w, status, page)
}

// spendFrame builds the form, options, presets and freshness of a Spend
// page showing req (the page's own query q kept for the links).
func (s *Server) spendFrame(r *http.Request, svc *spend.Service, q url.Values, req spend.Request, path string) (SpendFrame, error) {
	f := SpendFrame{Form: formOf(q, req), Presets: presetLinks(path, q)}
	var err error
	if f.Options, err = s.spendOptions(r, svc, req.Query, f.Form); err != nil {
		return f, err
	}
	f.Freshness, err = s.freshness(r, svc)
	return f, err
}

func (s *Server) freshness(r *http.Request, svc *spend.Service) (FreshnessView, error) {
	list, err := svc.Freshness(r.Context(), principalFrom(r.Context()))
	return freshnessView(list), err
}

func (s *Server) spendConsumption(w http.ResponseWriter, r *http.Request) {
	ctx, p, svc := r.Context(), principalFrom(r.Context()), s.spendService()
	q := uiQuery(r.URL.Query())
	page := SpendConsumptionPage{Layout: s.layout(r, NavSpend), Sub: "consumption"}
	status := http.StatusOK
	query, err := spend.ParseQuery(q, domain.Now())
	if err == nil {
		var rows []costs.ConsumptionRow
		if rows, err = svc.Consumption(ctx, p, query); err == nil {
			page.Rows = consumptionRows(rows)
		}
	}
	if err != nil {
		if domain.ErrorCode(err) != domain.CodeInvalid {
			s.fail(w, r, err)
			return
		}
		page.SetErr(err)
		status = http.StatusBadRequest
		query, _ = spend.ParseQuery(url.Values{}, domain.Now())
	}
	if page.SpendFrame, err = s.spendFrame(r, svc, q, spend.Request{Query: query}, "/spend/consumption"); err != nil {
		s.fail(w, r, err)
		return
	}
	s.R.Render(w, status, page)
}

func consumptionRows(rows []costs.ConsumptionRow) []ConsumptionRowView {
	out := make([]ConsumptionRowView, 0, len(rows))
	for _, c := range rows {
		out = append(out, ConsumptionRowView{Service: c.Service, SKU: c.SKU, Meter: c.Meter,
			Consumed: c.ConsumedQuantity.String(), ConsumedUnit: c.ConsumedUnit,
			Priced: c.PricingQuantity.String(), PricingUnit: c.PricingUnit,
			Cost:     spend.Display(c.Measures.Billed, domain.Currency(c.Currency)),
			Currency: c.Currency, LinesTxt: strconv.FormatInt(c.Lines, 10)})
	}
	return out
}

func (s *Server) spendTableCSV(w http.ResponseWriter, r *http.Request) {
	req, err := spend.ParseRequest(uiQuery(r.URL.Query()), domain.Now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := s.spendService().Table(r.Context(), principalFrom(r.Context()), req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	csvHeaders(w, "canopy-costs-"+rangeName(req.Query)+".csv")
	if err := spend.WriteTableCSV(w, res); err != nil {
		s.Log.ErrorContext(r.Context(), "cost table export", "err", err)
	}
}

func (s *Server) spendFOCUS(w http.ResponseWriter, r *http.Request) {
	query, err := spend.ParseQuery(uiQuery(r.URL.Query()), domain.Now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	started := false
	err = s.spendService().ExportFOCUS(r.Context(), principalFrom(r.Context()), query, func() io.Writer {
		started = true
		csvHeaders(w, "canopy-focus-"+rangeName(query)+".csv")
		return w
	})
	switch {
	case err != nil && started:
		s.Log.ErrorContext(r.Context(), "FOCUS export failed mid-stream", "err", err)
	case err != nil:
		s.fail(w, r, err)
	}
}

func csvHeaders(w http.ResponseWriter, name string) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+url.PathEscape(name)+`"`)
}

func rangeName(q costs.Query) string {
	return q.From.Format("2006-01-02") + "_" + q.To.AddDate(0, 0, -1).Format("2006-01-02")
}
