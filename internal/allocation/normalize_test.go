package allocation_test

import (
	"testing"

	"github.com/canopyhq/canopy/internal/allocation"
	"github.com/canopyhq/canopy/internal/inventory"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// A rule on the canonical tag key matches lines tagged with an alias of
// it (Team, team, squad → Team), and the coverage report's custom-group
// grouping places inventory resources with the same rules.
func TestRulesFollowTagAliasesAndGroupCoverage(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		inv := inventory.New(f.st)
		if _, err := inv.SetAlias(f.ctx, f.p, f.who, "squad", "Team"); err != nil {
			t.Fatal(err)
		}
		f.save(t, allocation.Ruleset{Rules: []allocation.Rule{
			{Name: "web", Group: f.web.ID, Conditions: []allocation.Condition{tag("Team", "web")}},
			{Name: "data", Group: f.data.ID, Conditions: []allocation.Condition{tag("squad", "data")}},
		}})
		if got := f.totals(t, 0, march, may); !same(got, map[string]string{"Web": "300", "Data": "110", "Unallocated": "77.5"}) {
			t.Fatalf("with aliases: %v", got)
		}
		g, err := f.svc.CoverageGrouping(f.ctx, f.p.Org.ID)
		if err != nil {
			t.Fatal(err)
		}
		web := store.Resource{ResourceID: "/subscriptions/s9/x", CloudTags: map[string]string{"squad": "web"}}
		none := store.Resource{ResourceID: "/subscriptions/s9/y", CloudTags: map[string]string{}}
		if a, b := g.Label(web), g.Label(none); a != "Web" || b != "Unallocated" {
			t.Fatalf("coverage grouping: %q, %q", a, b)
		}
	})
}
