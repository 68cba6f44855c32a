package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// CostMonth is one month of cost facts as PostgreSQL partitions.
type CostMonth struct {
	Month    time.Time // its first day, UTC
	Lines    int64     // cost lines stored, all organisations
	Bytes    int64     // disk size of its four partitions with their indexes
	Archived bool      // detached by DropMonth(archive): kept as tables, not read
}

// DropMonthResult is what DropMonth removed: lines by organisation.
type DropMonthResult struct {
	Month    time.Time
	Lines    map[string]int64
	Archived bool
}

// errNeedsPartitions refuses month operations on SQLite.
var errNeedsPartitions = domain.Errorf(domain.CodeInvalid, "dropping a month of cost facts needs PostgreSQL (its cost tables are partitioned by month); SQLite keeps one file")

// Months lists the months with cost partitions, attached and archived,
// oldest first (PostgreSQL).
func (c *Costs) Months(ctx context.Context) ([]CostMonth, error) {
	if c.db.Engine != Postgres {
		return nil, errNeedsPartitions
	}
	rows, err := c.writer().query(ctx, `SELECT relname FROM pg_class WHERE relkind IN ('r', 'p')
		AND relnamespace = current_schema()::regnamespace AND relname ~ '^cost_segments_[pa][0-9]{6}$' ORDER BY substr(relname, 16)`)
	if err != nil {
		return nil, err
	}
	names, err := scanAll(rows, func(s scanner) (string, error) {
		var n string
		return n, s.Scan(&n)
	})
	if err != nil {
		return nil, err
	}
	out := make([]CostMonth, 0, len(names))
	for _, n := range names {
		m, err := c.month(ctx, n)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// month reads the figures of the month whose segment partition is name.
func (c *Costs) month(ctx context.Context, name string) (CostMonth, error) {
	sfx := strings.TrimPrefix(name, "cost_segments")
	mo, err := time.Parse("200601", sfx[2:])
	if err != nil {
		return CostMonth{}, fmt.Errorf("cost partition %s: %w", name, err)
	}
	m := CostMonth{Month: mo, Archived: sfx[1] == 'a'}
	var sizes []string
	for _, t := range monthTables {
		sizes = append(sizes, "COALESCE(pg_total_relation_size(to_regclass('"+t+sfx+"')), 0)")
	}
	err = c.writer().row(ctx, `SELECT (SELECT COALESCE(SUM(line_count), 0) FROM `+name+`), `+strings.Join(sizes, " + ")).Scan(&m.Lines, &m.Bytes)
	return m, err
}

// ParseMonth reads a month as YYYY-MM.
func ParseMonth(s string) (time.Time, error) {
	m, err := time.Parse("2006-01", s)
	if err != nil {
		return time.Time{}, domain.FieldError("month", "%q is not a month: use YYYY-MM, like 2025-01", s)
	}
	return m, nil
}

// DropMonth removes the cost facts charged in month (PostgreSQL). With
// orgID it deletes that organisation's rows from the month's partitions,
// in a transaction that waits for the organisation's imports. Without, it
// detaches the month's four partitions from every organisation's store
// (DETACH PARTITION CONCURRENTLY: reads and imports of other months go
// on) and drops them, or with archive keeps them as tables named
// <table>_aYYYYMM for pg_dump and a later ATTACH PARTITION. Each step is
// one table; when one fails, running it again finishes the month.
func (c *Costs) DropMonth(ctx context.Context, month time.Time, orgID string, archive bool) (DropMonthResult, error) {
	if c.db.Engine != Postgres {
		return DropMonthResult{}, errNeedsPartitions
	}
	m := monthStart(epochDay(month))
	res := DropMonthResult{Month: time.Unix(m*86400, 0).UTC(), Lines: map[string]int64{}, Archived: archive && orgID == ""}
	if orgID != "" {
		return res, c.deleteOrgMonth(ctx, orgID, m, res.Lines)
	}
	return res, c.detachMonth(ctx, m, archive, res.Lines)
}

// deleteOrgMonth deletes one organisation's facts of the month from m.
func (c *Costs) deleteOrgMonth(ctx context.Context, orgID string, m int64, lines map[string]int64) error {
	hi := monthStart(m + 31)
	return inWriteTx(ctx, c.db, func(cn conn) error {
		if err := c.lockOrg(ctx, cn, orgID); err != nil {
			return err
		}
		var n int64
		if err := cn.row(ctx, `SELECT COALESCE(SUM(line_count), 0) FROM cost_segments WHERE org_id = ? AND day_min >= ? AND day_min < ?`,
			orgID, m, hi).Scan(&n); err != nil {
			return err
		}
		for _, t := range monthTables {
			key := "charge_day"
			if strings.HasSuffix(t, "segments") {
				key = "day_min"
			}
			if _, err := cn.exec(ctx, `DELETE FROM `+t+` WHERE org_id = ? AND `+key+` >= ? AND `+key+` < ?`, orgID, m, hi); err != nil {
				return err
			}
		}
		if n > 0 {
			lines[orgID] = n
		}
		return bumpCostStamp(ctx, cn, orgID)
	})
}

// detachMonth detaches (and drops, or renames for archive) the month's
// partitions, counting its lines by organisation first. Every
// organisation's cost data stamp changes afterwards, even when a step
// failed (some partitions may be gone).
func (c *Costs) detachMonth(ctx context.Context, m int64, archive bool, lines map[string]int64) (err error) {
	defer func() {
		if berr := bumpCostStamp(context.WithoutCancel(ctx), c.writer(), ""); err == nil {
			err = berr
		}
	}()
	sc, err := c.db.W.Conn(ctx)
	if err != nil {
		return err
	}
	defer sc.Close()
	cn, sfx := conn{q: sc, engine: c.db.Engine}, partitionSuffix(m)
	var found int
	if err := cn.row(ctx, `SELECT COUNT(*) FROM pg_inherits WHERE inhrelid IN (`+regclasses(sfx)+`)`).Scan(&found); err != nil {
		return err
	}
	if found == 0 {
		return domain.Errorf(domain.CodeNotFound, "no cost facts are stored for %s", time.Unix(m*86400, 0).UTC().Format("2006-01"))
	}
	if err := c.countByOrg(ctx, cn, "cost_segments"+sfx, lines); err != nil {
		return err
	}
	for _, t := range monthTables {
		if err := detachOne(ctx, cn, t, t+sfx, archive); err != nil {
			return fmt.Errorf("%s%s: %w", t, sfx, err)
		}
	}
	return nil
}

func regclasses(sfx string) string {
	var parts []string
	for _, t := range monthTables {
		parts = append(parts, "to_regclass('"+t+sfx+"')")
	}
	return strings.Join(parts, ", ")
}

func (c *Costs) countByOrg(ctx context.Context, cn conn, table string, lines map[string]int64) error {
	var exists bool
	if err := cn.row(ctx, `SELECT to_regclass('`+table+`') IS NOT NULL`).Scan(&exists); err != nil || !exists {
		return err
	}
	rows, err := cn.query(ctx, `SELECT org_id, SUM(line_count) FROM `+table+` GROUP BY org_id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var org string
		var n int64
		if err := rows.Scan(&org, &n); err != nil {
			return err
		}
		lines[org] = n
	}
	return rows.Err()
}

// detachOne detaches partition part of table if it is attached (finishing
// a detach an interrupted run left pending), then drops or renames it.
func detachOne(ctx context.Context, cn conn, table, part string, archive bool) error {
	var attached, pending bool
	err := cn.row(ctx, `SELECT COUNT(*) > 0, COALESCE(bool_or(inhdetachpending), false) FROM pg_inherits
		WHERE inhrelid = to_regclass(?) AND inhparent = to_regclass(?)`, part, table).Scan(&attached, &pending)
	if err != nil {
		return err
	}
	switch {
	case pending:
		_, err = cn.exec(ctx, `ALTER TABLE `+table+` DETACH PARTITION `+part+` FINALIZE`)
	case attached:
		_, err = cn.exec(ctx, `ALTER TABLE `+table+` DETACH PARTITION `+part+` CONCURRENTLY`)
	}
	if err != nil {
		return err
	}
	var exists bool
	if err := cn.row(ctx, `SELECT to_regclass(?) IS NOT NULL`, part).Scan(&exists); err != nil || !exists {
		return err
	}
	if archive {
		_, err = cn.exec(ctx, `ALTER TABLE `+part+` RENAME TO `+part[:len(part)-8]+"_a"+part[len(part)-6:])
		return err
	}
	_, err = cn.exec(ctx, `DROP TABLE `+part)
	return err
}

// inWriteTx runs fn in a transaction on the writer.
func inWriteTx(ctx context.Context, db *DB, fn func(cn conn) error) error {
	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	if err := fn(conn{q: tx, engine: db.Engine}); err != nil {
		return err
	}
	return tx.Commit()
}

// EnsureMonths creates the partitions of the months holding the given
// instants, each in its own short transaction (PostgreSQL; a no-op on
// SQLite). The job leader creates this month's and next month's ahead of
// the imports, so an import seldom creates one: the first import of a
// new month holds the creation lock until it commits, and another
// organisation's import of the same new month waits for it.
func (c *Costs) EnsureMonths(ctx context.Context, at ...time.Time) error {
	if c.db.Engine != Postgres {
		return nil
	}
	for _, t := range at {
		if _, err := c.writer().exec(ctx, `SELECT canopy_cost_month(?)`, monthStart(epochDay(t))); err != nil {
			return fmt.Errorf("create the cost partitions of %s: %w", t.UTC().Format("2006-01"), err)
		}
	}
	return nil
}
