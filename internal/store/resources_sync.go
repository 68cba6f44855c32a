package store

import (
	"context"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// syncResourcePrefix prefixes the IDs of resources a sync adds.
const syncResourcePrefix = "res_"

// SyncedResource is one resource as a connection's sync listed it.
type SyncedResource struct {
	ResourceID, Name, Type, Region, ResourceGroup string
	// Tags are the cloud's tags; nil when the access level does not read
	// them (the stored tags are then left as they are).
	Tags map[string]string
}

// ResourceListing names what one SyncResources call lists completely: one
// subscription (account) of one connection, at one time.
type ResourceListing struct {
	OrgID, ConnectionID, Provider, SubAccount string
	At                                        time.Time
}

// ResourceSyncResult counts what a listing changed.
type ResourceSyncResult struct {
	Added, Updated, Deleted, Conflicts int
}

// SyncResources stores a complete listing in one transaction: new
// resources are added, known ones (also those first seen in cost data,
// which become "sync") updated with the three-way tag merge (MergeTags;
// new conflicts are recorded, an open one gets the cloud's latest value),
// and the listing's earlier resources that it no longer has are marked
// deleted.
func (s *Store) SyncResources(ctx context.Context, l ResourceListing, list []SyncedResource) (ResourceSyncResult, error) {
	var res ResourceSyncResult
	l.At = l.At.UTC().Truncate(time.Microsecond)
	err := s.InTx(ctx, func(tx *Tx) error {
		res = ResourceSyncResult{}
		for start := 0; start < len(list); start += 500 {
			if err := tx.syncChunk(ctx, l, list[start:min(start+500, len(list))], &res); err != nil {
				return err
			}
		}
		r, err := tx.w().exec(ctx, `UPDATE resources SET deleted_at = ? WHERE org_id = ? AND connection_id = ?
			AND provider = ? AND sub_account = ? AND source = ? AND deleted_at IS NULL AND last_seen <> ?`,
			l.At, l.OrgID, l.ConnectionID, l.Provider, l.SubAccount, ResourceFromSync, l.At)
		if err != nil {
			return err
		}
		n, err := r.RowsAffected()
		res.Deleted = int(n)
		return err
	})
	return res, err
}

func (q *Queries) syncChunk(ctx context.Context, l ResourceListing, list []SyncedResource, res *ResourceSyncResult) error {
	known, err := q.resourcesByKey(ctx, l.OrgID, l.Provider, list)
	if err != nil {
		return err
	}
	for _, item := range list {
		old, ok := known[strings.ToLower(item.ResourceID)]
		if !ok {
			if err := q.insertSynced(ctx, l, item); err != nil {
				return err
			}
			res.Added++
			continue
		}
		n, err := q.updateSynced(ctx, l, old, item)
		if err != nil {
			return err
		}
		res.Updated++
		res.Conflicts += n
	}
	return nil
}

// resourcesByKey loads the provider's resources with the listed keys.
func (q *Queries) resourcesByKey(ctx context.Context, orgID, provider string, list []SyncedResource) (map[string]Resource, error) {
	args := []any{orgID, provider}
	marks := make([]string, 0, len(list))
	for _, item := range list {
		args = append(args, strings.ToLower(item.ResourceID))
		marks = append(marks, "?")
	}
	out := map[string]Resource{}
	if len(marks) == 0 {
		return out, nil
	}
	rows, err := q.w().query(ctx, `SELECT `+resourceCols+` FROM resources WHERE org_id = ? AND provider = ?
		AND resource_key IN (`+strings.Join(marks, ",")+`)`, args...)
	if err != nil {
		return nil, err
	}
	list2, err := scanAll(rows, scanResource)
	for _, r := range list2 {
		out[r.Key] = r
	}
	return out, err
}

func (q *Queries) insertSynced(ctx context.Context, l ResourceListing, item SyncedResource) error {
	tags := tagsText(item.Tags)
	var synced *time.Time
	if item.Tags != nil {
		synced = &l.At
	}
	_, err := q.w().exec(ctx, `INSERT INTO resources (org_id, id, provider, resource_key, resource_id, name, type, region,
		sub_account, resource_group, connection_id, source, cloud_tags, base_tags, tags_synced_at, first_seen, last_seen)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		l.OrgID, domain.NewID(syncResourcePrefix), l.Provider, strings.ToLower(item.ResourceID), item.ResourceID,
		item.Name, item.Type, item.Region, l.SubAccount, item.ResourceGroup, l.ConnectionID, ResourceFromSync,
		tags, tags, optTime(synced), l.At, l.At)
	return err
}

// updateSynced refreshes a known resource and merges its tags; it returns
// how many conflicts it recorded.
func (q *Queries) updateSynced(ctx context.Context, l ResourceListing, old Resource, item SyncedResource) (int, error) {
	_, err := q.w().exec(ctx, `UPDATE resources SET resource_id = ?, name = ?, type = ?, region = ?, sub_account = ?,
		resource_group = ?, connection_id = ?, source = ?, last_seen = ?, deleted_at = NULL WHERE org_id = ? AND id = ?`,
		item.ResourceID, item.Name, item.Type, item.Region, l.SubAccount, item.ResourceGroup, l.ConnectionID,
		ResourceFromSync, l.At, old.OrgID, old.ID)
	if err != nil || item.Tags == nil {
		return 0, err
	}
	return q.MergeCloudTags(ctx, old, item.Tags, l.At)
}

// MergeCloudTags merges cloud, the tags the cloud has now, into r's tag
// sets (MergeTags), stores them and records the conflicts not yet open;
// an open conflict's cloud value is refreshed. It returns how many
// conflicts it recorded.
func (q *Queries) MergeCloudTags(ctx context.Context, r Resource, cloud map[string]string, at time.Time) (int, error) {
	open, err := q.OpenConflictKeys(ctx, r.OrgID, r.ID)
	if err != nil {
		return 0, err
	}
	openKeys := map[string]bool{}
	for k := range open {
		openKeys[k] = true
	}
	m := MergeTags(r.BaseTags, cloud, r.CanopyTags, openKeys)
	if err := q.SaveTagState(ctx, r.OrgID, r.ID, cloud, m.Base, m.Canopy, &at); err != nil {
		return 0, err
	}
	added := 0
	for _, d := range m.Conflicts {
		if id, ok := open[d.Key]; ok {
			if _, err := q.w().exec(ctx, `UPDATE tag_conflicts SET cloud_value = ? WHERE org_id = ? AND id = ?`,
				d.Cloud, r.OrgID, id); err != nil {
				return added, err
			}
			continue
		}
		if err := q.insertConflict(ctx, r.OrgID, r.ID, d, at); err != nil {
			return added, err
		}
		added++
	}
	return added, nil
}

// SaveTagState writes a resource's three tag sets (canopy nil: no pending
// edit); synced, when set, is when the cloud's tags were read.
func (q *Queries) SaveTagState(ctx context.Context, orgID, id string, cloud, base, canopy map[string]string, synced *time.Time) error {
	res, err := q.w().exec(ctx, `UPDATE resources SET cloud_tags = ?, base_tags = ?, canopy_tags = ?,
		tags_synced_at = COALESCE(?, tags_synced_at) WHERE org_id = ? AND id = ?`,
		tagsText(cloud), tagsText(base), resourceTags(canopy), optTime(synced), orgID, id)
	return mustAffect(res, err, "resource")
}

// ConnectionResources lists the resources a connection's syncs listed
// (deleted ones too), by cloud ID.
func (q *Queries) ConnectionResources(ctx context.Context, orgID, connectionID string) ([]Resource, error) {
	rows, err := q.r().query(ctx, `SELECT `+resourceCols+` FROM resources WHERE org_id = ? AND connection_id = ?
		ORDER BY resource_key`, orgID, connectionID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanResource)
}
