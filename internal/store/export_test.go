package store

import (
	"context"
	"io/fs"
	"strings"

	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/store/costseg"
	"github.com/pressly/goose/v3"
)

// MoveLinesToLegacyTable rewrites every stored segment as cost_lines rows
// the way versions before segments stored lines (without a resource
// group, as before migration 00004), and deletes the segments, so tests
// can check the conversion of such databases.
func MoveLinesToLegacyTable(ctx context.Context, db *DB) error {
	w := conn{q: db.W, engine: db.Engine}
	rows, err := w.query(ctx, `SELECT org_id, import_num, data FROM cost_segments ORDER BY org_id, import_num, seq`)
	if err != nil {
		return err
	}
	type seg struct {
		org  string
		num  int64
		data []byte
	}
	segs, err := scanAll(rows, func(s scanner) (seg, error) {
		var g seg
		return g, s.Scan(&g.org, &g.num, &g.data)
	})
	if err != nil {
		return err
	}
	cols := "org_id, import_num, charge_day, " + legacyColumns
	insert := "INSERT INTO cost_lines (" + cols + ") VALUES (" + marks(strings.Count(cols, ",")+1) + ")"
	var blk costseg.Block
	for _, g := range segs {
		if err := costseg.Decode(g.data, &blk); err != nil {
			return err
		}
		for i := range blk.N {
			r := segRow{&blk, i}
			var lr lineRow
			r.lineRow(&lr)
			lr.dims[rgIdx].Valid = false
			args := []any{g.org, g.num, r.day()}
			for _, v := range lr.times {
				args = append(args, v)
			}
			for _, v := range lr.dims {
				args = append(args, v)
			}
			for _, v := range lr.text {
				args = append(args, v)
			}
			for _, v := range lr.amounts {
				args = append(args, v)
			}
			if _, err := w.exec(ctx, insert, append(args, lr.tagset, lr.extras)...); err != nil {
				return err
			}
		}
	}
	// Nor did those versions keep a detail rollup.
	for _, stmt := range []string{`DELETE FROM cost_segments`, `DELETE FROM cost_detail_segments`, `UPDATE cost_imports SET detail_rollup = 0`} {
		if _, err := w.exec(ctx, stmt); err != nil {
			return err
		}
	}
	return nil
}

// SetRollupFlush makes c's imports hand cost_daily rows to the writer
// every n keys, so tests can split a key across flushes.
func (c *Costs) SetRollupFlush(n int) { c.rollupFlush = n }

// SetDetailMinLines sets how many lines a cost_daily_detail row must
// stand for on average for an import to keep the table: 1 keeps it
// always, a huge figure never.
func (c *Costs) SetDetailMinLines(n int64) { c.detailLines = n }

// SetDetailProbe sets after how many lines an import may give the
// detail rollup up before its end.
func (c *Costs) SetDetailProbe(n int64) { c.detailProbe = n }

// WriteUnpartitioned makes c write as versions before migration 00029 did
// (no month partitions, segments spanning months), for tests of it.
func WriteUnpartitioned(c *Costs) { c.unpartitioned = true }

// MigrateUpTo applies the embedded migrations up to version only.
func MigrateUpTo(ctx context.Context, db *DB, version int64) error {
	p, err := testProvider(db)
	if err != nil {
		return err
	}
	_, err = p.UpTo(ctx, version)
	return err
}

// MigrateDownTo rolls the migrations after version back.
func MigrateDownTo(ctx context.Context, db *DB, version int64) error {
	p, err := testProvider(db)
	if err != nil {
		return err
	}
	_, err = p.DownTo(ctx, version)
	return err
}

func testProvider(db *DB) (*goose.Provider, error) {
	sub, err := fs.Sub(migrations, "migrations/"+string(db.Engine))
	if err != nil {
		return nil, err
	}
	dialect := goose.DialectSQLite3
	if db.Engine == Postgres {
		dialect = goose.DialectPostgres
	}
	return goose.NewProvider(dialect, db.W, sub)
}

// AggregateSQL is Aggregate answered from cost_daily wherever it can be,
// not by scanning the detail rollup (which SQLite may prefer: scanPays).
func (c *Costs) AggregateSQL(ctx context.Context, orgID string, q costs.Query) ([]costs.AggRow, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	if !onRollup(q) {
		return c.scanAggregate(ctx, orgID, q)
	}
	return c.rollupAggregate(ctx, orgID, q)
}

// ScanPays is scanPays.
func (c *Costs) ScanPays(ctx context.Context, orgID string) (bool, error) {
	return c.scanPays(ctx, orgID)
}
