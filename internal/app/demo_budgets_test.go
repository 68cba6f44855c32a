package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/budgets"
	"github.com/canopyhq/canopy/internal/store"
)

// The demo's budgets show each state: one on track, one whose forecast
// is just under its 100% forecast threshold, one over it; a change
// request waits for approval.
func TestDemoBudgetsShowEachState(t *testing.T) {
	a := openTestApp(t, store.SQLite)
	ctx := context.Background()
	now := time.Now().UTC()
	sys := demoWithCosts(t, a, now.AddDate(0, 0, -40), 3000, 40)
	if err := a.seedDemoRates(ctx, sys, now); err != nil {
		t.Fatal(err)
	}
	_, err := a.Auth.AddMember(ctx, sys, auth.NewMember{Email: "finops@example.com", Name: "Fin", Roles: []string{auth.RoleFinOps}, Mode: auth.AddWithPassword}, cliActor)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.seedDemoAllocation(ctx, sys); err != nil {
		t.Fatal(err)
	}
	if err := a.seedDemoBudgets(ctx, sys); err != nil {
		t.Fatal(err)
	}
	list, err := a.Budgets.List(ctx, sys)
	if err != nil || len(list) != 3 {
		t.Fatalf("%d budgets: %v", len(list), err)
	}
	states := map[string]string{}
	for _, st := range list {
		states[st.Budget.Name] = st.State + " " + st.PercentForecast
	}
	if !strings.HasPrefix(states["Commerce (month)"], budgets.StateAtRisk) || !strings.HasPrefix(states["Whole organisation (quarter)"], budgets.StateOnTrack) {
		t.Errorf("states %v", states)
	}
	var platform budgets.Status
	for _, st := range list {
		if st.Budget.Name == "Platform (quarter)" {
			platform = st
		}
	}
	if platform.Thresholds[1].Crossed || platform.PercentForecast != "95.0" {
		t.Errorf("Platform is not just under its forecast threshold: %s%%", platform.PercentForecast)
	}
	reqs, err := a.Budgets.Requests(ctx, sys, platform.Budget.ID)
	if err != nil || len(reqs) != 1 || reqs[0].Status != budgets.RequestPending {
		t.Fatalf("requests %+v %v", reqs, err)
	}
}
