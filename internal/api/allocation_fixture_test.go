package api_test

import (
	"github.com/canopyhq/canopy/internal/allocation"
	"github.com/canopyhq/canopy/internal/auth"
)

// seedAllocation gives a tenant a custom group, versions of a rule set
// (Alpha one, Beta three, so Beta's version 3 is no version of Alpha's even after a test saves one more) and
// a licence price mapping.
func (f *fixture) seedAllocation(p *auth.Principal, slug string, versions int) (groupID string, version int, part string) {
	f.t.Helper()
	svc, who := allocation.New(f.st), p.Actor("127.0.0.1", testUA)
	g, err := svc.CreateGroup(f.ctx, p, who, allocation.GroupInput{Name: slug + " unit"})
	if err != nil {
		f.t.Fatal(err)
	}
	for i := range versions {
		rs := allocation.Ruleset{Splits: []allocation.Split{}, Rules: []allocation.Rule{{Name: slug + " rule", Group: g.ID,
			Conditions: []allocation.Condition{{Field: allocation.FieldTag, Key: "team", Op: allocation.OpIn, Values: []string{slug, string(rune('a' + i))}}}}}}
		saved, err := svc.SaveRuleset(f.ctx, p, who, 0, rs, "seed")
		if err != nil {
			f.t.Fatal(err)
		}
		version = saved.Version.Number
	}
	part = "SPE_" + slug
	if err := svc.SetLicencePrice(f.ctx, p, who, allocation.LicencePrice{SkuPartNumber: part, CostSKU: "CFQ:" + slug}); err != nil {
		f.t.Fatal(err)
	}
	return g.ID, version, part
}
