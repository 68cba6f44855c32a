package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/sandbox"
	"github.com/canopyhq/canopy/internal/store"
)

// startAzureSandbox starts the sandbox cloud as canopy demo does and
// points a's connectors at it.
func startAzureSandbox(t *testing.T, a *App) *sandbox.Cloud {
	t.Helper()
	cloud, err := sandbox.Start(sandbox.Options{Seed: 1, RedirectURIs: []string{a.Cfg.BaseURL + "/connections/azure/callback"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cloud.Close() })
	cloud.Billing.SetQueryBudget(1000) // no minute-long Retry-After waits in a test
	a.Connections.Env = connect.Env{Clouds: sandboxClouds(cloud), HTTPClient: cloud.CA.Client(), PublicURL: a.Cfg.BaseURL}
	return cloud
}

// The demo seeder connects Contoso without a browser: one Azure
// connection with three subscriptions at three access levels, synced (with
// the sandbox's under-used reservation as a warning); a second start
// connects the tenant again but adds no second connection.
func TestDemoSeedsAndSyncsTheAzureConnection(t *testing.T) {
	a, _ := openServingApp(t)
	ctx := context.Background()
	cloud := startAzureSandbox(t, a)
	org, _, err := a.findOrCreateOrg(ctx, demoOrgName)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := seedAzureDemo(ctx, a, cloud, org.ID); err != nil {
			t.Fatal(err)
		}
	}
	sys, _ := a.Auth.SystemPrincipal(ctx, org.ID)
	list, err := a.Connections.Overviews(ctx, sys)
	if err != nil || len(list) != 1 || list[0].Kind != string(connect.KindAzure) || list[0].Last == nil {
		t.Fatalf("connections %+v %v", list, err)
	}
	c := list[0]
	for _, sub := range []string{cloud.Demo.Production.ID, cloud.Demo.Development.ID, cloud.Demo.Legacy.ID} {
		if !strings.Contains(string(c.Settings), sub) {
			t.Fatalf("settings %s lack %s", c.Settings, sub)
		}
	}
	var y store.ConnectionSync
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if y, err = a.Connections.Sync(ctx, sys, c.ID, c.Last.ID); err != nil || y.Finished() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("demo sync still %s (%s)", y.State, y.Phase)
		}
	}
	if err != nil || y.State != store.SyncPartial || y.Rows == 0 || !strings.Contains(string(y.Warnings), "below 60 %") {
		t.Fatalf("demo sync %s rows %d warnings %s error %q (%v)", y.State, y.Rows, y.Warnings, y.Error, err)
	}
}
