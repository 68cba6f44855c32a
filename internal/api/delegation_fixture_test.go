package api_test

import (
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/delegation"
	"github.com/canopyhq/canopy/internal/store"
)

// seededDelegation is a tenant's Microsoft 365 connection with a small
// directory (alex in Sales DE holding SPE_E3, blake in Marketing FR), a
// virtual OU "Sales" with a policy and the owner delegated to it.
type seededDelegation struct {
	connID, userID, ouID, policyID, delegationID string
}

func (f *fixture) seedDelegation(p *auth.Principal, slug string) seededDelegation {
	f.t.Helper()
	var sd seededDelegation
	c, err := f.st.CreateConnection(f.ctx, store.Connection{OrgID: p.Org.ID, Kind: "m365", Name: slug + " tenant",
		Settings: []byte(`{"tenant_id":"` + slug + `.onmicrosoft.com"}`), SyncHour: 3, Enabled: true})
	if err != nil {
		f.t.Fatal(err)
	}
	sd.connID, sd.userID = c.ID, "alex"
	snap := store.DirectorySnapshot{HasSKUs: true, Users: []store.M365User{
		{ObjectID: "alex", DisplayName: "Alex", UserPrincipalName: "alex@" + slug + ".test", Department: "Sales", Country: "DE",
			AccountEnabled: true, AssignedLicenses: []byte(`[{"skuId":"sku-e3","disabledPlans":[]}]`)},
		{ObjectID: "blake", DisplayName: "Blake", UserPrincipalName: "blake@" + slug + ".test", Department: "Marketing", Country: "FR", AccountEnabled: true}},
		SKUs: []store.M365SKU{{SkuID: "sku-e3", SkuPartNumber: "SPE_E3", PrepaidEnabled: 5, ConsumedUnits: 1,
			ServicePlans: []byte(`[{"servicePlanId":"plan-yammer","servicePlanName":"YAMMER_ENTERPRISE"}]`)}}}
	if _, err := f.st.ReplaceDirectory(f.ctx, p.Org.ID, c.ID, snap, time.Now()); err != nil {
		f.t.Fatal(err)
	}
	svc, who := delegation.New(f.st), p.Actor("127.0.0.1", testUA)
	ou, err := svc.CreateOU(f.ctx, p, who, delegation.OUInput{ConnectionID: c.ID, Name: "Sales", Rules: []delegation.Rule{
		{Conditions: []delegation.Condition{{Attribute: "department", Operator: "equals", Values: []string{"sales"}}}}}})
	if err != nil {
		f.t.Fatal(err)
	}
	pol, err := svc.CreatePolicy(f.ctx, p, who, delegation.PolicyInput{Name: "Helpdesk", Actions: []delegation.Action{delegation.ActResetPassword}})
	if err != nil {
		f.t.Fatal(err)
	}
	d, err := svc.CreateDelegation(f.ctx, p, who, delegation.DelegationInput{UserID: p.User.ID, OUID: ou.ID, PolicyID: pol.ID})
	if err != nil {
		f.t.Fatal(err)
	}
	sd.ouID, sd.policyID, sd.delegationID = ou.ID, pol.ID, d.ID
	return sd
}
