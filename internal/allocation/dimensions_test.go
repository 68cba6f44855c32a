package allocation

import (
	"testing"

	"github.com/canopyhq/canopy/internal/costs"
)

// Every rule dimension the issue names places a line (or a licence seat's
// user) when its value matches and leaves it alone otherwise: tag (through
// the aliases' normaliser), subscription/account, resource group, service,
// region, resource name pattern, and the holders' Department, CompanyName,
// Country, OfficeLocation and extension attributes.
func TestEveryDimensionPlacesItsLines(t *testing.T) {
	line := costs.AllocKey{Provider: "Microsoft", BillingAccount: "ba-1", SubAccount: "sub-prod", ResourceGroup: "rg-web",
		Service: "Virtual Machines", Category: "Compute", Region: "westeurope", Resource: "/subscriptions/sub-prod/resourcegroups/rg-web/providers/x/vm-web-01",
		ResourceName: "vm-web-01", SKU: "D2s", ChargeCategory: "Usage", Tags: map[string]string{"Environment": "prod"}}
	user := User{ID: "u1", Department: "Sales", CompanyName: "Contoso GmbH", Country: "DE", OfficeLocation: "Berlin",
		Extension: map[string]string{"7": "CC-42"}}
	alias := func(k string) string {
		if k = FoldKeys(k); k == "env" {
			return "environment"
		}
		return k
	}
	cases := []struct {
		cond      Condition
		miss      func(k *costs.AllocKey, u *User)
		seat      bool
		normalise KeyNormalizer
	}{
		{Condition{Field: FieldTag, Key: "env", Op: OpIn, Values: []string{"PROD"}}, func(k *costs.AllocKey, _ *User) { k.Tags = map[string]string{"Environment": "dev"} }, false, alias},
		{Condition{Field: FieldSubAccount, Op: OpIn, Values: []string{"sub-prod"}}, func(k *costs.AllocKey, _ *User) { k.SubAccount = "sub-dev" }, false, nil},
		{Condition{Field: FieldResourceGroup, Op: OpIn, Values: []string{"RG-WEB"}}, func(k *costs.AllocKey, _ *User) { k.ResourceGroup = "rg-data" }, false, nil},
		{Condition{Field: FieldService, Op: OpIn, Values: []string{"virtual machines"}}, func(k *costs.AllocKey, _ *User) { k.Service = "Storage" }, false, nil},
		{Condition{Field: FieldRegion, Op: OpNotIn, Values: []string{"eastus"}}, func(k *costs.AllocKey, _ *User) { k.Region = "eastus" }, false, nil},
		{Condition{Field: FieldResourceName, Op: OpMatches, Values: []string{"vm-web-??"}}, func(k *costs.AllocKey, _ *User) { k.ResourceName = "vm-web-100" }, false, nil},
		{Condition{Field: FieldUserDepartment, Op: OpIn, Values: []string{"sales"}}, func(_ *costs.AllocKey, u *User) { u.Department = "Engineering" }, true, nil},
		{Condition{Field: FieldUserCompany, Op: OpMatches, Values: []string{"contoso*"}}, func(_ *costs.AllocKey, u *User) { u.CompanyName = "Fabrikam" }, true, nil},
		{Condition{Field: FieldUserCountry, Op: OpIn, Values: []string{"de"}}, func(_ *costs.AllocKey, u *User) { u.Country = "FR" }, true, nil},
		{Condition{Field: FieldUserOffice, Op: OpExists}, func(_ *costs.AllocKey, u *User) { u.OfficeLocation = "" }, true, nil},
		{Condition{Field: FieldUserExtension, Key: "7", Op: OpIn, Values: []string{"CC-42"}}, func(_ *costs.AllocKey, u *User) { u.Extension = map[string]string{"6": "CC-42"} }, true, nil},
	}
	day := epochDay(date("2026-03-10"))
	for _, tc := range cases {
		rs := Ruleset{Rules: []Rule{{ID: "r", Name: "r", Group: "web", Conditions: []Condition{tc.cond}}}}
		if err := rs.Validate(testGroups); err != nil {
			t.Fatalf("%s: %v", tc.cond.Field, err)
		}
		m := compile(&rs, tc.normalise)
		k, u := line, user
		k.Tags = map[string]string{"Environment": "prod"}
		u.Extension = map[string]string{"7": "CC-42"}
		var seat *User
		if tc.seat {
			seat = &u
			if m.first(&k, nil, day) != -1 {
				t.Fatalf("%s: a user condition placed a line without a seat", tc.cond.Field)
			}
		}
		if m.first(&k, seat, day) != 0 {
			t.Fatalf("%s %s %v: no match on %+v %+v", tc.cond.Field, tc.cond.Op, tc.cond.Values, k, u)
		}
		tc.miss(&k, &u)
		if m.first(&k, seat, day) != -1 {
			t.Fatalf("%s %s %v: matched after the value changed: %+v %+v", tc.cond.Field, tc.cond.Op, tc.cond.Values, k, u)
		}
	}
}
