package app

import (
	"context"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/inventory"
)

// inventoryActor is who the automatic inventory refresh acts as (its
// virtual resources' cost lines are imported by it).
var inventoryActor = audit.Actor{Email: "canopy", IP: "local", UserAgent: "resource inventory refresh"}

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
