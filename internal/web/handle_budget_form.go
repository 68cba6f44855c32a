package web

import (
	"net/http"
	"strings"

	"github.com/canopyhq/canopy/internal/budgets"
	"github.com/canopyhq/canopy/internal/domain"
)

// budgetFormPage builds the form with its choices.
func (s *Server) budgetFormPage(r *http.Request, id string, form BudgetForm) (BudgetFormPage, error) {
	page := BudgetFormPage{Layout: s.layout(r, NavBudgets), ID: id, Form: form, Ordinals: []string{"First", "Second", "Third"}}
	page.Title = "New budget"
	if id != "" {
		page.Title = "Edit " + form.Name
	}
	for _, k := range budgets.ScopeKinds {
		page.ScopeKinds = append(page.ScopeKinds, Choice{Value: k, Label: budgets.ScopeLabel(k), Selected: k == form.ScopeKind})
	}
	for _, p := range budgets.Periods {
		page.Periods = append(page.Periods, Choice{Value: p, Label: periodLabel(p), Selected: p == form.Period})
	}
	for _, m := range []string{budgets.MetricEffective, budgets.MetricBilled} {
		page.Metrics = append(page.Metrics, Choice{Value: m, Label: budgets.MetricLabel(m), Selected: m == form.Metric})
	}
	page.Bases = []Choice{{Value: budgets.BasisActual, Label: "of actual spend"}, {Value: budgets.BasisForecast, Label: "of forecast spend"}}
	return page, s.scopeChoices(r, &page)
}

func periodLabel(p string) string {
	switch p {
	case budgets.Quarterly:
		return "Quarterly (calendar quarters)"
	case budgets.Yearly:
		return "Yearly (calendar years)"
	case budgets.Custom:
		return "Custom dates"
	}
	return "Monthly (calendar months)"
}

// budgetFormOf fills the form from a budget (three threshold rows).
func budgetFormOf(in budgets.Input) BudgetForm {
	f := BudgetForm{Input: in, RecipientsText: strings.Join(in.Recipients, "\n")}
	f.Rows = append(f.Rows, in.Thresholds...)
	for len(f.Rows) < budgets.MaxThresholds {
		f.Rows = append(f.Rows, budgets.Threshold{Basis: budgets.BasisActual})
	}
	return f
}

// inputOf reads the posted form; the scope value comes from the field
// of the chosen scope kind, empty threshold rows are skipped.
func inputOf(r *http.Request) (budgets.Input, BudgetForm) {
	in := budgets.Input{Name: r.PostFormValue("name"), ScopeKind: r.PostFormValue("scope_kind"), Period: r.PostFormValue("period"),
		StartDate: r.PostFormValue("start_date"), EndDate: r.PostFormValue("end_date"), Amount: r.PostFormValue("amount"),
		Currency: r.PostFormValue("currency"), Metric: r.PostFormValue("metric"), NotifyOwners: r.PostFormValue("notify_owners") == "on"}
	in.ScopeValue = r.PostFormValue("scope_" + in.ScopeKind)
	percents, bases := r.PostForm["threshold_percent"], r.PostForm["threshold_basis"]
	var rows []budgets.Threshold
	for i, pc := range percents {
		t := budgets.Threshold{Percent: strings.TrimSpace(pc), Basis: budgets.BasisActual}
		if i < len(bases) {
			t.Basis = bases[i]
		}
		rows = append(rows, t)
		if t.Percent != "" {
			in.Thresholds = append(in.Thresholds, t)
		}
	}
	text := r.PostFormValue("recipients")
	in.Recipients = strings.FieldsFunc(text, func(c rune) bool { return c == '\n' || c == ',' || c == '\r' || c == ' ' || c == ';' })
	f := budgetFormOf(in)
	if len(rows) > 0 {
		f.Rows = rows
	}
	f.RecipientsText = text
	return in, f
}

func (s *Server) newBudget(w http.ResponseWriter, r *http.Request) {
	cur := string(domain.DefaultReportingCurrency)
	if org := principalFrom(r.Context()).Org; org.ReportingCurrency != "" {
		cur = string(org.ReportingCurrency)
	}
	form := budgetFormOf(budgets.Input{ScopeKind: budgets.ScopeOrg, Period: budgets.Monthly, Currency: cur, Metric: budgets.MetricEffective,
		Thresholds: []budgets.Threshold{{Percent: "80", Basis: budgets.BasisActual}, {Percent: "100", Basis: budgets.BasisForecast}}})
	page, err := s.budgetFormPage(r, "", form)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.R.Render(w, http.StatusOK, page)
}

func (s *Server) editBudget(w http.ResponseWriter, r *http.Request) {
	st, err := s.budgetsSvc().Get(r.Context(), principalFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	b := st.Budget
	in := budgets.Input{Name: b.Name, ScopeKind: b.ScopeKind, ScopeValue: b.ScopeValue, Period: b.Period, Amount: b.Amount.String(),
		Currency: b.Currency, Metric: b.Metric, Thresholds: b.Thresholds, Recipients: b.Recipients, NotifyOwners: b.NotifyOwners}
	if b.StartDate != nil && b.EndDate != nil {
		in.StartDate, in.EndDate = b.StartDate.Format("2006-01-02"), b.EndDate.Format("2006-01-02")
	}
	page, err := s.budgetFormPage(r, b.ID, budgetFormOf(in))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.R.Render(w, http.StatusOK, page)
}

// saveBudget creates (POST /budgets) or updates (POST /budgets/{id}).
func (s *Server) saveBudget(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	ctx, p, id := r.Context(), principalFrom(r.Context()), r.PathValue("id")
	in, form := inputOf(r)
	var b budgets.Budget
	var err error
	if id == "" {
		b, err = s.budgetsSvc().Create(ctx, p, actor(r), in)
	} else {
		b, err = s.budgetsSvc().Update(ctx, p, actor(r), id, in)
	}
	if err == nil {
		s.flash(r, FlashSuccess, "Budget "+b.Name+" saved.")
		redirect(w, r, "/budgets/"+b.ID)
		return
	}
	page, perr := s.budgetFormPage(r, id, form)
	if perr != nil || domain.ErrorCode(err) == domain.CodeInternal || domain.ErrorCode(err) == domain.CodeNotFound {
		s.fail(w, r, err)
		return
	}
	page.SetErr(err)
	s.R.Render(w, domain.HTTPStatus(err), page)
}
