package api_test

import (
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/inventory"
)

// seededInventory is a tenant's virtual resource, tag policy and alias.
type seededInventory struct {
	resourceID, policyID, alias string
}

func (f *fixture) seedInventory(p *auth.Principal, slug string) seededInventory {
	f.t.Helper()
	svc, who := inventory.New(f.st), p.Actor("127.0.0.1", testUA)
	// One month long before the cost tests' data, so their totals stay the generator's.
	v, err := svc.CreateVirtual(f.ctx, p, who, inventory.VirtualInput{Name: "Platform fee " + slug, Amount: "100",
		Currency: "EUR", From: "2020-01", To: "2020-01"})
	if err != nil {
		f.t.Fatal(err)
	}
	pol, err := svc.CreatePolicy(f.ctx, p, who, inventory.PolicyInput{Key: "CostCenter"})
	if err != nil {
		f.t.Fatal(err)
	}
	al, err := svc.SetAlias(f.ctx, p, who, "cc-"+slug, "CostCenter")
	if err != nil {
		f.t.Fatal(err)
	}
	return seededInventory{resourceID: v.ID, policyID: pol.ID, alias: al.Alias}
}
