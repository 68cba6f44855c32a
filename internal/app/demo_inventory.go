package app

import (
	"context"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/inventory"
)

// seedDemoInventory fills the demo's resource inventory from its cost
// data, reads the generated cost-center and env keys as CostCenter and
// Environment, requires CostCenter, and adds a virtual support contract,
// so the Resources pages show something at once.
func (a *App) seedDemoInventory(ctx context.Context, sys *auth.Principal, now time.Time) error {
	svc := inventory.New(a.Store)
	if _, err := svc.RefreshOrg(ctx, inventoryActor, sys.Org.ID); err != nil {
		return err
	}
	for alias, canonical := range map[string]string{"cost-center": "CostCenter", "env": "Environment"} {
		if _, err := svc.SetAlias(ctx, sys, inventoryActor, alias, canonical); err != nil {
			return err
		}
	}
	if _, err := svc.CreatePolicy(ctx, sys, inventoryActor, inventory.PolicyInput{Key: "CostCenter",
		Description: "Every resource is charged to a cost centre."}); err != nil {
		return err
	}
	cur := string(sys.Org.ReportingCurrency)
	if cur == "" {
		cur = "USD"
	}
	_, err := svc.CreateVirtual(ctx, sys, inventoryActor, inventory.VirtualInput{Name: "Support contract",
		Description: "Premier support, billed monthly outside the cloud invoices", Amount: "2500.00", Currency: cur,
		From: demoCostStart(now).Format("2006-01"), Tags: map[string]string{"CostCenter": "CC-1001", "Environment": "prod"}})
	return err
}
