package alerts

import (
	"context"
	"fmt"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// BudgetSource answers overage rules from the budgets.
type BudgetSource interface {
	// BudgetName returns a budget's name (domain not_found when the
	// organisation has no such budget).
	BudgetName(ctx context.Context, orgID, budgetID string) (string, error)
	// BudgetStatus is the budget's current period: its amount, actual
	// spend so far and forecast for the whole period.
	BudgetStatus(ctx context.Context, orgID, budgetID string) (BudgetStatus, error)
}

// BudgetStatus is one budget period's amounts, all in Currency.
type BudgetStatus struct {
	Name                     string
	Currency                 string
	From, To                 time.Time // the period [From, To)
	Amount, Actual, Forecast domain.Amount
	// Filters are the explorer filters ("dim:value") of the budget's
	// scope, for the alert's link.
	Filters []string
}

// evaluateOverage compares the budget's current period with its amount:
// one alert per rule and period (the period's first day is the alert's
// day), so a budget over all month alerts once.
func (s *Service) evaluateOverage(ctx context.Context, r store.AlertRule) ([]store.Alert, error) {
	if s.Budgets == nil {
		return nil, nil
	}
	st, err := s.Budgets.BudgetStatus(ctx, r.OrgID, r.BudgetID)
	switch domain.ErrorCode(err) {
	case domain.CodeNotFound:
		return nil, nil // the budget was deleted; the rule waits to be changed
	case domain.CodeInvalid: // e.g. a missing exchange rate: the other rules still run
		s.Log.Warn("overage rule skipped", "org", r.OrgID, "rule", r.Name, "err", err)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	spent, word := st.Actual, "spent"
	if r.Basis == BasisForecast {
		spent, word = st.Forecast, "forecast to spend"
	}
	if st.Amount.Cmp(domain.Amount{}) <= 0 || spent.Cmp(st.Amount) <= 0 {
		return nil, nil
	}
	pct := percentOf(spent, st.Amount)
	a := store.Alert{RuleID: r.ID, RuleName: r.Name, Kind: KindOverage, Day: st.From, SubjectDim: "budget",
		Subject: r.BudgetID, SubjectLabel: st.Name, Severity: SeverityCritical, Amount: money(spent.Decimal()),
		Baseline: money(st.Amount.Decimal()), Currency: st.Currency}
	if r.Basis == BasisForecast {
		a.Severity = SeverityWarning
	}
	a.Message = fmt.Sprintf("Budget %s (%s to %s): %s %s %s, %s %% of its %s %s.", st.Name, st.From.Format("2 Jan"),
		st.To.AddDate(0, 0, -1).Format("2 Jan 2006"), word, a.Amount, st.Currency, pct, a.Baseline, st.Currency)
	a.Link = exploreURL(st.From, st.To, "", st.Filters...)
	return []store.Alert{a}, nil
}

// percentOf is part / whole in percent to one decimal.
func percentOf(part, whole domain.Amount) string {
	r := newDec()
	_, _ = calc.Quo(r, part.Decimal(), whole.Decimal())
	_, _ = calc.Mul(r, r, hundred)
	_, _ = calc.Quantize(r, r, -1)
	return r.Text('f')
}
