package azureconn

import (
	"context"
	"fmt"
	"slices"

	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/store"
)

// syncResources lists each subscription's resources, as its access level
// allows, into the inventory, after the costs (a phase of its own in the
// checkpoint). A subscription at NoResources is skipped: what the
// inventory knows of it stays as it was.
func syncResources(ctx context.Context, cl *Client, run *connect.Run, subs []Subscription, cp *syncCheckpoint) error {
	for i, s := range subs {
		level := cl.level(s.ID)
		if !level.ListsResources() || slices.Contains(cp.Resources, s.ID) {
			continue
		}
		run.Progress(int64(i), int64(len(subs)), "Resources of "+s.Name)
		var list []store.SyncedResource
		err := cl.Resources(ctx, s.ID, level, func(r Resource) error {
			list = append(list, store.SyncedResource{ResourceID: r.ID, Name: r.Name, Type: r.Type, Region: r.Location,
				ResourceGroup: r.ResourceGroup, Tags: r.Tags})
			return nil
		})
		if IsState(err, TokenIncomplete) {
			run.Warn("Subscription " + s.Name + " (" + s.ID + "): its resources could not be listed (" + brief(err) + "). Give Canopy's service principal Reader there (see /help/azure-service-principal-roles).")
			continue
		}
		if err != nil {
			return fmt.Errorf("resources of %s (%s): %w", s.Name, s.ID, err)
		}
		if _, err := run.SyncResources(ctx, connect.KindAzure.Label(), s.ID, list); err != nil {
			return fmt.Errorf("store the resources of %s (%s): %w", s.Name, s.ID, err)
		}
		cp.Resources = append(cp.Resources, s.ID)
		if err := run.SetCheckpoint(ctx, cp); err != nil {
			return err
		}
	}
	run.Progress(int64(len(subs)), int64(len(subs)), "Resources listed")
	return nil
}
