package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/canopyhq/canopy/internal/domain"
)

// legacyColumns are the cost_lines columns a lineRow holds, in its order.
var legacyColumns = func() string {
	cols := []string{"charge_start", "charge_end", "billing_period_start", "billing_period_end"}
	cols = append(cols, dimKinds[:]...)
	cols = append(cols, "charge_category", "charge_class", "charge_frequency", "commitment_discount_category",
		"commitment_discount_status", "billing_currency", "pricing_currency",
		"billed_units", "billed_nanos", "effective_units", "effective_nanos", "list_units", "list_nanos",
		"contracted_units", "contracted_nanos", "pricing_qty_units", "pricing_qty_nanos",
		"consumed_qty_units", "consumed_qty_nanos", "commitment_qty_units", "commitment_qty_nanos",
		"tagset_id", "extras")
	return strings.Join(cols, ", ")
}()

// convertLegacyLines moves lines that versions before segments stored in
// cost_lines (one row per line) into cost_segments, one import per
// transaction, deleting them from cost_lines in the same transaction.
// Their cost_daily rows were written by migration 00004 and stay.
func (db *DB) convertLegacyLines(ctx context.Context) error {
	w := conn{q: db.W, engine: db.Engine}
	for {
		var org string
		var num int64
		err := w.row(ctx, `SELECT org_id, import_num FROM cost_lines LIMIT 1`).Scan(&org, &num)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("convert cost lines: %w", err)
		}
		if err := db.convertLegacyImport(ctx, org, num); err != nil {
			return fmt.Errorf("convert cost lines of import %d: %w", num, err)
		}
	}
}

func (db *DB) convertLegacyImport(ctx context.Context, orgID string, num int64) error {
	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	cn := conn{q: tx, engine: db.Engine}
	rowID := "rowid"
	if db.Engine == Postgres {
		rowID = "ctid"
	}
	w := &segmentWriter{c: cn, orgID: orgID, num: num}
	blk := newSegmentBlock()
	for offset := 0; ; offset += segmentLines {
		// Pages are read before they are written: PostgreSQL cannot
		// interleave statements on one connection.
		rows, err := cn.query(ctx, `SELECT `+legacyColumns+` FROM cost_lines WHERE org_id = ? AND import_num = ?
			ORDER BY `+rowID+` LIMIT ? OFFSET ?`, orgID, num, segmentLines, offset)
		if err != nil {
			return err
		}
		page, err := scanAll(rows, func(s scanner) (lineRow, error) {
			var r lineRow
			return r, s.Scan(r.dest()...)
		})
		if err != nil {
			return err
		}
		blk.Reset(segIntColumns, segTextColumns)
		for i := range page {
			sl := legacySegLine(&page[i])
			appendLine(blk, &sl)
		}
		if err := w.write(ctx, blk); err != nil {
			return err
		}
		if len(page) < segmentLines {
			break
		}
	}
	if _, err := cn.exec(ctx, `DELETE FROM cost_lines WHERE org_id = ? AND import_num = ?`, orgID, num); err != nil {
		return err
	}
	return tx.Commit()
}

// legacySegLine is a cost_lines row as a segment line.
func legacySegLine(r *lineRow) segLine {
	var sl segLine
	start := r.times[0]
	sl.day = floorDiv(start, 86400)
	sl.startOff, sl.length = start-sl.day*86400, r.times[1]-start
	sl.billStart, sl.billEnd = r.times[2], r.times[3]
	for i, d := range r.dims {
		sl.dims[i] = d.Int64 // 0 when NULL
	}
	for i := range r.text {
		sl.text[i], sl.textOK[i] = r.text[i].String, r.text[i].Valid
	}
	sl.text[segExtras], sl.textOK[segExtras] = r.extras.String, r.extras.Valid
	for i := range sl.amounts.v {
		u, n := r.amounts[2*i], r.amounts[2*i+1]
		sl.amounts.v[i], sl.amounts.ok[i] = domain.Amount{Units: u.Int64, Nanos: n.Int64}, u.Valid && n.Valid
	}
	sl.tagset = r.tagset.Int64
	return sl
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
