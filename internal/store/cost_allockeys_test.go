package store_test

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// allocTestKey is a line's allocation key as the test reads it in Go
// (resource groups folded as the store folds them).
func allocTestKey(l *billing.Line) string {
	tags := make([]string, 0, len(l.Tags))
	for _, k := range sortedKeys(l.Tags) {
		tags = append(tags, k+"="+l.Tags[k])
	}
	return strings.Join([]string{l.ProviderName, l.BillingAccountID, l.SubAccountID, wantRG(l), l.ServiceName,
		l.RegionID, l.ResourceID, l.SkuID, l.ChargeCategory, l.BillingCurrency, l.ChargePeriodStart.UTC().Format(time.DateOnly),
		strings.Join(tags, ",")}, "|")
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range maps.Keys(m) {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// AllocationKeys sums every line of the range into its key exactly: the
// store's sums per key, day and currency equal the test's own in Go, on
// both the detail rollup and the lines, and another org's lines never
// show.
func TestAllocationKeysEqualLinesInGo(t *testing.T) {
	gen, other := genDays(t, 3000, 51, 40), genDays(t, 800, 52, 10)
	lines := append(parseLines(t, gen), parseLines(t, []byte(handFOCUS))...)
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		c, orgA, _ := explorerOrgs(t, db, gen, other)
		for _, scan := range []bool{false, true} {
			q := costs.Query{From: jan1, To: jan1.AddDate(0, 0, 60), Scan: scan,
				Filters: []costs.Filter{{Dim: costs.DimChargeCategory, Values: []string{"Usage", "Purchase", "Tax", "Credit", "Adjustment"}}}}
			keys, rows, err := c.AllocationKeys(context.Background(), orgA, q)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]costs.Measures{}
			for _, r := range rows {
				k := keys[r.Key]
				l := &billing.Line{ProviderName: k.Provider, BillingAccountID: k.BillingAccount, SubAccountID: k.SubAccount,
					ServiceName: k.Service, RegionID: k.Region, ResourceID: k.Resource, SkuID: k.SKU, ChargeCategory: k.ChargeCategory,
					BillingCurrency: r.Currency, ChargePeriodStart: r.Day, Tags: k.Tags, Extra: map[string]string{"x_ResourceGroup": k.ResourceGroup}}
				m := got[allocTestKey(l)]
				if err := m.Add(r.Measures); err != nil {
					t.Fatal(err)
				}
				got[allocTestKey(l)] = m
			}
			want := map[string]costs.Measures{}
			for _, l := range lines {
				if !l.ChargePeriodStart.Before(q.From) && l.ChargePeriodStart.Before(q.To) {
					m := want[allocTestKey(l)]
					if err := m.Add(measuresOfLine(t, l)); err != nil {
						t.Fatal(err)
					}
					want[allocTestKey(l)] = m
				}
			}
			if len(got) != len(want) || len(want) < 100 {
				t.Fatalf("scan=%v: %d keys, want %d (at least 100)", scan, len(got), len(want))
			}
			for k, w := range want {
				if got[k] != w {
					t.Fatalf("scan=%v: key %s sums %+v, want %+v", scan, k, got[k], w)
				}
			}
		}
	})
}
