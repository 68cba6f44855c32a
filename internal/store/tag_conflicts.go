package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// PrefixTagConflict prefixes tag conflicts' IDs.
const PrefixTagConflict = "tcf_"

// Tag conflict states and resolutions.
const (
	ConflictOpen     = "open"
	ConflictResolved = "resolved"

	ResolveKeepCloud  = "cloud"
	ResolveKeepCanopy = "canopy"
	ResolveCustom     = "custom"
)

// TagConflict is one key that the cloud and Canopy both changed (nil
// values: the key is absent), with its resource's name and cloud ID.
type TagConflict struct {
	OrgID, ID, ResourceID, Key string
	Base, Cloud, Canopy        *string
	DetectedAt                 time.Time
	Status, Resolution         string
	ResolvedValue              *string
	ResolvedBy                 string
	ResolvedAt                 *time.Time
	ResourceName, ResourceRef  string
}

const conflictCols = `c.org_id, c.id, c.resource_id, c.tag_key, c.base_value, c.cloud_value, c.canopy_value, c.detected_at,
	c.status, c.resolution, c.resolved_value, c.resolved_by, c.resolved_at, r.name, r.resource_id`

const conflictFrom = ` FROM tag_conflicts c JOIN resources r ON r.org_id = c.org_id AND r.id = c.resource_id `

func scanConflict(s scanner) (TagConflict, error) {
	var c TagConflict
	var base, cloud, canopy, resolved sql.NullString
	var at sql.NullTime
	err := s.Scan(&c.OrgID, &c.ID, &c.ResourceID, &c.Key, &base, &cloud, &canopy, &c.DetectedAt, &c.Status,
		&c.Resolution, &resolved, &c.ResolvedBy, &at, &c.ResourceName, &c.ResourceRef)
	c.Base, c.Cloud, c.Canopy, c.ResolvedValue = strPtr(base), strPtr(cloud), strPtr(canopy), strPtr(resolved)
	c.DetectedAt, c.ResolvedAt = c.DetectedAt.UTC(), timePtr(at)
	return c, err
}

func strPtr(n sql.NullString) *string {
	if !n.Valid {
		return nil
	}
	return &n.String
}

func (q *Queries) insertConflict(ctx context.Context, orgID, resourceID string, d TagDiff, at time.Time) error {
	_, err := q.w().exec(ctx, `INSERT INTO tag_conflicts (org_id, id, resource_id, tag_key, base_value, cloud_value,
		canopy_value, detected_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, orgID, domain.NewID(PrefixTagConflict),
		resourceID, d.Key, d.Base, d.Cloud, d.Canopy, at, ConflictOpen)
	return err
}

// OpenConflictKeys returns a resource's open conflicts: tag key -> ID.
func (q *Queries) OpenConflictKeys(ctx context.Context, orgID, resourceID string) (map[string]string, error) {
	rows, err := q.w().query(ctx, `SELECT tag_key, id FROM tag_conflicts WHERE org_id = ? AND resource_id = ? AND status = ?`,
		orgID, resourceID, ConflictOpen)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, id string
		if err := rows.Scan(&k, &id); err != nil {
			return nil, err
		}
		out[k] = id
	}
	return out, rows.Err()
}

// OpenTagConflicts lists the organisation's open conflicts, oldest first.
func (q *Queries) OpenTagConflicts(ctx context.Context, orgID string) ([]TagConflict, error) {
	rows, err := q.r().query(ctx, `SELECT `+conflictCols+conflictFrom+`WHERE c.org_id = ? AND c.status = ?
		ORDER BY c.detected_at, c.id`, orgID, ConflictOpen)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanConflict)
}

// TagConflict returns one conflict of the organisation.
func (q *Queries) TagConflict(ctx context.Context, orgID, id string) (TagConflict, error) {
	c, err := scanConflict(q.w().row(ctx, `SELECT `+conflictCols+conflictFrom+`WHERE c.org_id = ? AND c.id = ?`, orgID, id))
	return c, notFound(err, "tag conflict")
}

// ResolveTagConflict closes an open conflict; one already resolved is a
// conflict error (someone else resolved it first).
func (q *Queries) ResolveTagConflict(ctx context.Context, orgID, id, resolution string, value *string, by string, at time.Time) error {
	res, err := q.w().exec(ctx, `UPDATE tag_conflicts SET status = ?, resolution = ?, resolved_value = ?, resolved_by = ?,
		resolved_at = ? WHERE org_id = ? AND id = ? AND status = ?`, ConflictResolved, resolution, value, by, at,
		orgID, id, ConflictOpen)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	if _, err := q.TagConflict(ctx, orgID, id); err != nil {
		return err
	}
	return &domain.Error{Code: domain.CodeConflict, Message: "This tag conflict is already resolved."}
}
