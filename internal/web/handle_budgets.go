package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/budgets"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/notify"
)

func (s *Server) budgetRoutes() []Route {
	perm := func(p string, pm auth.Permission, h http.HandlerFunc) Route {
		return Route{Pattern: p, Access: Needs, Perm: pm, handler: h}
	}
	return []Route{
		heavy(perm("GET /budgets", auth.PermBudgetsRead, s.budgetList)),
		perm("GET /budgets/new", auth.PermBudgetsWrite, s.newBudget),
		perm("POST /budgets", auth.PermBudgetsWrite, s.saveBudget),
		perm("GET /budgets/{id}", auth.PermBudgetsRead, s.budgetDetail),
		perm("GET /budgets/{id}/edit", auth.PermBudgetsWrite, s.editBudget),
		perm("POST /budgets/{id}", auth.PermBudgetsWrite, s.saveBudget),
		perm("POST /budgets/{id}/delete", auth.PermBudgetsWrite, s.deleteBudget),
		perm("POST /budgets/{id}/evaluate", auth.PermBudgetsWrite, s.evaluateBudget),
		// Group owners without budgets.write may ask; the service decides.
		perm("POST /budgets/{id}/requests", auth.PermBudgetsRead, s.requestBudgetChange),
		perm("POST /budgets/{id}/requests/{rid}/approve", auth.PermBudgetsApprove, s.decideBudgetChange(true)),
		perm("POST /budgets/{id}/requests/{rid}/reject", auth.PermBudgetsApprove, s.decideBudgetChange(false)),
		perm("GET /settings/webhooks", auth.PermSettingsManage, s.webhooks),
		perm("POST /settings/webhooks", auth.PermSettingsManage, s.saveWebhook),
		perm("GET /settings/webhooks/{id}", auth.PermSettingsManage, s.webhooks),
		perm("POST /settings/webhooks/{id}", auth.PermSettingsManage, s.saveWebhook),
		perm("POST /settings/webhooks/{id}/delete", auth.PermSettingsManage, s.deleteWebhook),
		perm("POST /settings/webhooks/{id}/test", auth.PermSettingsManage, s.testWebhook),
	}
}

func (s *Server) notifier() *notify.Service {
	if s.Notify != nil {
		return s.Notify
	}
	return notify.New(s.Auth.Store, s.Auth.Vault, s.Auth.BaseURL, s.Log)
}

func (s *Server) budgetsSvc() *budgets.Service {
	if s.Budgets != nil {
		return s.Budgets
	}
	return budgets.New(s.Auth.Store, s.notifier(), s.Log)
}

func (s *Server) budgetList(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	list, err := s.budgetsSvc().List(r.Context(), p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.R.Render(w, http.StatusOK, BudgetsPage{Layout: s.layout(r, NavBudgets), Budgets: list, CanWrite: p.Can(auth.PermBudgetsWrite)})
}

// budgetPage builds a budget's page; a form error goes on it afterwards.
func (s *Server) budgetPage(r *http.Request) (BudgetPage, error) {
	ctx, p, id := r.Context(), principalFrom(r.Context()), r.PathValue("id")
	svc := s.budgetsSvc()
	st, err := svc.Get(ctx, p, id)
	if err != nil {
		return BudgetPage{}, err
	}
	page := BudgetPage{Layout: s.layout(r, NavBudgets), Status: st, Chart: budgetChartOf(st), CanWrite: p.Can(auth.PermBudgetsWrite),
		CanApprove: p.Can(auth.PermBudgetsApprove)}
	page.Title = st.Budget.Name
	if page.Events, err = svc.Events(ctx, p, id); err != nil {
		return page, err
	}
	if page.Requests, err = svc.Requests(ctx, p, id); err != nil {
		return page, err
	}
	if page.History, err = svc.History(ctx, p, id); err != nil {
		return page, err
	}
	_, err = svc.Requester(ctx, p, id)
	page.CanRequest = err == nil
	return page, nil
}

func (s *Server) budgetDetail(w http.ResponseWriter, r *http.Request) {
	page, err := s.budgetPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.R.Render(w, http.StatusOK, page)
}

func (s *Server) evaluateBudget(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	n, err := s.budgetsSvc().EvaluateNow(r.Context(), principalFrom(r.Context()), actor(r), id)
	switch {
	case domain.ErrorCode(err) == domain.CodeNotFound:
		s.fail(w, r, err)
		return
	case err != nil:
		s.flash(r, FlashError, "Thresholds could not be checked: "+domain.ErrorMessage(err))
	case n == 0:
		s.flash(r, FlashSuccess, "Thresholds checked: none newly crossed (each notifies once per period).")
	default:
		s.flash(r, FlashSuccess, pluralThresholds(n)+" crossed: notifications are on their way.")
	}
	redirect(w, r, "/budgets/"+id)
}

func pluralThresholds(n int) string {
	if n == 1 {
		return "1 threshold"
	}
	return strconv.Itoa(n) + " thresholds"
}

func (s *Server) requestBudgetChange(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	in := budgets.RequestInput{Amount: r.PostFormValue("amount"), Reason: r.PostFormValue("reason")}
	_, err := s.budgetsSvc().RequestChange(r.Context(), principalFrom(r.Context()), actor(r), r.PathValue("id"), in)
	if err == nil {
		s.flash(r, FlashSuccess, "Request sent. An approver will accept or reject it.")
		redirect(w, r, "/budgets/"+r.PathValue("id")+"#requests")
		return
	}
	s.budgetFormError(w, r, err, func(p *BudgetPage) { p.Request = in })
}

func (s *Server) decideBudgetChange(approve bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := parseForm(w, r); err != nil {
			s.fail(w, r, err)
			return
		}
		id := r.PathValue("id")
		c, err := s.budgetsSvc().Decide(r.Context(), principalFrom(r.Context()), actor(r), id, r.PathValue("rid"), approve,
			budgets.Decision{Comment: r.PostFormValue("comment")})
		if err == nil {
			msg := "Request rejected."
			if approve {
				msg = "Request approved: the budget is now " + c.Amount.String() + " " + c.Currency + "."
			}
			s.flash(r, FlashSuccess, msg)
			redirect(w, r, "/budgets/"+id+"#requests")
			return
		}
		s.budgetFormError(w, r, err, nil)
	}
}

// budgetFormError shows the budget page again with err (or the error
// page when the budget itself cannot be shown).
func (s *Server) budgetFormError(w http.ResponseWriter, r *http.Request, err error, keep func(*BudgetPage)) {
	page, perr := s.budgetPage(r)
	if perr != nil || domain.ErrorCode(err) == domain.CodeInternal || domain.ErrorCode(err) == domain.CodeNotFound {
		s.fail(w, r, err)
		return
	}
	if keep != nil {
		keep(&page)
	}
	page.SetErr(err)
	s.R.Render(w, domain.HTTPStatus(err), page)
}

func (s *Server) deleteBudget(w http.ResponseWriter, r *http.Request) {
	if err := s.budgetsSvc().Delete(r.Context(), principalFrom(r.Context()), actor(r), r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, FlashSuccess, "Budget deleted.")
	redirect(w, r, "/budgets")
}

// scopeChoices lists custom groups, providers and subscriptions charged
// in the last 90 days for the scope picker.
func (s *Server) scopeChoices(r *http.Request, page *BudgetFormPage) error {
	ctx, p := r.Context(), principalFrom(r.Context())
	groups, err := s.Auth.Store.ListCostGroups(ctx, p.Org.ID)
	if err != nil {
		return err
	}
	for _, g := range groups {
		page.Groups = append(page.Groups, Choice{Value: g.ID, Label: g.Name})
	}
	if !p.Can(auth.PermCostsRead) {
		return nil
	}
	to := domain.Now().Truncate(24*time.Hour).AddDate(0, 0, 1)
	for dim, dst := range map[costs.Dim]*[]Choice{costs.DimProvider: &page.Providers, costs.DimSubAccount: &page.SubAccts} {
		vals, err := s.spendService().Costs.Values(ctx, p.Org.ID, dim, "", to.AddDate(0, 0, -90), to, 200)
		if err != nil {
			return err
		}
		for _, v := range vals {
			if v.Value != "" {
				*dst = append(*dst, Choice{Value: v.Value, Label: v.Label})
			}
		}
	}
	return nil
}
