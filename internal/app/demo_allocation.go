package app

import (
	"context"

	"github.com/canopyhq/canopy/internal/allocation"
	"github.com/canopyhq/canopy/internal/auth"
)

// seedDemoAllocation gives the demo organisation business units with cost
// centres below them, rules on the generated data's tags, a shared
// networking split, and Microsoft 365 licences divided by department, so
// the Allocation area shows something real at once.
func (a *App) seedDemoAllocation(ctx context.Context, sys *auth.Principal) error {
	svc := a.Allocation
	mk := func(name, kind, parent string) (string, error) {
		g, err := svc.CreateGroup(ctx, sys, cliActor, allocation.GroupInput{Name: name, Kind: kind, ParentID: parent})
		return g.ID, err
	}
	ids := map[string]string{}
	for _, g := range []struct{ name, kind, parent string }{
		{"Platform", allocation.KindBusinessUnit, ""}, {"Data & AI", allocation.KindBusinessUnit, ""},
		{"Commerce", allocation.KindBusinessUnit, ""}, {"Corporate IT", allocation.KindBusinessUnit, ""},
		{"Payments", allocation.KindCostCenter, "Commerce"}, {"Search", allocation.KindCostCenter, "Commerce"},
		{"Mobile", allocation.KindCostCenter, "Commerce"}, {"Identity", allocation.KindCostCenter, "Platform"},
		{"Sales & Marketing", allocation.KindBusinessUnit, ""},
	} {
		id, err := mk(g.name, g.kind, ids[g.parent])
		if err != nil {
			return err
		}
		ids[g.name] = id
	}
	tag := func(key string, values ...string) []allocation.Condition {
		return []allocation.Condition{{Field: allocation.FieldTag, Key: key, Op: allocation.OpIn, Values: values}}
	}
	dept := func(values ...string) []allocation.Condition {
		return []allocation.Condition{{Field: allocation.FieldUserDepartment, Op: allocation.OpIn, Values: values}}
	}
	rule := func(name, group string, c []allocation.Condition) allocation.Rule {
		return allocation.Rule{Name: name, Group: ids[group], Conditions: c}
	}
	rs := allocation.Ruleset{
		Splits: []allocation.Split{{ID: "spl_demo_network", Name: "Shared network by own spend", Method: allocation.SplitProportional,
			Shares: []allocation.Share{{Group: ids["Platform"]}, {Group: ids["Data & AI"]}, {Group: ids["Commerce"]}}}},
		Rules: []allocation.Rule{
			rule("Payments team", "Payments", tag("team", "payments")),
			rule("Search team", "Search", tag("team", "search")),
			rule("Mobile team", "Mobile", tag("team", "mobile")),
			rule("Identity team", "Identity", tag("team", "identity")),
			rule("Platform team", "Platform", tag("team", "platform")),
			rule("Data and ML teams", "Data & AI", tag("team", "data", "ml")),
			rule("Finance IT", "Corporate IT", tag("team", "finance-it")),
			{Name: "Shared networking", Split: "spl_demo_network", Conditions: []allocation.Condition{
				{Field: allocation.FieldCategory, Op: allocation.OpIn, Values: []string{"Networking"}}}},
			rule("Licences: sales and marketing", "Sales & Marketing", dept("Sales", "Marketing")),
			rule("Licences: engineering and research", "Platform", dept("Engineering", "Research")),
			rule("Licences: everyone else", "Corporate IT", []allocation.Condition{{Field: allocation.FieldUserDepartment, Op: allocation.OpExists}}),
		},
	}
	if _, err := svc.SaveRuleset(ctx, sys, cliActor, 0, rs, "demo rules"); err != nil {
		return err
	}
	for part, sku := range map[string]string{"SPE_E3": "CFQ7TTC0LFLX:0002", "SPE_E5": "CFQ7TTC0LFLZ:0002", "POWER_BI_PRO": "CFQ7TTC0L3PB:0001", "VISIOCLIENT": "CFQ7TTC0KXN9:0001"} {
		if err := svc.SetLicencePrice(ctx, sys, cliActor, allocation.LicencePrice{SkuPartNumber: part, CostSKU: sku}); err != nil {
			return err
		}
	}
	return nil
}
