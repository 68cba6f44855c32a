package store

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
)

// Values implements costs.Querier. Lines without a value are counted
// under NoValue (the explorer offers it as a filter), except when listing
// tag keys.
func (c *Costs) Values(ctx context.Context, orgID string, dim costs.Dim, tagKey string, from, to time.Time, limit int) ([]costs.DimValue, error) {
	if d, err := costs.ParseDim(string(dim)); err != nil || d == "" || d == costs.DimGroup {
		return nil, domain.Errorf(domain.CodeInvalid, "unknown dimension %q", dim)
	}
	if limit <= 0 || limit > 10000 {
		limit = 10000
	}
	if k := valueKind(dim); k >= 0 {
		return c.rollupValues(ctx, orgID, k, from, to, limit)
	}
	w := baseWhere("cost_daily", orgID, dayOrZero(from), dayOrZero(to))
	g := grouping{expr: "g.key_id", label: "NULL", ids: true}
	if dim == costs.DimTag && tagKey == "" {
		w.join = " JOIN cost_tagset_pairs g ON g.org_id = t.org_id AND g.tagset_id = t.tagset_id"
	} else {
		var err error
		if g, err = c.groupBy(ctx, w, orgID, dim, tagKey); err != nil {
			return nil, err
		}
	}
	stmt, args := "SELECT "+g.expr+", "+g.label+", "+lineCount+w.sql()+" GROUP BY "+g.expr, w.args()
	if dim != costs.DimTag { // values decode one to one: the database can cut the list (tags merge "" and missing)
		stmt, args = stmt+" ORDER BY 3 DESC LIMIT ?", append(args, limit)
	}
	rows, err := c.reader().query(ctx, stmt, args...)
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
	return c.decodeValues(ctx, orgID, g, raw, limit)
}

func (c *Costs) decodeValues(ctx context.Context, orgID string, g grouping, raw []rawAgg, limit int) ([]costs.DimValue, error) {
	names, err := c.decodeNames(ctx, orgID, g, raw)
	if err != nil {
		return nil, err
	}
	byValue := map[string]*costs.DimValue{}
	var out []costs.DimValue
	for _, r := range raw {
		v := names.value(g, r.group)
		if m := byValue[v]; m != nil {
			m.Lines += r.row.Lines
			continue
		}
		label := names.value(g, r.label)
		if label == "" {
			label = v
		}
		byValue[v] = &costs.DimValue{Value: v, Label: label, Lines: r.row.Lines}
	}
	for _, v := range byValue {
		out = append(out, *v)
	}
	slices.SortFunc(out, func(a, b costs.DimValue) int {
		return cmp.Or(cmp.Compare(b.Lines, a.Lines), cmp.Compare(a.Value, b.Value))
	})
	return out[:min(len(out), limit)], nil
}

func dayOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return epochDay(t)
}

// Consumption implements costs.Querier from the detail rollup and the
// lines of imports without one (with q.Scan, only from the lines),
// ordered by service, SKU, meter, units, currency.
func (c *Costs) Consumption(ctx context.Context, orgID string, q costs.Query) ([]costs.ConsumptionRow, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	rs, err := c.scanConsumption(ctx, orgID, q)
	if err != nil {
		return nil, err
	}
	return c.nameConsumption(ctx, orgID, rs)
}

// rawConsumption is a consumption row before its ids are decoded.
type rawConsumption struct {
	ids [5]sql.NullInt64 // service, SKU, charge description, consumed unit, pricing unit
	row costs.ConsumptionRow
}

func (c *Costs) nameConsumption(ctx context.Context, orgID string, rs []rawConsumption) ([]costs.ConsumptionRow, error) {
	var ids []int64
	for _, r := range rs {
		for _, id := range r.ids {
			if id.Valid {
				ids = append(ids, id.Int64)
			}
		}
	}
	names, err := c.names(ctx, orgID, ids)
	if err != nil {
		return nil, err
	}
	out := make([]costs.ConsumptionRow, len(rs))
	for i, r := range rs {
		out[i] = r.row
		for j, dst := range []*string{&out[i].Service, &out[i].SKU, &out[i].Meter, &out[i].ConsumedUnit, &out[i].PricingUnit} {
			*dst = names[r.ids[j].Int64] // NULL scans as id 0, which has no name: ""
		}
	}
	slices.SortFunc(out, func(a, b costs.ConsumptionRow) int {
		return cmp.Or(cmp.Compare(a.Service, b.Service), cmp.Compare(a.SKU, b.SKU), cmp.Compare(a.Meter, b.Meter),
			cmp.Compare(a.ConsumedUnit, b.ConsumedUnit), cmp.Compare(a.PricingUnit, b.PricingUnit), cmp.Compare(a.Currency, b.Currency))
	})
	return out, nil
}
