package app

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/billing/focusgen"
	"github.com/canopyhq/canopy/internal/chargeback"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/store"
)

// The demo opens the Chargebacks area on last month's statement, with the
// platform fee as an extra charge.
func TestDemoGeneratesLastMonthsChargeback(t *testing.T) {
	a := openTestApp(t, store.SQLite)
	ctx := context.Background()
	start := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	sys := demoWithCosts(t, a, start, 2000, 31)
	now := time.Date(2026, 6, 10, 0, 0, 0, 0, time.UTC)
	if err := a.seedDemoRates(ctx, sys, now); err != nil {
		t.Fatal(err)
	}
	if err := a.seedDemoAllocation(ctx, sys); err != nil {
		t.Fatal(err)
	}
	a.seedDemoChargebacks(ctx, sys, now)
	d, err := a.Chargebacks.Get(ctx, sys, start, 0)
	if err != nil {
		t.Fatal(err)
	}
	if d.Version.Version != 1 || len(d.Charged) < 3 || d.Total.IsZero() {
		t.Fatalf("demo chargeback = v%d, %d units, total %s", d.Version.Version, len(d.Charged), d.Total)
	}
	fee := false
	for _, u := range d.Charged {
		for _, l := range u.Lines {
			fee = fee || (u.Name == "Platform" && l.Kind == chargeback.KindServiceFee && !l.Amount.IsZero())
		}
	}
	if !fee {
		t.Errorf("Platform has no service fee line")
	}
}

// demoWithCosts makes the demo organisation with generated cost lines
// over days from start, and returns its system principal.
func demoWithCosts(t *testing.T, a *App, start time.Time, rows, days int) *auth.Principal {
	t.Helper()
	ctx := context.Background()
	org, _, err := a.findOrCreateOrg(ctx, demoOrgName)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := focusgen.Generate(&buf, focusgen.Options{Rows: rows, Seed: 3, Start: start, Days: days}); err != nil {
		t.Fatal(err)
	}
	r, err := billing.Open(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Store.Costs().Import(ctx, org.ID, r, costs.ImportMeta{FileName: "demo.csv"}); err != nil {
		t.Fatal(err)
	}
	sys, err := a.Auth.SystemPrincipal(ctx, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	return sys
}
