package app

import (
	"context"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/allocation"
	"github.com/canopyhq/canopy/internal/store"
)

// The demo's rule set places most of the generated data: every business
// unit receives cost, the networking split divides its lines, and
// Unallocated is a minority.
func TestDemoAllocationPlacesMostCost(t *testing.T) {
	a := openTestApp(t, store.SQLite)
	ctx := context.Background()
	start := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	sys := demoWithCosts(t, a, start, 4000, 20)
	if err := a.seedDemoAllocation(ctx, sys); err != nil {
		t.Fatal(err)
	}
	res, err := a.Allocation.Results(ctx, sys, allocation.ResultsQuery{From: start, To: start.AddDate(0, 0, 20), ByRule: true})
	if err != nil {
		t.Fatal(err)
	}
	placed, unallocated := map[string]bool{}, int64(0)
	var total int64
	split := false
	for _, x := range res.Totals {
		if x.Currency != "USD" {
			continue
		}
		total += x.Measures.Billed.Units
		if x.Group == allocation.Unallocated {
			unallocated += x.Measures.Billed.Units
		} else if x.Measures.Billed.Units > 0 {
			placed[x.GroupName] = true
		}
		split = split || x.SplitName == "Shared network by own spend"
	}
	for _, g := range []string{"Platform", "Data & AI", "Payments", "Search", "Mobile", "Identity", "Corporate IT"} {
		if !placed[g] {
			t.Errorf("no USD cost reached %s: %+v", g, placed)
		}
	}
	if !split || unallocated*2 > total {
		t.Fatalf("split used %v; unallocated %d of %d", split, unallocated, total)
	}
}
