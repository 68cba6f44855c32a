package store

import (
	"context"
	"time"
)

// ConnectionCheck is the latest connection-doctor result for one feature.
type ConnectionCheck struct {
	Feature  string
	Needs    string // the permission or role the feature needs
	Granted  bool
	Detail   string
	Fix      string // help page slug, "" when nothing to fix
	ProbedAt time.Time
}

// ReplaceChecks stores a doctor run's results in place of the previous
// ones, in one transaction, in the order given.
func (s *Store) ReplaceChecks(ctx context.Context, orgID, connectionID string, checks []ConnectionCheck) error {
	return s.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.GetConnection(ctx, orgID, connectionID); err != nil {
			return err
		}
		if _, err := tx.w().exec(ctx, `DELETE FROM connection_checks WHERE org_id = ? AND connection_id = ?`,
			orgID, connectionID); err != nil {
			return err
		}
		for i, c := range checks {
			if _, err := tx.w().exec(ctx, `INSERT INTO connection_checks (org_id, connection_id, feature, position, needs,
				granted, detail, fix, probed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, orgID, connectionID, c.Feature, i,
				c.Needs, c.Granted, c.Detail, c.Fix, c.ProbedAt.UTC()); err != nil {
				return err
			}
		}
		return nil
	})
}

// ListChecks returns a connection's latest doctor results in probe order.
func (q *Queries) ListChecks(ctx context.Context, orgID, connectionID string) ([]ConnectionCheck, error) {
	rows, err := q.r().query(ctx, `SELECT feature, needs, granted, detail, fix, probed_at FROM connection_checks
		WHERE org_id = ? AND connection_id = ? ORDER BY position`, orgID, connectionID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(s scanner) (ConnectionCheck, error) {
		var c ConnectionCheck
		err := s.Scan(&c.Feature, &c.Needs, &c.Granted, &c.Detail, &c.Fix, &c.ProbedAt)
		c.ProbedAt = c.ProbedAt.UTC()
		return c, err
	})
}
