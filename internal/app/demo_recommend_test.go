package app

import (
	"context"
	"testing"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/recommend"
	"github.com/canopyhq/canopy/internal/sandbox"
)

// startDemoOrg starts the demo's sandbox cloud, which seeds the demo
// organisation's connections and queues their first syncs.
func startDemoOrg(t *testing.T, a *App) (*sandbox.Cloud, domain.Org) {
	t.Helper()
	ctx := context.Background()
	cloud, err := a.startDemoCloud(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cloud.Close() })
	org, _, err := a.findOrCreateOrg(ctx, demoOrgName)
	if err != nil {
		t.Fatal(err)
	}
	return cloud, org
}

// After the demo connections' first syncs the demo organisation has
// recommendations from every source the sandbox offers: Cost Explorer
// (Trusted Advisor refuses the demo account's Basic support plan), Azure
// Advisor, and Canopy's licence and usage recommendations.
func TestDemoSyncsYieldRecommendations(t *testing.T) {
	a, _ := openServingApp(t)
	ctx := context.Background()
	_, org := startDemoOrg(t, a)
	sys, err := a.Auth.SystemPrincipal(ctx, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	waitSynced(t, a, sys)
	list, err := a.Recommendations.List(ctx, sys, recommend.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	per := map[string]int{}
	for _, r := range list.Items {
		per[r.Source]++
	}
	for _, src := range []string{recommend.SourceCERightsizing, recommend.SourceCESavingsPlans, recommend.SourceAzureAdvisor,
		recommend.SourceM365, recommend.SourceM365Usage} {
		if per[src] == 0 {
			t.Errorf("no recommendation from %s: %v", src, per)
		}
	}
	if list.Totals.Open != len(list.Items) || list.Totals.OpenMonthly.IsZero() {
		t.Errorf("totals %+v of %d", list.Totals, len(list.Items))
	}
}
