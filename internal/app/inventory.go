package app

import (
	"context"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/inventory"
)

// inventoryActor is who the automatic inventory refresh acts as (its
// virtual resources' cost lines are imported by it).
var inventoryActor = audit.Actor{Email: "canopy", IP: "local", UserAgent: "resource inventory refresh"}

// afterCostData runs after an import or a connection sync stored new
// cost data: the inventory learns new resources and budgets are checked.
func (a *App) afterCostData(ctx context.Context, orgID string) {
	a.refreshInventory(ctx, orgID)
	a.Budgets.AfterImport(ctx, orgID)
}

// refreshInventory adds the resources new cost data names to the
// organisation's inventory, after an import or a connection sync.
func (a *App) refreshInventory(ctx context.Context, orgID string) {
	res, err := inventory.New(a.Store).RefreshOrg(ctx, inventoryActor, orgID)
	if err != nil {
		a.Log.Warn("refresh the resource inventory from cost data", "org", orgID, "err", err)
		return
	}
	a.Log.Info("resource inventory refreshed", "org", orgID, "seen", res.Seen, "added", res.Added)
}
