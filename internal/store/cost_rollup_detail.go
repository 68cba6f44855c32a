package store

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store/costseg"
)

// The detail rollup is cost_daily plus the dimensions the line views read
// (resource, SKU, charge description, units) and the two quantities,
// stored as segments (cost_detail_segments) that the line scans read like
// lines. It pays only where an import has many lines per key: with about
// one line per resource, meter and day (Azure's daily exports) it would be
// as large as the lines. So an import keeps it only with at least
// detailMinLines lines per row; the others' lines are scanned.
var detailKinds = append(rollupKinds[:len(rollupKinds):len(rollupKinds)],
	"resource", "resource_name", "sku", "charge_description", "consumed_unit", "pricing_unit")

var detailIdx = func() []int {
	idx := make([]int, len(detailKinds))
	for j, k := range detailKinds {
		idx[j] = dimIndex(k)
	}
	return idx
}()

const (
	// detailMinLines is how many lines a detail row must stand for on
	// average for an import to keep the rollup: below that it saves
	// little decoding and costs the import more than it saves.
	detailMinLines = 4
	// detailProbe is how many lines an import reads before it may give
	// the table up early (the rows written so far are deleted at the end).
	detailProbe = 1 << 20
)

type detailKey struct {
	day    int64
	dims   [len(rollupKinds) + 6]int64 // detailKinds order; 0 for NULL
	text   int64                       // as in dayKey
	tagset int64
}

// detailAcc sums a key's measures and quantities (lineAmounts order:
// four measures, pricing quantity, consumed quantity).
type detailAcc struct {
	lines int64
	m     [6]domain.Amount
	set   [6]bool
}

// addDetail counts a line in the detail map (nil once the import gave
// the table up).
func (r *rollup) addDetail(sl *segLine) error {
	if r.detail == nil {
		return nil
	}
	cur := sl.text[segBillingCurrency]
	k := detailKey{day: sl.day, text: r.texts.code(sl.text[segCategory], cur), tagset: sl.tagset}
	for j, i := range detailIdx {
		k.dims[j] = sl.dims[i]
	}
	a := r.detail[k]
	if a == nil {
		a = &detailAcc{}
		r.detail[k] = a
	}
	a.lines++
	am := &sl.amounts
	return addAmounts(a.m[:], a.set[:], am.v[:len(a.m)], am.ok[:len(a.m)], cur)
}

// segDetailLines is the segment column that holds how many lines a
// detail row sums: a line's charge period length, which a row has none of.
const segDetailLines = segLength

// detailBlocks encodes the detail rows, by day, into segment blocks in the
// lines' column layout (dimensions outside detailKinds, instants and the
// other text columns are null).
func (r *rollup) detailBlocks() []*costseg.Block {
	keys := slices.SortedFunc(maps.Keys(r.detail), func(a, b detailKey) int { return cmp.Compare(a.day, b.day) })
	var out []*costseg.Block
	var l segLine
	for i, k := range keys {
		if i%segmentLines == 0 {
			out = append(out, sizedSegmentBlock(min(len(keys)-i, segmentLines)))
		}
		a := r.detail[k]
		l = segLine{day: k.day, length: a.lines, tagset: k.tagset}
		for j, idx := range detailIdx {
			l.dims[idx] = k.dims[j]
		}
		for m := range a.m {
			l.amounts.v[m], l.amounts.ok[m] = a.m[m], a.set[m]
		}
		t := r.texts.pair(k.text)
		l.text[segCategory], l.textOK[segCategory] = t.category, true
		l.text[segBillingCurrency], l.textOK[segBillingCurrency] = t.currency, true
		appendLine(out[len(out)-1], &l)
	}
	return out
}

// detailState is what the encoder knows about an import's detail rows
// across hand-overs.
type detailState struct {
	lines, rows int64
	off         bool // given up: too few lines per row
	minLines    int64
	probe       int64 // detailProbe, or a test's smaller figure
}

// handOver counts a hand-over's rows and gives the table up once the
// import has shown it has too few lines per row.
func (s *detailState) handOver(r *rollup) {
	s.rows += int64(len(r.detail))
	if !s.off && s.lines >= s.probe && !s.worth() {
		s.off = true
	}
}

// worth says whether the rows so far stand for enough lines each.
func (s *detailState) worth() bool { return s.rows*s.minLines <= s.lines }

// keep says whether the finished import keeps its detail rows.
func (s *detailState) keep() bool { return !s.off && s.worth() }

// fold fills the cost_daily rows from the detail rows (their keys hold
// every cost_daily dimension), once per hand-over instead of once per
// line. An import that keeps its detail rollup writes no value counts
// (Values reads the detail rows); one that gives it up derives them from
// its detail rows at the end (valuesFromDetail).
func (r *rollup) fold() error {
	for k, a := range r.detail {
		dk := dayKey{day: k.day, text: k.text, tagset: k.tagset}
		copy(dk.dims[:], k.dims[:len(rollupKinds)])
		d := r.rows[dk]
		if d == nil {
			d = &dayAcc{}
			r.rows[dk] = d
		}
		d.lines += a.lines
		if err := addAmounts(d.m[:], d.set[:], a.m[:len(d.m)], a.set[:len(d.m)], r.texts.pair(k.text).currency); err != nil {
			return err
		}
	}
	return nil
}

// valuesFromDetail writes the value counts (cost_daily_values) of an
// import that gives its detail rollup up, from the detail rows it stored
// before it did (finishImport then deletes them); the lines it stored
// after giving up counted their values as they went.
func (w *segmentWriter) valuesFromDetail(ctx context.Context) error {
	rows, err := w.c.query(ctx, `SELECT data FROM cost_detail_segments WHERE org_id = ? AND import_num = ?`, w.orgID, w.num)
	if err != nil {
		return err
	}
	r := newRollup(false)
	want := newSegColumns().ints(segDay, segDetailLines, segDims+valueIdx[0], segDims+valueLabelIdx, segDims+valueIdx[1])
	blk := &costseg.Block{}
	_, err = scanAll(rows, func(s scanner) (struct{}, error) {
		var data []byte
		if err := s.Scan(&data); err != nil {
			return struct{}{}, err
		}
		if err := decodeSegment(data, blk, &want.Columns); err != nil {
			return struct{}{}, err
		}
		for i := range blk.N {
			row := segRow{blk, i}
			n, _ := row.int(segDetailLines)
			r.countValues(row.day(), row.dim(valueIdx[0]), row.dim(valueLabelIdx), row.dim(valueIdx[1]), n)
		}
		return struct{}{}, nil
	})
	if err != nil {
		return fmt.Errorf("value counts from the detail rollup: %w", err)
	}
	return bulkInsert(ctx, w.sc, w.c.engine, "cost_daily_values", valueColumns, r.valueArgs(w.orgID, w.num))
}

// detailGivenUp writes the value counts of an import that does not keep
// the detail rows it stored.
func (w *segmentWriter) detailGivenUp(ctx context.Context, sum *importSummary) error {
	if sum.detail.keep() || sum.detail.rows == 0 {
		return nil
	}
	return w.valuesFromDetail(ctx)
}

// sizedSegmentBlock is an empty block whose columns have room for n rows
// (growing sixty columns row by row was most of the detail rows' cost).
func sizedSegmentBlock(n int) *costseg.Block {
	b := newSegmentBlock()
	for i := range b.Ints {
		b.Ints[i].V = make([]int64, 0, n)
	}
	for i := range b.Strs {
		b.Strs[i].V = make([]string, 0, n)
	}
	return b
}
