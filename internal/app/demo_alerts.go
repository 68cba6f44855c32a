package app

import (
	"context"

	"github.com/canopyhq/canopy/internal/alerts"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/sandbox"
)

// The demo's spike: one uncovered Azure VM costs six times its usual
// amount three days before the demo started (old enough for Cost
// Management's numbers to be final), so the spike rule below finds it.
const (
	demoSpikeDaysAgo = 3
	demoSpikeFactor  = 6
)

// demoOverageBudget is the demo budget sized to a forecast of 112 %.
const demoOverageBudget = "Commerce (month)"

// seedDemoAlerts gives the demo organisation a spike rule per service, a
// reservation rule at 80 % (the sandbox runs one reservation at about
// 40 %) and an overage rule on the Commerce budget's forecast; "Evaluate
// now" or the daily run then fills the inbox.
func (a *App) seedDemoAlerts(ctx context.Context, sys *auth.Principal) error {
	rules := []alerts.RuleInput{
		{Name: "Daily spend spikes by service", Kind: alerts.KindSpike, SplitBy: "service", Sensitivity: alerts.SensitivityMedium,
			MinAmount: "20", Recipients: []string{"finops@example.com"}},
		{Name: "Reservations used under 80 %", Kind: alerts.KindReservation, Threshold: "80", Recipients: []string{"finops@example.com"}},
	}
	budgets, err := a.Store.ListBudgets(ctx, sys.Org.ID)
	if err != nil {
		return err
	}
	for _, b := range budgets {
		if b.Name == demoOverageBudget {
			rules = append(rules, alerts.RuleInput{Name: "Commerce budget forecast over", Kind: alerts.KindOverage, BudgetID: b.ID,
				Basis: alerts.BasisForecast, Recipients: []string{"commerce-leads@example.com"}})
		}
	}
	for _, in := range rules {
		if _, err := a.Alerts.CreateRule(ctx, sys, cliActor, in); err != nil {
			return err
		}
	}
	return nil
}

// seedDemoSpike spikes a VM in the demo's sandbox cloud (the sandbox
// forgets it when the demo stops; each start seeds one again).
func (a *App) seedDemoSpike(cloud *sandbox.Cloud) {
	if vm, ok := cloud.Billing.SeedSpike(demoSpikeDaysAgo, demoSpikeFactor); ok {
		a.Log.Info("demo cost spike seeded", "resource", vm.Name, "days_ago", demoSpikeDaysAgo, "factor", demoSpikeFactor)
	}
}
