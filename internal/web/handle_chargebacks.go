package web

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/chargeback"
	"github.com/canopyhq/canopy/internal/domain"
)

// chargebackRoutes are the Chargebacks pages: reading needs
// chargebacks.read, generating, sending and extra charges
// chargebacks.write. Extra charges are edited on their list page (a path
// below /chargebacks/extra-charges/ would clash with the months').
func (s *Server) chargebackRoutes() []Route {
	perm := func(p string, pm auth.Permission, h http.HandlerFunc) Route {
		return Route{Pattern: p, Access: Needs, Perm: pm, handler: h}
	}
	read, write := auth.PermChargebacksRead, auth.PermChargebacksWrite
	v := "/chargebacks/{month}/versions/{version}"
	return []Route{
		perm("GET /chargebacks", read, s.chargebacksList),
		perm("POST /chargebacks", write, s.generateChargeback),
		perm("GET "+v, read, s.chargebackDetail),
		perm("GET "+v+"/pdf", read, s.chargebackPDF),
		perm("GET "+v+"/csv", read, s.chargebackCSV),
		perm("POST "+v+"/send", write, s.sendChargeback),
		perm("GET /chargebacks/{month}/reconciliation", read, s.chargebackReconciliation),
		perm("GET /chargebacks/extra-charges", read, s.extraCharges),
		perm("POST /chargebacks/extra-charges", write, s.saveExtraCharge),
		perm("POST /chargebacks/extra-charges/delete", write, s.deleteExtraCharge),
	}
}

func (s *Server) chargebacks() *chargeback.Service {
	if s.Chargebacks != nil {
		return s.Chargebacks
	}
	return chargeback.New(s.Auth.Store, s.allocation(), nil, "")
}

// lastMonth is the last complete month, the default to generate.
func lastMonth(now time.Time) string {
	return time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0).Format("2006-01")
}

func (s *Server) chargebacksList(w http.ResponseWriter, r *http.Request) {
	s.renderChargebacks(w, r, http.StatusOK, lastMonth(domain.Now()), nil)
}

func (s *Server) renderChargebacks(w http.ResponseWriter, r *http.Request, status int, month string, formErr error) {
	p := principalFrom(r.Context())
	list, err := s.chargebacks().List(r.Context(), p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page := ChargebacksPage{Layout: s.layout(r, NavChargebacks), CanWrite: p.Can(auth.PermChargebacksWrite), Month: month}
	page.SetErr(formErr)
	for _, v := range list {
		if n := len(page.Months); n == 0 || page.Months[n-1].Month != v.Month {
			page.Months = append(page.Months, CBMonthRow{Month: v.Month, Label: monthLabel(v.Month), ReconURL: "/chargebacks/" + v.Month + "/reconciliation"})
		}
		row := &page.Months[len(page.Months)-1]
		row.Versions = append(row.Versions, CBVersionRow{Version: v.Version, URL: cbURL(v.Month, v.Version), Status: v.Status, Reason: v.Reason,
			Total: money(v.Total, v.Currency), When: v.CreatedAt.Format("2006-01-02 15:04"), Who: v.CreatedBy})
	}
	s.R.Render(w, status, page)
}

func (s *Server) generateChargeback(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	month := r.PostFormValue("month")
	m, err := chargeback.MonthOf("month", month)
	if err == nil {
		var d chargeback.Detail
		if d, err = s.chargebacks().Generate(r.Context(), principalFrom(r.Context()), actor(r), m); err == nil {
			s.flash(r, FlashSuccess, fmt.Sprintf("Chargeback for %s generated as version %d (%s).", monthLabel(d.Month), d.Version.Version, d.Status))
			redirect(w, r, cbURL(d.Month, d.Version.Version))
			return
		}
	}
	if domain.ErrorCode(err) == domain.CodeInternal || domain.ErrorCode(err) == domain.CodeForbidden {
		s.fail(w, r, err)
		return
	}
	if domain.ErrorField(err) == "" { // e.g. a missing exchange rate: say it beside the form
		err = domain.FieldError("month", "%s", domain.ErrorMessage(err))
	}
	s.renderChargebacks(w, r, domain.HTTPStatus(err), month, err)
}

// version reads {month} and {version} of a path.
func cbPath(r *http.Request) (time.Time, int, error) {
	m, err := chargeback.MonthOf("month", r.PathValue("month"))
	if err != nil {
		return m, 0, domain.Errorf(domain.CodeNotFound, "no such chargeback")
	}
	n, err := strconv.Atoi(r.PathValue("version"))
	if err != nil || n <= 0 {
		return m, 0, domain.Errorf(domain.CodeNotFound, "no such chargeback")
	}
	return m, n, nil
}

func (s *Server) chargebackDetail(w http.ResponseWriter, r *http.Request) {
	ctx, p := r.Context(), principalFrom(r.Context())
	m, n, err := cbPath(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.chargebacks().Get(ctx, p, m, n)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	diff, err := s.chargebacks().Diff(ctx, p, m, n)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page := chargebackView(d, diff)
	page.Layout, page.CanWrite = s.layout(r, NavChargebacks), p.Can(auth.PermChargebacksWrite)
	latest, err := s.chargebacks().Get(ctx, p, m, 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for i := latest.Version.Version; i >= 1; i-- {
		page.Versions = append(page.Versions, Link{Label: "v" + strconv.Itoa(i), URL: cbURL(d.Month, i), Current: i == n})
	}
	s.R.Render(w, http.StatusOK, page)
}

func (s *Server) chargebackFile(w http.ResponseWriter, r *http.Request, ext, contentType string, write func(chargeback.Detail) error) {
	m, n, err := cbPath(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.chargebacks().Get(r.Context(), principalFrom(r.Context()), m, n)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="chargeback-%s-v%d.%s"`, d.Month, d.Version.Version, ext))
	if err := write(d); err != nil {
		s.Log.ErrorContext(r.Context(), "chargeback download failed", "err", err)
	}
}

func (s *Server) chargebackPDF(w http.ResponseWriter, r *http.Request) {
	s.chargebackFile(w, r, "pdf", "application/pdf", func(d chargeback.Detail) error { return chargeback.PDF(w, d) })
}

func (s *Server) chargebackCSV(w http.ResponseWriter, r *http.Request) {
	s.chargebackFile(w, r, "csv", "text/csv; charset=utf-8", func(d chargeback.Detail) error { return chargeback.CSV(w, d) })
}

func (s *Server) sendChargeback(w http.ResponseWriter, r *http.Request) {
	m, n, err := cbPath(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sent, err := s.chargebacks().Send(r.Context(), principalFrom(r.Context()), actor(r), m, n)
	switch {
	case domain.ErrorCode(err) == domain.CodeInvalid:
		s.flash(r, FlashError, domain.ErrorMessage(err))
	case err != nil:
		s.fail(w, r, err)
		return
	default:
		msg := fmt.Sprintf("Sent to the owners of %s.", units(len(sent.Sent)))
		if len(sent.Skipped) > 0 {
			msg += fmt.Sprintf(" Not sent for %s without an owner.", units(len(sent.Skipped)))
		}
		s.flash(r, FlashSuccess, msg)
	}
	redirect(w, r, cbURL(m.Format("2006-01"), n))
}

func (s *Server) chargebackReconciliation(w http.ResponseWriter, r *http.Request) {
	m, err := chargeback.MonthOf("month", r.PathValue("month"))
	if err != nil {
		s.fail(w, r, domain.Errorf(domain.CodeNotFound, "no such chargeback"))
		return
	}
	n, _ := strconv.Atoi(r.URL.Query().Get("version"))
	rec, err := s.chargebacks().Reconcile(r.Context(), principalFrom(r.Context()), m, max(n, 0))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page := ReconciliationPage{Layout: s.layout(r, NavChargebacks), Month: rec.Month, MonthLabel: monthLabel(rec.Month), Status: rec.Status,
		Currency: rec.Currency, Version: rec.Version, Billed: money(rec.Billed, rec.Currency), Charged: money(rec.Charged, rec.Currency),
		Difference: signedMoney(rec.Difference, rec.Currency), Balanced: rec.Balanced, DetailURL: cbURL(rec.Month, rec.Version)}
	for _, it := range rec.Items {
		page.Items = append(page.Items, Fact{Label: it.Label, Value: signedMoney(it.Amount, rec.Currency)})
	}
	s.R.Render(w, http.StatusOK, page)
}

func units(n int) string {
	if n == 1 {
		return "1 business unit"
	}
	return fmt.Sprintf("%d business units", n)
}
