package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// CostGroup is a custom group (business unit, cost centre, project);
// Owners are user IDs.
type CostGroup struct {
	OrgID, ID, ParentID, Name, Kind, Description string
	Owners                                       []string
	CreatedAt, UpdatedAt                         time.Time
}

const costGroupCols = `org_id, id, parent_id, name, kind, description, owners, created_at, updated_at`

func scanCostGroup(s scanner) (CostGroup, error) {
	var g CostGroup
	var parent sql.NullString
	var owners string
	if err := s.Scan(&g.OrgID, &g.ID, &parent, &g.Name, &g.Kind, &g.Description, &owners, &g.CreatedAt, &g.UpdatedAt); err != nil {
		return g, err
	}
	g.ParentID, g.CreatedAt, g.UpdatedAt = parent.String, g.CreatedAt.UTC(), g.UpdatedAt.UTC()
	return g, json.Unmarshal([]byte(owners), &g.Owners)
}

func ownersText(o []string) string {
	if o == nil {
		o = []string{}
	}
	b, _ := json.Marshal(o)
	return string(b)
}

func groupNameConflict(err error) error {
	if isUniqueViolation(err) {
		return domain.FieldError("name", "Another group already has this name.")
	}
	return err
}

// CreateCostGroup inserts g (ID and timestamps set here).
func (q *Queries) CreateCostGroup(ctx context.Context, g CostGroup) (CostGroup, error) {
	now := domain.Now()
	if g.ID == "" {
		g.ID = domain.NewID("grp_")
	}
	g.CreatedAt, g.UpdatedAt = now, now
	_, err := q.w().exec(ctx, `INSERT INTO cost_groups (`+costGroupCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		g.OrgID, g.ID, nullIfEmpty(g.ParentID), g.Name, g.Kind, g.Description, ownersText(g.Owners), now, now)
	return g, groupNameConflict(err)
}

// UpdateCostGroup writes g's parent, name, kind, description and owners.
func (q *Queries) UpdateCostGroup(ctx context.Context, g CostGroup) error {
	res, err := q.w().exec(ctx, `UPDATE cost_groups SET parent_id = ?, name = ?, kind = ?, description = ?, owners = ?,
		updated_at = ? WHERE org_id = ? AND id = ?`, nullIfEmpty(g.ParentID), g.Name, g.Kind, g.Description,
		ownersText(g.Owners), domain.Now(), g.OrgID, g.ID)
	return mustAffect(res, groupNameConflict(err), "group")
}

// DeleteCostGroup removes a group; its children move to its parent.
func (q *Queries) DeleteCostGroup(ctx context.Context, orgID, id string) error {
	g, err := q.GetCostGroup(ctx, orgID, id)
	if err != nil {
		return err
	}
	if _, err := q.w().exec(ctx, `UPDATE cost_groups SET parent_id = ? WHERE org_id = ? AND parent_id = ?`,
		nullIfEmpty(g.ParentID), orgID, id); err != nil {
		return err
	}
	res, err := q.w().exec(ctx, `DELETE FROM cost_groups WHERE org_id = ? AND id = ?`, orgID, id)
	return mustAffect(res, err, "group")
}

// GetCostGroup returns one group of the organisation.
func (q *Queries) GetCostGroup(ctx context.Context, orgID, id string) (CostGroup, error) {
	g, err := scanCostGroup(q.w().row(ctx, `SELECT `+costGroupCols+` FROM cost_groups WHERE org_id = ? AND id = ?`, orgID, id))
	return g, notFound(err, "group")
}

// ListCostGroups returns the organisation's groups by name.
func (q *Queries) ListCostGroups(ctx context.Context, orgID string) ([]CostGroup, error) {
	rows, err := q.w().query(ctx, `SELECT `+costGroupCols+` FROM cost_groups WHERE org_id = ? ORDER BY name, id`, orgID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanCostGroup)
}
