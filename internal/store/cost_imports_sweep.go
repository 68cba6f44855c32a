package store

import (
	"context"

	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
)

// AbandonedError is the error an import left running by a dead process
// is marked failed with.
const AbandonedError = "abandoned: the process importing it stopped"

// ImportByID implements costs.Store.
func (c *Costs) ImportByID(ctx context.Context, orgID, id string) (costs.Import, error) {
	rd := conn{q: c.db.R, engine: c.db.Engine}
	im, err := scanImport(rd.row(ctx, `SELECT id, org_id, source_key, format, file_name, billing_period_start,
		billing_period_end, row_count, totals, started_at, finished_at, status, error, created_by
		FROM cost_imports WHERE org_id = ? AND id = ?`, orgID, id))
	return im, notFound(err, "import")
}

// SweepAbandoned implements costs.Store. An import holds its
// organisation's lock (PostgreSQL: a transaction advisory lock; SQLite:
// this process's importLock) for as long as it runs, so a running row
// whose lock can be taken belongs to a process that is gone. The rows such
// an import stored (SQLite commits them as it goes) are deleted.
//
// A row whose import has been recorded but has not yet taken the lock
// may be marked too; its import then still finishes and overwrites the
// status with the real outcome.
func (c *Costs) SweepAbandoned(ctx context.Context) (int, error) {
	tx, err := c.db.W.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	cn := conn{q: tx, engine: c.db.Engine}
	rows, err := cn.query(ctx, `SELECT DISTINCT org_id FROM cost_imports WHERE status = ?`, costs.StatusRunning)
	if err != nil {
		return 0, err
	}
	orgs, err := scanAll(rows, func(s scanner) (string, error) {
		var id string
		return id, s.Scan(&id)
	})
	if err != nil {
		return 0, err
	}
	total := 0
	for _, org := range orgs {
		n, err := c.sweepOrg(ctx, cn, org)
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, tx.Commit()
}

func (c *Costs) sweepOrg(ctx context.Context, cn conn, orgID string) (int, error) {
	if c.db.Engine == SQLite {
		mu := c.db.importLock(orgID)
		if !mu.TryLock() { // an import of this org is running right now
			return 0, nil
		}
		defer mu.Unlock()
	}
	if c.db.Engine == Postgres {
		var free bool
		if err := cn.row(ctx, `SELECT pg_try_advisory_xact_lock(hashtextextended('canopy-cost-import:' || ?, 0))`,
			orgID).Scan(&free); err != nil {
			return 0, err
		}
		if !free { // an import of this org is running right now
			return 0, nil
		}
	}
	if err := c.deleteRunningRows(ctx, cn, orgID); err != nil {
		return 0, err
	}
	res, err := cn.exec(ctx, `UPDATE cost_imports SET status = ?, error = ?, finished_at = ? WHERE org_id = ? AND status = ?`,
		costs.StatusFailed, AbandonedError, domain.Now(), orgID, costs.StatusRunning)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// deleteRunningRows deletes the rows of orgID's imports still marked running.
func (c *Costs) deleteRunningRows(ctx context.Context, cn conn, orgID string) error {
	rows, err := cn.query(ctx, `SELECT num FROM cost_imports WHERE org_id = ? AND status = ?`, orgID, costs.StatusRunning)
	if err != nil {
		return err
	}
	nums, err := scanAll(rows, func(s scanner) (int64, error) {
		var n int64
		return n, s.Scan(&n)
	})
	if err != nil {
		return err
	}
	for _, n := range nums {
		if err := deleteImportRows(ctx, cn, orgID, n); err != nil {
			return err
		}
	}
	return nil
}
