package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/canopyhq/canopy/internal/store/costseg"
)

// On PostgreSQL the cost facts (cost_segments, cost_detail_segments,
// cost_daily, cost_daily_values) are partitioned by month of charge day
// (migration 00029). The import creates a month's partitions the first
// time it writes a line of that month, and splits a block of lines that
// spans months into one segment per month, so that every segment lies in
// one partition and dropping a month drops exactly its lines. SQLite
// keeps plain tables and writes blocks as they come.

// monthTables are the tables partitioned by month on PostgreSQL.
var monthTables = []string{"cost_segments", "cost_detail_segments", "cost_daily", "cost_daily_values"}

// partitionSuffix names the partitions of the month starting on day m
// ("_p202501"), as canopy_cost_month does.
func partitionSuffix(m int64) string {
	return "_p" + time.Unix(m*86400, 0).UTC().Format("200601")
}

// monthStart is the first day (days since 1970-01-01) of day's month.
func monthStart(day int64) int64 {
	t := time.Unix(day*86400, 0).UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// partitioned reports whether the cost facts are partitioned by month.
func (w *segmentWriter) partitioned() bool {
	return w.cycle == nil && w.c.engine == Postgres && !w.unpartitioned
}

// ensureMonth creates the partitions of day's month if this import has
// not yet made sure they exist (canopy_cost_month, migration 00029).
func (w *segmentWriter) ensureMonth(ctx context.Context, day int64) error {
	m := monthStart(day)
	if w.months[m] {
		return nil
	}
	if _, err := w.c.exec(ctx, `SELECT canopy_cost_month(?)`, m); err != nil {
		return fmt.Errorf("create the partitions of %s: %w", time.Unix(m*86400, 0).UTC().Format("2006-01"), err)
	}
	if w.months == nil {
		w.months = map[int64]bool{}
	}
	w.months[m] = true
	return nil
}

// byMonth splits b into one block per month of its lines' charge days, in
// the order the months first appear, keeping the lines' order in each;
// a block within one month is returned as is.
func byMonth(b *costseg.Block) []*costseg.Block {
	days := b.Ints[segDay].V[:b.N]
	first := monthStart(days[0])
	var idx map[int64][]int
	var order []int64
	for i, d := range days {
		m := first
		if d < first || d >= first+28 {
			m = monthStart(d)
		}
		if idx == nil && m == first {
			continue
		}
		if idx == nil { // the first line of another month: index the lines so far
			idx = map[int64][]int{first: make([]int, i)}
			for j := range i {
				idx[first][j] = j
			}
			order = append(order, first)
		}
		if _, ok := idx[m]; !ok {
			order = append(order, m)
		}
		idx[m] = append(idx[m], i)
	}
	if idx == nil {
		return []*costseg.Block{b}
	}
	out := make([]*costseg.Block, 0, len(order))
	for _, m := range order {
		out = append(out, subBlock(b, idx[m]))
	}
	return out
}

// subBlock copies the lines rows of b into a new block.
func subBlock(b *costseg.Block, rows []int) *costseg.Block {
	s := &costseg.Block{N: len(rows), Ints: make([]costseg.IntCol, len(b.Ints)), Strs: make([]costseg.StrCol, len(b.Strs))}
	for c, col := range b.Ints {
		dst := &s.Ints[c]
		dst.V = make([]int64, len(rows))
		for k, i := range rows {
			dst.V[k] = col.V[i]
		}
		dst.Valid = pickValid(col.Valid, rows)
	}
	for c, col := range b.Strs {
		dst := &s.Strs[c]
		dst.V = make([]string, len(rows))
		for k, i := range rows {
			dst.V[k] = col.V[i]
		}
		dst.Valid = pickValid(col.Valid, rows)
	}
	return s
}

func pickValid(valid []bool, rows []int) []bool {
	if valid == nil {
		return nil
	}
	out := make([]bool, len(rows))
	for k, i := range rows {
		out[k] = valid[i]
	}
	return out
}

// splitSegments stores the segments migration 00029 set aside because
// their lines span months (cost_segment_splits) in their months'
// partitions, one import per transaction. Processes starting together
// split each import once: the rows are deleted as they are read.
func (db *DB) splitSegments(ctx context.Context) error {
	if db.Engine != Postgres {
		return nil
	}
	w := conn{q: db.W, engine: db.Engine}
	for {
		var org string
		var num int64
		err := w.row(ctx, `SELECT org_id, import_num FROM cost_segment_splits LIMIT 1`).Scan(&org, &num)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("split cost segments: %w", err)
		}
		if err := db.splitImport(ctx, org, num); err != nil {
			return fmt.Errorf("split cost segments of import %d: %w", num, err)
		}
	}
}

func (db *DB) splitImport(ctx context.Context, orgID string, num int64) error {
	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	cn := conn{q: tx, engine: db.Engine}
	c := &Costs{db: db}
	if err := c.lockOrg(ctx, cn, orgID); err != nil {
		return err
	}
	rows, err := cn.query(ctx, `DELETE FROM cost_segment_splits WHERE org_id = ? AND import_num = ? RETURNING detail, seq, data`, orgID, num)
	if err != nil {
		return err
	}
	type pending struct {
		detail, seq int
		data        []byte
	}
	segs, err := scanAll(rows, func(s scanner) (pending, error) {
		var p pending
		return p, s.Scan(&p.detail, &p.seq, &p.data)
	})
	if err != nil {
		return err
	}
	slices.SortFunc(segs, func(a, b pending) int { return cmp.Or(cmp.Compare(a.detail, b.detail), cmp.Compare(a.seq, b.seq)) })
	w := &segmentWriter{c: cn, orgID: orgID, num: num}
	for _, t := range []struct {
		table string
		seq   *int
	}{{"cost_segments", &w.seq}, {"cost_detail_segments", &w.detail}} {
		if err := cn.row(ctx, `SELECT COALESCE(MAX(seq), 0) FROM `+t.table+` WHERE org_id = ? AND import_num = ?`, orgID, num).Scan(t.seq); err != nil {
			return err
		}
	}
	for _, p := range segs {
		blk := &costseg.Block{}
		if err := decodeSegment(p.data, blk, nil); err != nil {
			return err
		}
		table, seq := "cost_segments", &w.seq
		if p.detail == 1 {
			table, seq = "cost_detail_segments", &w.detail
		}
		if err := w.insert(ctx, table, seq, blk); err != nil {
			return err
		}
	}
	return tx.Commit()
}
