package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/fx"
	"github.com/canopyhq/canopy/internal/store"
)

// maxRatesUpload bounds a rates file (the full ECB history is ~1.5 MB).
const maxRatesUpload = 32 << 20

func (s *Server) fx() *fx.Service {
	if s.FX != nil {
		return s.FX
	}
	return &fx.Service{Store: s.Auth.Store}
}

func (s *Server) currencyPage(r *http.Request) (CurrencyPage, error) {
	p := principalFrom(r.Context())
	page := CurrencyPage{Layout: s.layout(r, NavSettingsFX), ReportingCurrency: string(p.Org.ReportingCurrency),
		CanManage: p.Can(auth.PermCurrencyManage)}
	for _, c := range domain.Currencies() {
		page.Currencies = append(page.Currencies, Option{Value: string(c.Code), Label: string(c.Code) + " — " + c.Name})
	}
	to := domain.Now().Truncate(24 * time.Hour).Add(24 * time.Hour)
	rates, err := s.Auth.Store.ListRates(r.Context(), p.Org.ID, to.AddDate(0, 0, -31), to)
	if err != nil {
		return page, err
	}
	for i := len(rates) - 1; i >= 0 && len(page.Rates) < 300; i-- {
		x := rates[i]
		page.Rates = append(page.Rates, RateRow{Day: x.Day.Format("2006-01-02"), Base: string(x.Base), Quote: string(x.Quote),
			Rate: x.Value.Text('f'), Source: x.Source})
	}
	return page, s.addHistory(r, &page)
}

func (s *Server) addHistory(r *http.Request, page *CurrencyPage) error {
	base, errB := domain.ParseCurrency(r.URL.Query().Get("base"))
	quote, errQ := domain.ParseCurrency(r.URL.Query().Get("quote"))
	if errB != nil || errQ != nil {
		return nil
	}
	page.Base, page.Quote = string(base), string(quote)
	hist, err := s.Auth.Store.RateHistory(r.Context(), principalFrom(r.Context()).Org.ID, base, quote)
	for i := len(hist) - 1; i >= 0; i-- {
		h := hist[i]
		row := RateChangeRow{Day: h.Day.Format("2006-01-02"), Rate: h.Value.Text('f'), Source: h.Source,
			ChangedAt: fmtTime(h.ChangedAt), ChangedBy: h.ChangedBy}
		if h.Previous != nil {
			row.Previous = h.Previous.Text('f')
		}
		page.History = append(page.History, row)
	}
	return err
}

func (s *Server) currency(w http.ResponseWriter, r *http.Request) {
	renderBuilt(s, w, r, s.currencyPage)
}

// currencyResult shows the page again with the outcome of a change.
func (s *Server) currencyResult(w http.ResponseWriter, r *http.Request, saved store.RatesSaved, err error, form RateForm) {
	if err == nil {
		s.flash(r, FlashSuccess, fmt.Sprintf("Exchange rates saved: %d added, %d corrected, %d unchanged.", saved.Added, saved.Corrected, saved.Unchanged))
		redirect(w, r, "/settings/currency")
		return
	}
	page, perr := s.currencyPage(r)
	if perr != nil || domain.ErrorCode(err) == domain.CodeInternal {
		s.fail(w, r, errors.Join(err, perr))
		return
	}
	page.SetErr(err)
	page.Form = form
	s.R.Render(w, domain.HTTPStatus(err), page)
}

func (s *Server) importRates(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxRatesUpload)
	file, hdr, err := r.FormFile("file")
	if err != nil {
		s.currencyResult(w, r, store.RatesSaved{}, uploadError(err), RateForm{})
		return
	}
	defer file.Close()
	saved, err := s.fx().Import(r.Context(), principalFrom(r.Context()), file, "import:"+hdr.Filename, actor(r))
	s.currencyResult(w, r, saved, err, RateForm{})
}

func uploadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &domain.Error{Code: domain.CodeTooLarge, Field: "file", Message: "The file is larger than 32 MiB."}
	}
	return domain.FieldError("file", "Choose a CSV file to import.")
}

func (s *Server) setRate(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	form := RateForm{Day: r.PostFormValue("day"), Base: r.PostFormValue("base"), Quote: r.PostFormValue("quote"), Rate: r.PostFormValue("rate")}
	rate, err := rateFromForm(form)
	var saved store.RatesSaved
	if err == nil {
		saved, err = s.fx().SetRate(r.Context(), principalFrom(r.Context()), rate, actor(r))
	}
	s.currencyResult(w, r, saved, err, form)
}

func rateFromForm(f RateForm) (domain.FXRate, error) {
	var r domain.FXRate
	var err error
	if r.Day, err = time.Parse("2006-01-02", f.Day); err != nil {
		return r, domain.FieldError("rate", "Enter the day as YYYY-MM-DD.")
	}
	if r.Base, err = domain.ParseCurrency(f.Base); err != nil {
		return r, domain.FieldError("rate", "%s", domain.ErrorMessage(err))
	}
	if r.Quote, err = domain.ParseCurrency(f.Quote); err != nil {
		return r, domain.FieldError("rate", "%s", domain.ErrorMessage(err))
	}
	v, _, err := apd.NewFromString(strings.TrimSpace(f.Rate))
	if err != nil || v.Form != apd.Finite || v.Sign() <= 0 {
		return r, domain.FieldError("rate", "The rate must be a positive number like 1.0921.")
	}
	r.Value = v
	return r, nil
}

func (s *Server) setReportingCurrency(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	p := principalFrom(r.Context())
	in := auth.OrgSettings{Name: p.Org.Name, MFARequired: p.Org.MFARequired, ReportingCurrency: r.PostFormValue("reporting_currency")}
	if _, err := s.Auth.UpdateOrgSettings(r.Context(), p, in, actor(r)); err != nil {
		s.currencyResult(w, r, store.RatesSaved{}, err, RateForm{})
		return
	}
	s.flash(r, FlashSuccess, "Reports now use "+strings.ToUpper(in.ReportingCurrency)+".")
	redirect(w, r, "/settings/currency")
}
