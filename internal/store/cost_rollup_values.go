package store

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strconv"
	"time"

	"github.com/canopyhq/canopy/internal/costs"
)

// cost_daily_values counts, per import and charge day, the lines of each
// resource and SKU: the dimensions cost_daily leaves out. The explorer's
// filter lists (Values) then need no line scan: a resource-day is one row
// however many lines it has.
var (
	valueDims     = [...]costs.Dim{costs.DimResource, costs.DimSKU}
	valueIdx      = [...]int{dimIndex("resource"), dimIndex("sku")}
	valueLabelIdx = dimIndex("resource_name") // the resource's label; SKUs have none
	valueColumns  = []string{"org_id", "import_num", "charge_day", "kind", "dim_id", "label_id", "line_count"}
)

type valueKey struct {
	day  int64
	kind int8  // index into valueDims
	id   int64 // 0: no value
}

type valueAcc struct {
	lines int64
	label int64 // the largest label id, as Values reports it
}

// addValues counts a line's resource (with its name) and SKU.
func (r *rollup) addValues(day, resource, resourceName, sku int64) {
	r.countValues(day, resource, resourceName, sku, 1)
}

// countValues counts n lines of a resource (with its name) and SKU.
func (r *rollup) countValues(day, resource, resourceName, sku, n int64) {
	for kind, id := range [...]int64{resource, sku} {
		k := valueKey{day: day, kind: int8(kind), id: id}
		a := r.vals[k]
		if a == nil {
			a = &valueAcc{}
			r.vals[k] = a
		}
		a.lines += n
		if kind == 0 {
			a.label = max(a.label, resourceName)
		}
	}
}

// valueArgs lists the cost_daily_values rows, by day.
func (r *rollup) valueArgs(orgID string, num int64) []any {
	keys := make([]valueKey, 0, len(r.vals))
	for k := range r.vals {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b valueKey) int { return cmp.Compare(a.day, b.day) })
	out := make([]any, 0, len(keys)*len(valueColumns))
	for _, k := range keys {
		a := r.vals[k]
		out = append(out, orgID, num, k.day, int64(k.kind), nullID(k.id), nullID(a.label), a.lines)
	}
	return out
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// valueKind is the cost_daily_values kind of a dimension, -1 for others.
func valueKind(d costs.Dim) int {
	for i, v := range valueDims {
		if v == d {
			return i
		}
	}
	return -1
}

// rollupValues answers Values for resources and SKUs: from
// cost_daily_values for imports without a detail rollup, and from the
// detail rollup's segments for the others (which keep no value rows).
func (c *Costs) rollupValues(ctx context.Context, orgID string, kind int, from, to time.Time, limit int) ([]costs.DimValue, error) {
	w := baseWhere("cost_daily_values", orgID, dayOrZero(from), dayOrZero(to))
	w.and("t.kind = ?", kind)
	rows, err := c.reader().query(ctx, "SELECT t.dim_id, MAX(t.label_id), CAST(SUM(t.line_count) AS BIGINT)"+w.sql()+
		" GROUP BY t.dim_id", w.args()...)
	if err != nil {
		return nil, err
	}
	counts := map[int64]*valueAcc{}
	_, err = scanAll(rows, func(s scanner) (struct{}, error) {
		var id, label sql.NullInt64
		var lines int64
		err := s.Scan(&id, &label, &lines)
		counts[id.Int64] = &valueAcc{lines: lines, label: label.Int64}
		return struct{}{}, err
	})
	if err != nil {
		return nil, err
	}
	if err := c.detailValues(ctx, orgID, kind, from, to, counts); err != nil {
		return nil, err
	}
	raw := make([]rawAgg, 0, len(counts))
	for id, a := range counts {
		r := rawAgg{row: costs.AggRow{Lines: a.lines}}
		if id != 0 {
			r.group = sql.NullString{String: strconv.FormatInt(id, 10), Valid: true}
		}
		if a.label != 0 {
			r.label = sql.NullString{String: strconv.FormatInt(a.label, 10), Valid: true}
		}
		raw = append(raw, r)
	}
	return c.decodeValues(ctx, orgID, grouping{ids: true}, raw, limit)
}

// detailValues adds the lines per resource (with its name) or SKU that
// the detail rollups of [from, to) hold to counts.
func (c *Costs) detailValues(ctx context.Context, orgID string, kind int, from, to time.Time, counts map[int64]*valueAcc) error {
	dim, label := valueIdx[kind], -1
	if kind == 0 {
		label = valueLabelIdx
	}
	cols := newSegColumns().ints(segDims + dim)
	if label >= 0 {
		cols.ints(segDims + label)
	}
	acc, err := scanGrouped(ctx, c, orgID, costs.Query{From: from, To: to}, detailOnly, cols,
		func(r segRow) int64 { return r.dim(dim) },
		func(a *valueAcc, r segRow, n int64) {
			a.lines += n
			if label >= 0 {
				a.label = max(a.label, r.dim(label))
			}
		},
		func(dst, src *valueAcc) { dst.lines += src.lines; dst.label = max(dst.label, src.label) })
	if err != nil {
		return err
	}
	for id, a := range acc {
		if m := counts[id]; m != nil {
			m.lines += a.lines
			m.label = max(m.label, a.label)
		} else {
			counts[id] = a
		}
	}
	return nil
}
