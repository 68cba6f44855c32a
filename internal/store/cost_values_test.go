package store_test

import (
	"cmp"
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// wantValues counts lines per value in Go (tag keys when tag is DimTag
// without a key), most lines first; labels are checked elsewhere.
func wantValues(lines []*billing.Line, d costs.Dim, tag string, from, to time.Time) []costs.DimValue {
	n := map[string]int64{}
	for _, l := range lines {
		if l.ChargePeriodStart.Before(from) || !l.ChargePeriodStart.Before(to) {
			continue
		}
		if d == costs.DimTag && tag == "" {
			for k := range l.Tags {
				n[k]++
			}
			continue
		}
		n[valueOf(l, d, tag)]++
	}
	var out []costs.DimValue
	for v, c := range n {
		out = append(out, costs.DimValue{Value: v, Lines: c})
	}
	slices.SortFunc(out, byLines)
	return out
}

func byLines(a, b costs.DimValue) int {
	return cmp.Or(cmp.Compare(b.Lines, a.Lines), cmp.Compare(a.Value, b.Value))
}

func TestCostValuesConsumptionFreshness(t *testing.T) {
	gen, other := genDays(t, 3000, 71, 40), genDays(t, 1000, 72, 10)
	lines := append(parseLines(t, gen), parseLines(t, []byte(handFOCUS))...)
	from, to := jan1, jan1.AddDate(0, 0, 60)
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		c, orgA, orgB := explorerOrgs(t, db, gen, other)
		ctx := context.Background()
		for _, g := range append(groupings()[1:], groupTag{costs.DimTag, ""}) {
			for _, r := range [][2]time.Time{{from, to}, {jan1.AddDate(0, 0, 40), to}} {
				got, err := c.Values(ctx, orgA, g.dim, g.tag, r[0], r[1], 0)
				if err != nil {
					t.Fatal(err)
				}
				want := wantValues(lines, g.dim, g.tag, r[0], r[1])
				if !reflect.DeepEqual(valuesOnly(g.dim, got), want) {
					t.Fatalf("values of %s/%s in %v: %v, want %v", g.dim, g.tag, r, got, want)
				}
			}
		}
		checkValueLabels(t, c, orgA)
		top, err := c.Values(ctx, orgA, costs.DimService, "", from, to, 2)
		if err != nil || len(top) != 2 || top[0].Lines < top[1].Lines {
			t.Fatalf("top two services: %v %v", top, err)
		}
		checkConsumption(t, c, orgA, lines)
		checkFreshness(t, c, orgA, lines)
		bVals, err := c.Values(ctx, orgB, costs.DimBillingAccount, "", from, to, 0)
		if err != nil || slices.ContainsFunc(bVals, func(v costs.DimValue) bool { return v.Value == "hand-acct" }) {
			t.Fatalf("org B sees org A's account: %v %v", bVals, err)
		}
		checkFreshness(t, c, orgB, parseLines(t, other))
	})
}

// valuesOnly drops labels and folds resource groups for comparison.
func valuesOnly(d costs.Dim, vs []costs.DimValue) []costs.DimValue {
	out := make([]costs.DimValue, len(vs))
	for i, v := range vs {
		out[i] = costs.DimValue{Value: fold(d, v.Value), Lines: v.Lines}
	}
	slices.SortStableFunc(out, byLines) // folding may reorder ties
	return out
}

func checkValueLabels(t *testing.T, c *store.Costs, orgID string) {
	t.Helper()
	ctx := context.Background()
	accts, err := c.Values(ctx, orgID, costs.DimBillingAccount, "", jan1, jan1.AddDate(0, 0, 60), 0)
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(accts, func(v costs.DimValue) bool { return v.Value == "hand-acct" }); i < 0 || accts[i].Label != "Hand Account" {
		t.Fatalf("accounts %v", accts)
	}
	rgs, err := c.Values(ctx, orgID, costs.DimResourceGroup, "", jan1, jan1.AddDate(0, 0, 60), 0)
	if err != nil {
		t.Fatal(err)
	}
	// Spelled RG-Web then rg-web: one group, under the spelling seen first.
	if i := slices.IndexFunc(rgs, func(v costs.DimValue) bool { return strings.EqualFold(v.Value, "rg-web") }); i < 0 ||
		rgs[i].Value != "RG-Web" || rgs[i].Label != "RG-Web" || rgs[i].Lines != 2 {
		t.Fatalf("resource groups %v", rgs)
	}
}

type consKey struct{ svc, sku, meter, cu, pu, cur string }

func checkConsumption(t *testing.T, c *store.Costs, orgID string, lines []*billing.Line) {
	t.Helper()
	svc := "Blob Storage"
	for _, fs := range [][]costs.Filter{nil, {{Dim: costs.DimService, Values: []string{svc}}}} {
		q := costs.Query{From: jan1, To: jan1.AddDate(0, 0, 60), Filters: fs}
		got, err := c.Consumption(context.Background(), orgID, q)
		if err != nil {
			t.Fatal(err)
		}
		want := map[consKey]costs.ConsumptionRow{}
		for _, l := range lines {
			if !matchesAll(l, fs) {
				continue
			}
			k := consKey{l.ServiceName, l.SkuID, l.ChargeDescription, l.ConsumedUnit, l.PricingUnit, l.BillingCurrency}
			r := want[k]
			r.Service, r.SKU, r.Meter, r.ConsumedUnit, r.PricingUnit, r.Currency = k.svc, k.sku, k.meter, k.cu, k.pu, k.cur
			r.Lines++
			var err error
			if r.ConsumedQuantity, err = r.ConsumedQuantity.Add(amountOf(t, l.ConsumedQuantity)); err != nil {
				t.Fatal(err)
			}
			if r.PricingQuantity, err = r.PricingQuantity.Add(amountOf(t, l.PricingQuantity)); err != nil {
				t.Fatal(err)
			}
			if err := r.Measures.Add(measuresOfLine(t, l)); err != nil {
				t.Fatal(err)
			}
			want[k] = r
		}
		gotMap := map[consKey]costs.ConsumptionRow{}
		for _, r := range got {
			gotMap[consKey{r.Service, r.SKU, r.Meter, r.ConsumedUnit, r.PricingUnit, r.Currency}] = r
		}
		if len(got) != len(gotMap) || len(want) < 2 || !reflect.DeepEqual(gotMap, want) {
			t.Fatalf("consumption (filters %v): %d rows, want %d:\n%v\n%v", fs, len(got), len(want), gotMap, want)
		}
		q.Scan = true // the lines alone, without cost_daily_detail
		if scan, err := c.Consumption(context.Background(), orgID, q); err != nil || !reflect.DeepEqual(scan, got) {
			t.Fatalf("consumption (filters %v) from the lines: %v (%v), with the detail rollup: %v", fs, scan, err, got)
		}
	}
}

func checkFreshness(t *testing.T, c *store.Costs, orgID string, lines []*billing.Line) {
	t.Helper()
	ctx := context.Background()
	imports, err := c.Imports(ctx, orgID, 10)
	if err != nil {
		t.Fatal(err)
	}
	var last time.Time
	for _, im := range imports {
		if im.FinishedAt != nil && im.FinishedAt.After(last) {
			last = *im.FinishedAt
		}
	}
	want := map[[2]string]*costs.Freshness{}
	for _, l := range lines {
		k := [2]string{l.ProviderName, l.BillingAccountID}
		f := want[k]
		if f == nil {
			f = &costs.Freshness{Provider: k[0], BillingAccount: k[1], BillingAccountName: l.BillingAccountName}
			want[k] = f
		}
		f.Lines++
		if day := l.ChargePeriodStart.UTC().Truncate(24 * time.Hour); day.After(f.DataThrough) {
			f.DataThrough = day
		}
	}
	got, err := c.Freshness(ctx, orgID)
	if err != nil || len(got) != len(want) {
		t.Fatalf("freshness %+v %v, want %d accounts", got, err, len(want))
	}
	for _, g := range got {
		w := want[[2]string{g.Provider, g.BillingAccount}]
		if w == nil || g.Lines != w.Lines || !g.DataThrough.Equal(w.DataThrough) || g.BillingAccountName != w.BillingAccountName ||
			g.LastImport.IsZero() || g.LastImport.After(last) {
			t.Fatalf("freshness %+v, want %+v (last import %v)", g, w, last)
		}
	}
}
