package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
)

// segGroup says how a scan groups lines: by a dictionary dimension (with
// its label dimension), a text column, a tag key's value or nothing.
type segGroup struct {
	g        grouping // how decodeAgg reads the values
	dim      int      // dimKinds position, -1 if not a dictionary dimension
	label    int      // dimKinds position of the label, -1 for none
	text     int      // segment text column, -1 if not a text dimension
	tagValue map[int64]int64
	tag      bool
}

func (c *Costs) segGrouping(ctx context.Context, orgID string, dim costs.Dim, tagKey string) (segGroup, error) {
	s := segGroup{dim: -1, label: -1, text: -1}
	switch {
	case dim == costs.DimGroup:
		return s, errCustomGroup
	case dim == "":
		s.g = grouping{expr: "NULL", label: "NULL"}
	case dim == costs.DimTag:
		key, err := c.tagKeyID(ctx, orgID, tagKey)
		if err != nil {
			return s, err
		}
		s.tag, s.g = true, grouping{ids: true}
		s.tagValue, err = c.tagValues(ctx, orgID, key)
		return s, err
	case dimSpecs[dim].kind == "":
		s.text = textDimColumn[dim]
	default:
		spec := dimSpecs[dim]
		s.g.ids, s.dim = true, dimIndex(spec.col)
		if spec.label != "" {
			s.label = dimIndex(spec.label)
		}
	}
	return s, nil
}

// tagValues maps each tag set with key to the value's id.
func (c *Costs) tagValues(ctx context.Context, orgID string, key int64) (map[int64]int64, error) {
	rows, err := c.reader().query(ctx, `SELECT tagset_id, value_id FROM cost_tagset_pairs WHERE org_id = ? AND key_id = ?`, orgID, key)
	if err != nil {
		return nil, err
	}
	out := map[int64]int64{}
	_, err = scanAll(rows, func(s scanner) (struct{}, error) {
		var ts, v int64
		err := s.Scan(&ts, &v)
		out[ts] = v
		return struct{}{}, err
	})
	return out, err
}

// mark adds the columns the grouping reads.
func (s *segGroup) mark(cols *segColumns) *segColumns {
	switch {
	case s.tag:
		cols.ints(segTagset)
	case s.dim >= 0:
		cols.ints(segDims + s.dim)
	case s.text >= 0:
		cols.text(s.text)
	}
	if s.label >= 0 {
		cols.ints(segDims + s.label)
	}
	return cols
}

// value is a line's group: an id (text "" when ids) or a text; ok false
// for no value.
func (s *segGroup) value(r segRow) (id int64, text string, ok bool) {
	switch {
	case s.tag:
		id, ok = s.tagValue[r.tagset()]
		return id, "", ok
	case s.dim >= 0:
		id = r.dim(s.dim)
		return id, "", id != 0
	case s.text >= 0:
		text, ok = r.text(s.text)
		return 0, text, ok
	}
	return 0, "", false
}

type segAggKey struct {
	day      int64
	id       int64
	text     string
	ok       bool
	currency string
}

type segAcc struct {
	lines int64
	sums  [8]int64 // units and nanos of the four measures; nulls add nothing
	label int64    // the largest label id, as MAX() on the rollup
}

// merge adds another worker's sums of the same group.
func (a *segAcc) merge(b *segAcc) {
	a.lines += b.lines
	for i := range a.sums {
		a.sums[i] += b.sums[i]
	}
	a.label = max(a.label, b.label)
}

// qtyAcc sums a consumption group: measures and quantities.
type qtyAcc struct {
	segAcc
	qty [4]int64 // consumed units, nanos; pricing units, nanos
}

func (a *qtyAcc) add(r segRow, n int64) {
	a.segAcc.add(r, -1, n)
	for j, amt := range [2]int{5, 4} { // ConsumedQuantity, PricingQuantity
		if u, n, ok := r.amount(amt); ok {
			a.qty[2*j] += u
			a.qty[2*j+1] += n
		}
	}
}

func (a *qtyAcc) merge(b *qtyAcc) {
	a.segAcc.merge(&b.segAcc)
	for i := range a.qty {
		a.qty[i] += b.qty[i]
	}
}

// add counts a line, or a detail row of n lines: its amounts are sums.
func (a *segAcc) add(r segRow, labelDim int, n int64) {
	a.lines += n
	for i := range 4 {
		if u, n, ok := r.amount(i); ok {
			a.sums[2*i] += u
			a.sums[2*i+1] += n
		}
	}
	if labelDim >= 0 {
		a.label = max(a.label, r.dim(labelDim))
	}
}

// scanAggregate answers Aggregate from the segments: from the detail
// rollup where an import keeps one (unless q.Scan), else from the lines.
func (c *Costs) scanAggregate(ctx context.Context, orgID string, q costs.Query) ([]costs.AggRow, error) {
	s, raw, err := c.scanAggregateRaw(ctx, orgID, q, sourceOf(q))
	if err != nil {
		return nil, err
	}
	return c.decodeAgg(ctx, orgID, s.g, raw)
}

// scanAggregateRaw sums the segments per day, group and currency.
func (c *Costs) scanAggregateRaw(ctx context.Context, orgID string, q costs.Query, src segSource) (segGroup, []rawAgg, error) {
	s, err := c.segGrouping(ctx, orgID, q.GroupBy, q.GroupTag)
	if err != nil {
		return s, nil, err
	}
	acc, err := scanGrouped(ctx, c, orgID, q, src, s.mark(newSegColumns()).measures().text(segBillingCurrency),
		func(r segRow) segAggKey {
			id, text, ok := s.value(r)
			cur, _ := r.text(segBillingCurrency)
			return segAggKey{day: r.day(), id: id, text: text, ok: ok, currency: cur}
		}, func(a *segAcc, r segRow, n int64) { a.add(r, s.label, n) }, (*segAcc).merge)
	if err != nil {
		return s, nil, err
	}
	raw := make([]rawAgg, 0, len(acc))
	for k, a := range acc {
		r := rawAgg{day: k.day, group: s.nullValue(k), row: costs.AggRow{Currency: k.currency, Lines: a.lines,
			Day: time.Unix(k.day*86400, 0).UTC()}}
		if a.label != 0 {
			r.label = sql.NullString{String: strconv.FormatInt(a.label, 10), Valid: true}
		}
		if r.row.Measures, err = measuresOf(a.sums); err != nil {
			return s, nil, err
		}
		raw = append(raw, r)
	}
	return s, raw, nil
}

// nullValue is a group key as decodeAgg reads it: an id in text when the
// grouping has ids.
func (s *segGroup) nullValue(k segAggKey) sql.NullString {
	switch {
	case !k.ok:
		return sql.NullString{}
	case s.g.ids:
		return sql.NullString{String: strconv.FormatInt(k.id, 10), Valid: true}
	}
	return sql.NullString{String: k.text, Valid: true}
}

type consumptionKey struct {
	ids      [5]int64 // service, sku, charge description, consumed unit, pricing unit
	currency string
}

var consumptionDims = [5]int{dimIndex("service"), dimIndex("sku"), dimIndex("charge_description"),
	dimIndex("consumed_unit"), dimIndex("pricing_unit")}

// scanConsumption sums the segments per meter and currency: from the
// detail rollup where an import keeps one (unless q.Scan), else the lines.
func (c *Costs) scanConsumption(ctx context.Context, orgID string, q costs.Query) ([]rawConsumption, error) {
	cols := newSegColumns().measures().text(segBillingCurrency).ints(segAmounts+8, segAmounts+9, segAmounts+10, segAmounts+11)
	for _, i := range consumptionDims {
		cols.ints(segDims + i)
	}
	acc, err := scanGrouped(ctx, c, orgID, q, sourceOf(q), cols, func(r segRow) consumptionKey {
		var k consumptionKey
		for j, i := range consumptionDims {
			k.ids[j] = r.dim(i)
		}
		k.currency, _ = r.text(segBillingCurrency)
		return k
	}, (*qtyAcc).add, (*qtyAcc).merge)
	if err != nil {
		return nil, err
	}
	rs := make([]rawConsumption, 0, len(acc))
	for k, a := range acc {
		r := rawConsumption{row: costs.ConsumptionRow{Currency: k.currency, Lines: a.lines}}
		for j, id := range k.ids {
			r.ids[j] = sql.NullInt64{Int64: id, Valid: id != 0}
		}
		if r.row.Measures, err = measuresOf(a.sums); err == nil {
			r.row.ConsumedQuantity, err = domain.NormalizeAmount(a.qty[0], 0, a.qty[1])
		}
		if err == nil {
			r.row.PricingQuantity, err = domain.NormalizeAmount(a.qty[2], 0, a.qty[3])
		}
		if err != nil {
			return nil, err
		}
		rs = append(rs, r)
	}
	return rs, nil
}

// sourceOf is what a query's scan reads: the detail rollup where an import
// keeps one, unless the query asks for the lines themselves (Scan).
func sourceOf(q costs.Query) segSource {
	if q.Scan {
		return linesOnly
	}
	return detailThenLines
}

// errCustomGroup refuses custom-group queries: the allocation service
// answers them (the cost store knows nothing of groups).
var errCustomGroup = errors.New("cost store: custom groups are answered by the allocation service")
