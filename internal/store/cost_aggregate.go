package store

import (
	"cmp"
	"context"
	"database/sql"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/costs"
)

// grouping is the SQL of a group value and its label: dictionary ids to
// decode (ids) or text values.
type grouping struct {
	expr, label string
	ids         bool
}

// groupCol is the GROUP BY term of the grouping ("" for none:
// PostgreSQL refuses a constant there).
func (g grouping) groupCol() string {
	if g.expr == "NULL" {
		return ""
	}
	return g.expr + ", "
}

// groupBy returns the grouping of dim over the table aliased t, adding
// the tag join to w when grouping by a tag key.
func (c *Costs) groupBy(ctx context.Context, w *sqlWhere, orgID string, dim costs.Dim, tagKey string) (grouping, error) {
	switch {
	case dim == "":
		return grouping{expr: "NULL", label: "NULL"}, nil
	case dim == costs.DimTag:
		key, err := c.tagKeyID(ctx, orgID, tagKey)
		if err != nil {
			return grouping{}, err
		}
		w.join += " LEFT JOIN cost_tagset_pairs g ON g.org_id = t.org_id AND g.tagset_id = t.tagset_id AND g.key_id = ?"
		w.joinArgs = append(w.joinArgs, key)
		return grouping{expr: "g.value_id", label: "NULL", ids: true}, nil
	}
	spec := dimSpecs[dim]
	g := grouping{expr: "t." + spec.col, label: "NULL", ids: spec.kind != ""}
	if spec.label != "" {
		g.label = "MAX(t." + spec.label + ")"
	}
	return g, nil
}

// sums are the measure columns summed exactly (units and nanos apart).
func sums() string {
	var b strings.Builder
	for _, m := range []string{"billed", "effective", "list", "contracted"} {
		b.WriteString(", CAST(COALESCE(SUM(t." + m + "_units), 0) AS BIGINT), CAST(COALESCE(SUM(t." + m + "_nanos), 0) AS BIGINT)")
	}
	return b.String()
}

// lineCount counts the lines of cost_daily rows.
const lineCount = "CAST(SUM(t.line_count) AS BIGINT)"

// Aggregate implements costs.Querier.
func (c *Costs) Aggregate(ctx context.Context, orgID string, q costs.Query) ([]costs.AggRow, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	if !onRollup(q) {
		return c.scanAggregate(ctx, orgID, q)
	}
	if scan, err := c.scanPays(ctx, orgID); err != nil {
		return nil, err
	} else if scan {
		return c.scanAggregate(ctx, orgID, q)
	}
	return c.rollupAggregate(ctx, orgID, q)
}

// scanRowsFactor bounds how many more rows a scan may read than cost_daily
// holds for scanning to pay. Per row, SQLite's GROUP BY over cost_daily
// took about eight times the CPU of decoding and summing segments in Go
// (1M lines over 90 days, no detail rollup, one core: 460–820 ms for
// cost_daily's 306k rows against 230–300 ms for the 1M lines;
// docs/performance.md), and the scan also runs on every core; 4 keeps a
// margin for data shaped otherwise.
const scanRowsFactor = 4

// scanPays says whether the organisation's rollup questions are answered
// by scanning segments in Go (each import's detail rollup where it kept
// one, else its lines) rather than by cost_daily's GROUP BY: on SQLite,
// when every succeeded import counted its rows (migration 00032) and the
// scan reads at most scanRowsFactor times the rows of cost_daily. Both
// answers are the same (TestRollupQuestionsScanTheDetailRollupOnSQLite,
// TestCostAggregateRollupEqualsScanAndGo). On PostgreSQL the GROUP BY
// runs in the database server, beside Canopy's CPU.
func (c *Costs) scanPays(ctx context.Context, orgID string) (bool, error) {
	if c.db.Engine != SQLite {
		return false, nil
	}
	var imports, unknown, scanned, daily int64
	err := c.reader().row(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN daily_rows IS NULL THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN detail_rollup = 1 THEN COALESCE(detail_rows, row_count) ELSE row_count END), 0),
		COALESCE(SUM(daily_rows), 0)
		FROM cost_imports WHERE org_id = ? AND status = ?`, orgID, costs.StatusSucceeded).Scan(&imports, &unknown, &scanned, &daily)
	return err == nil && imports > 0 && unknown == 0 && scanned <= scanRowsFactor*daily, err
}

// rollupAggregate answers a rollup question with SQL over cost_daily.
func (c *Costs) rollupAggregate(ctx context.Context, orgID string, q costs.Query) ([]costs.AggRow, error) {
	const table = "cost_daily"
	w, err := c.queryWhere(ctx, table, orgID, q)
	if err != nil {
		return nil, err
	}
	g, err := c.groupBy(ctx, w, orgID, q.GroupBy, q.GroupTag)
	if err != nil {
		return nil, err
	}
	rows, err := c.reader().query(ctx, "SELECT t.charge_day, "+g.expr+", "+g.label+", t.billing_currency, "+
		lineCount+sums()+w.sql()+" GROUP BY t.charge_day, "+g.groupCol()+"t.billing_currency", w.args()...)
	if err != nil {
		return nil, err
	}
	var raw []rawAgg
	raw, err = scanAll(rows, scanRawAgg)
	if err != nil {
		return nil, err
	}
	return c.decodeAgg(ctx, orgID, g, raw)
}

// rawAgg is an aggregate row before its ids are decoded.
type rawAgg struct {
	day          int64
	group, label sql.NullString
	row          costs.AggRow
}

func scanRawAgg(s scanner) (rawAgg, error) {
	var r rawAgg
	var cur string
	err := scanSums(s, &cur, &r.row, &r.day, &r.group, &r.label)
	r.row.Currency, r.row.Day = cur, time.Unix(r.day*86400, 0).UTC()
	return r, err
}

// scanSums scans lead columns, the currency, the line count and the
// measure sums of an aggregate row.
func scanSums(s scanner, cur *string, row *costs.AggRow, lead ...any) error {
	dest := append(lead, cur, &row.Lines)
	var v [8]int64
	for i := range v {
		dest = append(dest, &v[i])
	}
	if err := s.Scan(dest...); err != nil {
		return err
	}
	var err error
	row.Measures, err = measuresOf(v)
	return err
}

// decodeAgg turns ids into values and labels and merges rows that decode
// to the same group (an empty tag value and a missing key are both
// NoValue), ordered by day, group and currency.
func (c *Costs) decodeAgg(ctx context.Context, orgID string, g grouping, raw []rawAgg) ([]costs.AggRow, error) {
	names, err := c.decodeNames(ctx, orgID, g, raw)
	if err != nil {
		return nil, err
	}
	type key struct {
		day        int64
		group, cur string
	}
	merged := map[key]*costs.AggRow{}
	var out []*costs.AggRow
	for _, r := range raw {
		row := r.row
		row.Group, row.Label = names.value(g, r.group), names.value(g, r.label)
		if row.Label == "" {
			row.Label = row.Group
		}
		k := key{r.day, row.Group, row.Currency}
		if m := merged[k]; m != nil {
			m.Lines += row.Lines
			if err := m.Measures.Add(row.Measures); err != nil {
				return nil, err
			}
			continue
		}
		merged[k] = &row
		out = append(out, &row)
	}
	return sortAgg(out), nil
}

// sortAgg orders rows by day, group and currency. Groups (resource IDs
// are long and share prefixes) are compared once each, by rank, instead of
// once per comparison of rows.
func sortAgg(rows []*costs.AggRow) []costs.AggRow {
	rank := map[string]int{}
	for _, r := range rows {
		rank[r.Group] = 0
	}
	groups := slices.Sorted(maps.Keys(rank))
	for i, g := range groups {
		rank[g] = i
	}
	type ranked struct {
		day  int64
		rank int
		row  *costs.AggRow
	}
	keyed := make([]ranked, len(rows))
	for i, r := range rows {
		keyed[i] = ranked{r.Day.Unix(), rank[r.Group], r}
	}
	slices.SortFunc(keyed, func(a, b ranked) int {
		return cmp.Or(cmp.Compare(a.day, b.day), cmp.Compare(a.rank, b.rank), cmp.Compare(a.row.Currency, b.row.Currency))
	})
	res := make([]costs.AggRow, len(rows))
	for i, k := range keyed {
		res[i] = *k.row
	}
	return res
}

// dimNames maps dictionary ids to values.
type dimNames map[int64]string

func (n dimNames) value(g grouping, v sql.NullString) string {
	if !v.Valid {
		return costs.NoValue
	}
	if !g.ids {
		return v.String
	}
	id, _ := strconv.ParseInt(v.String, 10, 64)
	return n[id]
}

func (c *Costs) decodeNames(ctx context.Context, orgID string, g grouping, raw []rawAgg) (dimNames, error) {
	if !g.ids {
		return nil, nil
	}
	var ids []int64
	for _, r := range raw {
		for _, v := range []sql.NullString{r.group, r.label} {
			if id, err := strconv.ParseInt(v.String, 10, 64); v.Valid && err == nil {
				ids = append(ids, id)
			}
		}
	}
	return c.names(ctx, orgID, ids)
}

// names reads the values of dictionary ids, 500 at a time.
func (c *Costs) names(ctx context.Context, orgID string, ids []int64) (dimNames, error) {
	slices.Sort(ids)
	ids = slices.Compact(ids)
	out := dimNames{}
	for len(ids) > 0 {
		n := min(len(ids), 500)
		rows, err := c.reader().query(ctx, `SELECT id, value FROM cost_dims WHERE org_id = ? AND id IN (`+marks(n)+`)`,
			append([]any{orgID}, anys(ids[:n])...)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var v string
			if err := rows.Scan(&id, &v); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = v
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		ids = ids[n:]
	}
	return out, nil
}
