package store

import (
	"cmp"
	"context"
	"slices"
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

// rollupValues answers Values for resources and SKUs from
// cost_daily_values.
func (c *Costs) rollupValues(ctx context.Context, orgID string, kind int, from, to time.Time, limit int) ([]costs.DimValue, error) {
	w := baseWhere("cost_daily_values", orgID, dayOrZero(from), dayOrZero(to))
	w.and("t.kind = ?", kind)
	rows, err := c.reader().query(ctx, "SELECT t.dim_id, MAX(t.label_id), CAST(SUM(t.line_count) AS BIGINT)"+w.sql()+
		" GROUP BY t.dim_id ORDER BY 3 DESC LIMIT ?", append(w.args(), limit)...)
	if err != nil {
		return nil, err
	}
	raw, err := scanAll(rows, func(s scanner) (rawAgg, error) {
		var r rawAgg
		return r, s.Scan(&r.group, &r.label, &r.row.Lines)
	})
	if err != nil {
		return nil, err
	}
	return c.decodeValues(ctx, orgID, grouping{ids: true}, raw, limit)
}
