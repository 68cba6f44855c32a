package connect

import (
	"context"

	"github.com/canopyhq/canopy/internal/store"
)

// SyncResources stores the complete resource listing of one of the
// connection's subscriptions (accounts) in the inventory: new resources
// are added, known ones refreshed with their tags merged with Canopy's
// pending edits (conflicts go to the inbox), and the subscription's
// resources missing from list are marked deleted. A resource's nil Tags
// leave its stored tags alone (the access level does not read them).
// provider is the kind's label (e.g. "Microsoft Azure"). Calling it again
// with the same listing changes nothing, so a resumed sync may repeat it.
func (r *Run) SyncResources(ctx context.Context, provider, subAccount string, list []store.SyncedResource) (store.ResourceSyncResult, error) {
	return r.svc.Store.SyncResources(ctx, store.ResourceListing{OrgID: r.conn.OrgID, ConnectionID: r.conn.ID,
		Provider: provider, SubAccount: subAccount, At: r.svc.Now()}, list)
}
