package allocation_test

import (
	"testing"

	"github.com/canopyhq/canopy/internal/allocation"
	"github.com/canopyhq/canopy/internal/inventory"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// A virtual resource (a support contract that exists only in Canopy) is
// distributed like any other cost: created after the rules were saved, its
// monthly lines are placed by a tag rule through a fixed split, the group
// totals include them, and "why is this here" shows the rule and the split.
func TestVirtualResourceCostIsAllocatedLikeAnyOther(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		split := allocation.Split{Name: "support share", Method: allocation.SplitFixed,
			Shares: []allocation.Share{{Group: f.web.ID, Percent: "60"}, {Group: f.data.ID, Percent: "40"}}}
		saved := f.save(t, allocation.Ruleset{Splits: []allocation.Split{split}, Rules: []allocation.Rule{
			{Name: "web team", Group: f.web.ID, Conditions: []allocation.Condition{tag("team", "web")}},
			{Name: "data team", Group: f.data.ID, Conditions: []allocation.Condition{tag("team", "data")}},
		}})
		rs := saved.Version.Ruleset
		rs.Rules = append(rs.Rules, allocation.Rule{Name: "shared contracts", Split: rs.Splits[0].ID,
			Conditions: []allocation.Condition{tag("costcenter", "shared")}})
		f.save(t, rs)
		if got := f.totals(t, 0, march, may); !same(got, map[string]string{"Web": "300", "Data": "110", "Unallocated": "77.5"}) {
			t.Fatalf("before the virtual resource: %v", got)
		}
		v, err := inventory.New(f.st).CreateVirtual(f.ctx, f.p, f.who, inventory.VirtualInput{Name: "Support contract",
			Amount: "1000", Currency: "USD", From: "2026-03", To: "2026-04", Tags: map[string]string{"costcenter": "shared"}})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"Web": "1500", "Data": "910", "Unallocated": "77.5"}
		if got := f.totals(t, 0, march, may); !same(got, want) {
			t.Fatalf("with the virtual resource: %v, want %v", got, want)
		}
		xs, err := f.svc.Explain(f.ctx, f.p, v.ResourceID, nil, march, may)
		if err != nil {
			t.Fatal(err)
		}
		if len(xs) != 1 || xs[0].Rule == nil || xs[0].Rule.Name != "shared contracts" || xs[0].Split == nil || len(xs[0].Portions) != 2 {
			t.Fatalf("why is the support contract here: %+v", xs)
		}
		for _, p := range xs[0].Portions {
			if p.Via != allocation.ViaSplit || (p.Group == f.web.ID) != (p.Measures.Billed.String() == "1200") {
				t.Fatalf("split portion %+v", p)
			}
		}
	})
}
