package store

import (
	"context"

	"github.com/canopyhq/canopy/internal/domain"
)

const orgCols = `id, name, mfa_required, reporting_currency, created_at, updated_at`

func scanOrg(s scanner) (domain.Org, error) {
	var o domain.Org
	err := s.Scan(&o.ID, &o.Name, &o.MFARequired, &o.ReportingCurrency, &o.CreatedAt, &o.UpdatedAt)
	o.CreatedAt, o.UpdatedAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	return o, err
}

// CreateOrg inserts an organisation (reporting in USD unless set).
func (q *Queries) CreateOrg(ctx context.Context, o domain.Org) error {
	if o.ReportingCurrency == "" {
		o.ReportingCurrency = domain.DefaultReportingCurrency
	}
	_, err := q.w().exec(ctx, `INSERT INTO orgs (`+orgCols+`) VALUES (?, ?, ?, ?, ?, ?)`,
		o.ID, o.Name, o.MFARequired, o.ReportingCurrency, o.CreatedAt, o.UpdatedAt)
	return err
}

// GetOrg returns one organisation.
func (q *Queries) GetOrg(ctx context.Context, id string) (domain.Org, error) {
	o, err := scanOrg(q.r().row(ctx, `SELECT `+orgCols+` FROM orgs WHERE id = ?`, id))
	return o, notFound(err, "organisation")
}

// UpdateOrg saves an organisation's settings.
func (q *Queries) UpdateOrg(ctx context.Context, o domain.Org) error {
	res, err := q.w().exec(ctx, `UPDATE orgs SET name = ?, mfa_required = ?, reporting_currency = ?, updated_at = ? WHERE id = ?`,
		o.Name, o.MFARequired, o.ReportingCurrency, o.UpdatedAt, o.ID)
	return mustAffect(res, err, "organisation")
}

// ListUserOrgs returns the organisations where a user's membership is
// active, by name.
func (q *Queries) ListUserOrgs(ctx context.Context, userID string) ([]domain.Org, error) {
	rows, err := q.r().query(ctx, `SELECT o.id, o.name, o.mfa_required, o.reporting_currency, o.created_at, o.updated_at
		FROM orgs o JOIN memberships m ON m.org_id = o.id
		WHERE m.user_id = ? AND m.status = 'active' ORDER BY o.name, o.id`, userID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanOrg)
}

// GetOrgByName returns the organisation with exactly this name (the oldest
// one if several share it).
func (q *Queries) GetOrgByName(ctx context.Context, name string) (domain.Org, error) {
	o, err := scanOrg(q.r().row(ctx, `SELECT `+orgCols+` FROM orgs WHERE name = ? ORDER BY created_at, id LIMIT 1`, name))
	return o, notFound(err, "organisation")
}
