package app

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/connect"
	azureconn "github.com/canopyhq/canopy/internal/connect/azure"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/recommend"
	"github.com/canopyhq/canopy/internal/sandbox"
	"github.com/canopyhq/canopy/internal/store"
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

// The demo connects one of each kind (Azure with three subscriptions at
// three access levels, AWS, Microsoft 365, Partner Center) and their first
// syncs import data; AWS shows the support-plan health error. Afterwards
// the demo organisation has recommendations from every source the sandbox
// offers: Cost Explorer (Trusted Advisor refuses the demo account's Basic
// support plan), Azure Advisor, and Canopy's licence
// and usage recommendations.
func TestDemoSyncsYieldRecommendations(t *testing.T) {
	a, _ := openServingApp(t)
	ctx := context.Background()
	_, org := startDemoOrg(t, a)
	sys, err := a.Auth.SystemPrincipal(ctx, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	checkDemoConnections(t, waitSynced(t, a, sys))
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

// checkDemoConnections: one connection of each kind, each first sync
// finished with rows (not failed), the Azure subscriptions at three
// different access levels, and AWS's support-plan health error (its Fix
// page is walked in TestDemoAWSHealthErrorAndItsFixPageInTheBrowser).
func checkDemoConnections(t *testing.T, byKind map[string]connect.Overview) {
	t.Helper()
	for _, kind := range []connect.Kind{connect.KindAzure, connect.KindAWS, connect.KindM365, connect.KindPartnerCenter} {
		o, ok := byKind[string(kind)]
		if !ok || o.Last == nil || o.Last.State == store.SyncFailed || o.Last.Rows == 0 {
			t.Fatalf("demo %s connection: %+v", kind, o)
		}
	}
	if len(byKind) != 4 {
		t.Fatalf("demo connections %v, want one of each kind", slices.Collect(maps.Keys(byKind)))
	}
	var set azureconn.Settings
	if err := json.Unmarshal(byKind[string(connect.KindAzure)].Settings, &set); err != nil {
		t.Fatal(err)
	}
	levels := map[string]bool{}
	for _, l := range set.Subscriptions {
		levels[l] = true
	}
	if len(set.Subscriptions) != 3 || len(levels) != 3 {
		t.Fatalf("demo Azure subscriptions and access levels: %v", set.Subscriptions)
	}
	aws := byKind[string(connect.KindAWS)].Last
	if aws.State != store.SyncPartial || !strings.Contains(string(aws.Warnings), "Trusted Advisor needs a Business or Enterprise support plan") {
		t.Fatalf("demo AWS sync %s warnings %s: no support-plan health error", aws.State, aws.Warnings)
	}
}
