package app

import (
	"context"
	"fmt"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/budgets"
	"github.com/canopyhq/canopy/internal/domain"
)

// demoBudget is a budget whose amount is set from its own forecast, so
// the demo shows each state whatever day it starts: forecastPct is the
// forecast as a percentage of the amount it gets.
type demoBudget struct {
	in          budgets.Input
	forecastPct int64
}

// seedDemoBudgets adds budgets over the demo's generated costs: one on
// track, one whose forecast is just under its 100% threshold, one over
// it, and a pending request for more from the FinOps user.
func (a *App) seedDemoBudgets(ctx context.Context, sys *auth.Principal) error {
	groups, err := a.Store.ListCostGroups(ctx, sys.Org.ID)
	if err != nil {
		return err
	}
	ids := map[string]string{}
	for _, g := range groups {
		ids[g.Name] = g.ID
	}
	cur := string(sys.Org.ReportingCurrency)
	if cur == "" {
		cur = string(domain.DefaultReportingCurrency)
	}
	th := []budgets.Threshold{{Percent: "80", Basis: budgets.BasisActual}, {Percent: "100", Basis: budgets.BasisForecast}}
	list := []demoBudget{
		{budgets.Input{Name: "Whole organisation (quarter)", ScopeKind: budgets.ScopeOrg, Period: budgets.Quarterly, Thresholds: th}, 80},
		{budgets.Input{Name: "Platform (quarter)", ScopeKind: budgets.ScopeGroup, ScopeValue: ids["Platform"], Period: budgets.Quarterly,
			Thresholds: th, Recipients: []string{"platform-leads@example.com"}}, 95},
		{budgets.Input{Name: "Commerce (month)", ScopeKind: budgets.ScopeGroup, ScopeValue: ids["Commerce"], Period: budgets.Monthly,
			Thresholds: th, Recipients: []string{"commerce-leads@example.com"}}, 112},
	}
	var platform string
	for _, d := range list {
		d.in.Currency, d.in.Amount = cur, "1000"
		b, err := a.Budgets.Create(ctx, sys, cliActor, d.in)
		if err != nil {
			return fmt.Errorf("demo budget %s: %w", d.in.Name, err)
		}
		if err := a.sizeDemoBudget(ctx, sys, b.ID, d); err != nil {
			return err
		}
		if d.forecastPct == 95 {
			platform = b.ID
		}
	}
	return a.demoChangeRequest(ctx, sys, platform)
}

// sizeDemoBudget sets the amount so the forecast is forecastPct of it.
func (a *App) sizeDemoBudget(ctx context.Context, sys *auth.Principal, id string, d demoBudget) error {
	st, err := a.Budgets.Get(ctx, sys, id)
	if err != nil || st.State == budgets.StateError || st.Forecast.IsZero() {
		return err // no forecast: the placeholder amount stays
	}
	amount := new(apd.Decimal)
	c := apd.BaseContext.WithPrecision(34)
	if _, err := c.Mul(amount, st.Forecast.Decimal(), apd.New(100, 0)); err != nil {
		return err
	}
	if _, err := c.Quo(amount, amount, apd.New(d.forecastPct, 0)); err != nil {
		return err
	}
	if _, err := c.Quantize(amount, amount, 0); err != nil {
		return err
	}
	d.in.Amount = amount.Text('f')
	_, err = a.Budgets.Update(ctx, sys, cliActor, id, d.in)
	return err
}

// demoChangeRequest has the FinOps user ask for more on a budget.
func (a *App) demoChangeRequest(ctx context.Context, sys *auth.Principal, budgetID string) error {
	u, err := a.Store.GetUserByEmail(ctx, "finops@example.com")
	if err != nil {
		return err
	}
	p, err := a.Auth.LoadPrincipal(ctx, u.ID, sys.Org.ID)
	if err != nil {
		return err
	}
	st, err := a.Budgets.Get(ctx, p, budgetID)
	if err != nil {
		return err
	}
	more := new(apd.Decimal)
	if _, err := apd.BaseContext.WithPrecision(34).Mul(more, st.Budget.Amount.Decimal(), apd.New(12, -1)); err != nil {
		return err
	}
	_, err = a.Budgets.RequestChange(ctx, p, p.Actor("", "demo"), budgetID, budgets.RequestInput{Amount: more.Text('f'),
		Reason: "The identity migration moves two services onto Platform this quarter."})
	return err
}
