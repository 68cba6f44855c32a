package store

import (
	"context"
	"database/sql"

	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/store/costseg"
)

// segFilter is a query's day range and filters, compiled to dictionary
// ids and tag-set ids so that each line is checked in Go without lookups.
type segFilter struct {
	from, to int64 // charge days; 0: open
	// src says which segments a scan reads (lines, or the detail rollup
	// where an import keeps one).
	src   segSource
	dims  []dimMatch
	texts []textMatch
	tags  []tagMatch
}

type dimMatch struct {
	idx  int // dimKinds position
	ids  map[int64]bool
	none bool // lines without a value match
}

type textMatch struct {
	col  int // segCategory or segBillingCurrency
	vals map[string]bool
}

// tagMatch keeps lines whose tag set is in sets, or, with none, whose tag
// set lacks a non-empty value for the key.
type tagMatch struct {
	sets     map[int64]bool
	none     bool
	nonEmpty map[int64]bool
}

func (f *segFilter) match(r segRow) bool {
	if d := r.day(); (f.from != 0 && d < f.from) || (f.to != 0 && d >= f.to) {
		return false
	}
	for _, m := range f.dims {
		id := r.dim(m.idx)
		if !(m.ids[id] || (m.none && id == 0)) {
			return false
		}
	}
	for _, m := range f.texts {
		if v, _ := r.text(m.col); !m.vals[v] {
			return false
		}
	}
	for _, m := range f.tags {
		ts := r.tagset()
		if !(m.sets[ts] || (m.none && !m.nonEmpty[ts])) {
			return false
		}
	}
	return true
}

// textDimColumn is the segment text column of the dimensions kept as
// text rather than dictionary ids.
var textDimColumn = map[costs.Dim]int{costs.DimChargeCategory: segCategory, costs.DimBillingCurrency: segBillingCurrency}

func (c *Costs) compileFilter(ctx context.Context, orgID string, q costs.Query) (*segFilter, error) {
	if q.UsesGroups() {
		return nil, errCustomGroup
	}
	f := &segFilter{from: dayOrZero(q.From), to: dayOrZero(q.To)}
	for _, flt := range q.Filters {
		values, none := splitNoValue(flt.Values)
		switch {
		case flt.Dim == costs.DimTag:
			m, err := c.compileTag(ctx, orgID, flt)
			if err != nil {
				return nil, err
			}
			f.tags = append(f.tags, m)
		case dimSpecs[flt.Dim].kind == "":
			m := textMatch{col: textDimColumn[flt.Dim], vals: map[string]bool{}}
			for _, v := range flt.Values { // NoValue is "" here too
				m.vals[v] = true
			}
			f.texts = append(f.texts, m)
		default:
			spec := dimSpecs[flt.Dim]
			ids, err := c.lookupIDs(ctx, orgID, spec.kind, values)
			if err != nil {
				return nil, err
			}
			f.dims = append(f.dims, dimMatch{idx: dimIndex(spec.col), ids: setOf(ids), none: none})
		}
	}
	return f, nil
}

func (c *Costs) compileTag(ctx context.Context, orgID string, flt costs.Filter) (tagMatch, error) {
	key, err := c.tagKeyID(ctx, orgID, flt.TagKey)
	if err != nil {
		return tagMatch{}, err
	}
	if len(flt.Values) == 0 { // the key is present
		sets, err := c.tagsetsWith(ctx, orgID, key, nil, false)
		return tagMatch{sets: sets}, err
	}
	values, none := splitNoValue(flt.Values)
	ids, err := c.lookupIDs(ctx, orgID, kindTagValue, values)
	if err != nil {
		return tagMatch{}, err
	}
	m := tagMatch{sets: map[int64]bool{}, none: none}
	if len(ids) > 0 {
		if m.sets, err = c.tagsetsWith(ctx, orgID, key, ids, false); err != nil {
			return m, err
		}
	}
	if none {
		m.nonEmpty, err = c.tagsetsWith(ctx, orgID, key, nil, true)
	}
	return m, err
}

// tagsetsWith lists the tag sets having key, with one of valueIDs when
// given, or with a non-empty value when nonEmpty.
func (c *Costs) tagsetsWith(ctx context.Context, orgID string, key int64, valueIDs []int64, nonEmpty bool) (map[int64]bool, error) {
	q, args := `SELECT p.tagset_id FROM cost_tagset_pairs p WHERE p.org_id = ? AND p.key_id = ?`, []any{orgID, key}
	if len(valueIDs) > 0 {
		q += " AND p.value_id IN (" + marks(len(valueIDs)) + ")"
		args = append(args, anys(valueIDs)...)
	}
	if nonEmpty {
		q += " AND p.value_id NOT IN (SELECT id FROM cost_dims WHERE org_id = ? AND kind = ? AND value = '')"
		args = append(args, orgID, kindTagValue)
	}
	rows, err := c.reader().query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	ids, err := scanAll(rows, func(s scanner) (int64, error) {
		var id int64
		return id, s.Scan(&id)
	})
	return setOf(ids), err
}

func setOf(ids []int64) map[int64]bool {
	m := make(map[int64]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// segColumns selects the segment columns a scan reads: the day, what the
// filter looks at, and what the caller marks.
type segColumns struct{ costseg.Columns }

func newSegColumns() *segColumns {
	return &segColumns{costseg.Columns{Ints: make([]bool, segIntColumns), Strs: make([]bool, segTextColumns)}}
}

func (s *segColumns) ints(cols ...int) *segColumns {
	for _, c := range cols {
		s.Ints[c] = true
	}
	return s
}

func (s *segColumns) text(cols ...int) *segColumns {
	for _, c := range cols {
		s.Strs[c] = true
	}
	return s
}

// measures marks the four cost measures' units and nanos.
func (s *segColumns) measures() *segColumns {
	return s.ints(segAmounts, segAmounts+1, segAmounts+2, segAmounts+3, segAmounts+4, segAmounts+5, segAmounts+6, segAmounts+7)
}

// mark adds the columns the filter reads.
func (f *segFilter) mark(s *segColumns) {
	s.ints(segDay)
	for _, m := range f.dims {
		s.ints(segDims + m.idx)
	}
	for _, m := range f.texts {
		s.text(m.col)
	}
	if len(f.tags) > 0 {
		s.ints(segTagset)
	}
}

// scanSegments calls fn for every line of q's days and filters, from the
// segments of succeeded imports, in import and file order (the line
// export), decoding one segment at a time so memory stays flat whatever
// the size of the result. Sums use scanGrouped, which needs no order.
func (c *Costs) scanSegments(ctx context.Context, orgID string, q costs.Query, fn func(segRow) error) error {
	f, err := c.compileFilter(ctx, orgID, q)
	if err != nil {
		return err
	}
	where, args := segmentsWhere(c.db.Engine, orgID, f, false)
	return c.scanInOrder(ctx, orgID, where, args, &segScan{f: f, fn: fn, blk: &costseg.Block{}})
}

// segmentsWhere selects the segments of succeeded imports that may hold
// lines (or, with rollup, detail rows) of f's days; with detailThenLines,
// line segments only of imports without a detail rollup. On PostgreSQL a
// segment's days lie in one month (its partition's), so day_min bounds it
// from below too, which prunes the partitions before from's month.
func segmentsWhere(engine Engine, orgID string, f *segFilter, rollup bool) (string, []any) {
	where, args := `org_id = ?`, []any{orgID}
	if f.from != 0 {
		where, args = where+" AND day_max >= ?", append(args, f.from)
		if engine == Postgres {
			where, args = where+" AND day_min >= ?", append(args, monthStart(f.from))
		}
	}
	if f.to != 0 {
		where, args = where+" AND day_min < ?", append(args, f.to)
	}
	where += " AND import_num IN (SELECT num FROM cost_imports WHERE org_id = ? AND status = ?"
	switch {
	case rollup:
		where += " AND detail_rollup = 1"
	case f.src == detailThenLines:
		where += " AND detail_rollup = 0"
	}
	return where + ")", append(args, orgID, costs.StatusSucceeded)
}

// scanInOrder reads the segments in import and file order: their keys
// first (small rows, cheap to sort), then each segment by its key.
func (c *Costs) scanInOrder(ctx context.Context, orgID, where string, args []any, seg *segScan) error {
	rows, err := c.reader().query(ctx, `SELECT import_num, seq, day_min FROM cost_segments WHERE `+where+` ORDER BY import_num, seq`, args...)
	if err != nil {
		return err
	}
	keys, err := scanAll(rows, func(s scanner) ([3]int64, error) {
		var k [3]int64
		return k, s.Scan(&k[0], &k[1], &k[2])
	})
	if err != nil {
		return err
	}
	for _, k := range keys { // day_min picks the one partition holding the segment
		err := seg.each(c.reader().query(ctx, `SELECT data FROM cost_segments WHERE org_id = ? AND import_num = ? AND seq = ? AND day_min = ?`,
			orgID, k[0], k[1], k[2]))
		if err != nil {
			return err
		}
	}
	return nil
}

// segScan decodes segments and hands their matching lines to fn.
type segScan struct {
	f    *segFilter
	fn   func(segRow) error
	blk  *costseg.Block
	data []byte
}

func (s *segScan) each(rows *sql.Rows, err error) error {
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := rows.Scan(&s.data); err != nil {
			return err
		}
		if err := s.segment(); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (s *segScan) segment() error {
	blk := s.blk
	if err := decodeSegment(s.data, blk, nil); err != nil {
		return err
	}
	for i := range blk.N {
		if r := (segRow{blk, i}); s.f.match(r) {
			if err := s.fn(r); err != nil {
				return err
			}
		}
	}
	return nil
}

// segSource is which segments a scan reads.
type segSource int

const (
	linesOnly       segSource = iota // every import's lines
	detailThenLines                  // the detail rollup where kept, else the lines
	detailOnly                       // the detail rollup of the imports that keep one
)
