package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"testing"

	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// explorerOrgs imports the generated file (40 days) and the hand-made
// one into org A and another generated file into org B, whose lines must
// never show in A's answers (dictionary ids overlap between orgs).
func explorerOrgs(t *testing.T, db *store.DB, gen, other []byte) (c *store.Costs, orgA, orgB string) {
	t.Helper()
	s := store.New(db)
	a, _ := seedOrgUser(t, s, "explore-a@example.com", "owner")
	b, _ := seedOrgUser(t, s, "explore-b@example.com", "owner")
	c = s.Costs()
	// Hand the rollup over in small pieces, as a large import does, so
	// keys split across flushes (two cost_daily rows) are checked too.
	c.SetRollupFlush(97)
	// The generated files keep cost_daily_detail rows, the hand-made one
	// none (too few lines per row), so line views merge both paths.
	for _, f := range []struct {
		org    string
		data   []byte
		key    string
		detail int64
	}{{a.ID, gen, "gen", 1}, {a.ID, []byte(handFOCUS), "hand", 1 << 40}, {b.ID, other, "other", 1}} {
		c.SetDetailMinLines(f.detail)
		if _, err := importBytes(t, c, f.org, f.data, costs.ImportMeta{FileName: f.key + ".csv", SourceKey: f.key}); err != nil {
			t.Fatal(err)
		}
	}
	return c, a.ID, b.ID
}

func TestCostAggregateRollupEqualsScanAndGo(t *testing.T) {
	gen, other := genDays(t, 4000, 41, 40), genDays(t, 1500, 42, 10)
	lines := append(parseLines(t, gen), parseLines(t, []byte(handFOCUS))...)
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		c, orgA, _ := explorerOrgs(t, db, gen, other)
		ranges := [][2]int{{0, 60}, {3, 10}}
		checked := 0
		for _, g := range groupings() {
			for _, fs := range filterSets(lines) {
				for _, r := range ranges {
					q := costs.Query{From: jan1.AddDate(0, 0, r[0]), To: jan1.AddDate(0, 0, r[1]), Filters: fs, GroupBy: g.dim, GroupTag: g.tag}
					checked += checkAggregate(t, c, orgA, lines, q)
				}
			}
		}
		if checked < 10000 {
			t.Fatalf("only %d rows compared: the fixture lost its variety", checked)
		}
	})
}

// On SQLite, an organisation whose imports all kept a detail rollup not
// much larger than cost_daily has its rollup questions answered by
// scanning the detail rollup (cheaper there than SQLite's GROUP BY),
// with the same answers as cost_daily's; an import without a detail
// rollup, or made before the row counts were kept, sends them back to
// cost_daily. PostgreSQL always asks cost_daily.
func TestRollupQuestionsScanTheDetailRollupOnSQLite(t *testing.T) {
	gen := repeatLines(genDays(t, 1500, 43, 6), 8) // eight lines per row: the detail rollup is kept
	lines := parseLines(t, gen)
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := store.New(db)
		org, _ := seedOrgUser(t, s, "scanpays@example.com", "owner")
		c := s.Costs()
		ctx := context.Background()
		if pays, err := c.ScanPays(ctx, org.ID); err != nil || pays {
			t.Fatalf("no import yet: scan pays %v (%v)", pays, err)
		}
		if _, err := importBytes(t, c, org.ID, gen, costs.ImportMeta{FileName: "gen.csv"}); err != nil {
			t.Fatal(err)
		}
		var daily, detail sql.NullInt64
		if err := db.R.QueryRow(`SELECT daily_rows, detail_rows FROM cost_imports WHERE org_id = '`+org.ID+`'`).Scan(&daily, &detail); err != nil {
			t.Fatal(err)
		}
		if n := int64(count(t, db, "cost_daily", org.ID, "")); !daily.Valid || daily.Int64 != n || !detail.Valid || detail.Int64 == 0 {
			t.Fatalf("row counts kept: daily %v (table %d), detail %v", daily, n, detail)
		}
		pays, err := c.ScanPays(ctx, org.ID)
		if err != nil || pays != (db.Engine == store.SQLite) {
			t.Fatalf("%s, detail %d rows, daily %d: scan pays %v (%v)", db.Engine, detail.Int64, daily.Int64, pays, err)
		}
		for _, g := range groupings() {
			for _, fs := range filterSets(lines) {
				q := costs.Query{From: jan1, To: jan1.AddDate(0, 0, 6), Filters: fs, GroupBy: g.dim, GroupTag: g.tag}
				got, err := c.Aggregate(ctx, org.ID, q)
				want, err2 := c.AggregateSQL(ctx, org.ID, q)
				if err != nil || err2 != nil || !reflect.DeepEqual(got, want) {
					t.Fatalf("group %s/%s filters %v: %v %v\n%+v\n%+v", q.GroupBy, q.GroupTag, q.Filters, err, err2, got, want)
				}
			}
		}
		// A hand-made file has too few lines per row to keep a detail
		// rollup: its lines are scanned, few enough to pay still.
		hand, err := importBytes(t, c, org.ID, []byte(handFOCUS), costs.ImportMeta{FileName: "hand.csv"})
		if err != nil {
			t.Fatal(err)
		}
		if pays, err := c.ScanPays(ctx, org.ID); err != nil || pays != (db.Engine == store.SQLite) {
			t.Fatalf("%s, with a small import without a detail rollup: scan pays %v (%v)", db.Engine, pays, err)
		}
		// Lines far more than cost_daily's rows (as a large export with one
		// line per resource and day has), or an import from before the
		// counts were kept, send the questions back to cost_daily.
		for _, set := range []string{"row_count = 1000000000", "daily_rows = NULL"} {
			if _, err := db.W.Exec(`UPDATE cost_imports SET ` + set + ` WHERE id = '` + hand.ImportID + `'`); err != nil {
				t.Fatal(err)
			}
			if pays, err := c.ScanPays(ctx, org.ID); err != nil || pays {
				t.Fatalf("after %s: scan pays %v (%v)", set, pays, err)
			}
		}
	})
}

type groupTag struct {
	dim costs.Dim
	tag string
}

// groupings is every dimension, tag keys with values, with an empty value
// ("owner") and unknown ("nope"), and no grouping.
func groupings() []groupTag {
	out := []groupTag{{"", ""}, {costs.DimTag, "env"}, {costs.DimTag, "owner"}, {costs.DimTag, "nope"}}
	for _, d := range costs.Dims {
		if d != costs.DimTag {
			out = append(out, groupTag{d, ""})
		}
	}
	return out
}

// filterSets filters on each dimension with a value from the data, on
// NoValue, on tag keys and values, and combinations.
func filterSets(lines []*billing.Line) [][]costs.Filter {
	first := func(d costs.Dim, tag string, skip int) string {
		for _, l := range lines {
			if v := valueOf(l, d, tag); v != "" {
				if skip == 0 {
					return v
				}
				skip--
			}
		}
		return ""
	}
	one := func(d costs.Dim, vs ...string) costs.Filter { return costs.Filter{Dim: d, Values: vs} }
	tag := func(k string, vs ...string) costs.Filter {
		return costs.Filter{Dim: costs.DimTag, TagKey: k, Values: vs}
	}
	sets := [][]costs.Filter{nil}
	for _, d := range costs.Dims {
		if d != costs.DimTag {
			sets = append(sets, []costs.Filter{one(d, first(d, "", 0), first(d, "", 700))})
		}
	}
	return append(sets,
		[]costs.Filter{one(costs.DimRegion, costs.NoValue)},
		[]costs.Filter{one(costs.DimResourceGroup, "RG-WEB", costs.NoValue)},
		[]costs.Filter{one(costs.DimResource, costs.NoValue)},
		[]costs.Filter{one(costs.DimService, "no such service")},
		[]costs.Filter{tag("env", "prod", "dev")},
		[]costs.Filter{tag("env", costs.NoValue)},
		[]costs.Filter{tag("owner", costs.NoValue)},
		[]costs.Filter{tag("owner")},
		[]costs.Filter{tag("nope", costs.NoValue)},
		[]costs.Filter{tag("nope", "x")},
		[]costs.Filter{one(costs.DimProvider, first(costs.DimProvider, "", 0)), tag("env", "prod")},
		[]costs.Filter{one(costs.DimBillingCurrency, "CHF", "EUR"), one(costs.DimChargeCategory, "Usage", "Credit")},
		[]costs.Filter{one(costs.DimSKU, first(costs.DimSKU, "", 0)), tag("team", costs.NoValue)},
		[]costs.Filter{one(costs.DimSubAccount, first(costs.DimSubAccount, "", 0)), one(costs.DimServiceCategory, first(costs.DimServiceCategory, "", 0), "Storage")},
	)
}

// checkAggregate compares the rollup answer, the scan answer and Go's
// sums exactly; it returns how many rows were compared.
func checkAggregate(t *testing.T, c *store.Costs, orgID string, lines []*billing.Line, q costs.Query) int {
	t.Helper()
	ctx := context.Background()
	rollup, err := c.Aggregate(ctx, orgID, q)
	if err != nil {
		t.Fatalf("%+v: %v", q, err)
	}
	q.Scan = true
	scan, err := c.Aggregate(ctx, orgID, q)
	if err != nil {
		t.Fatalf("%+v: %v", q, err)
	}
	if !reflect.DeepEqual(rollup, scan) {
		t.Fatalf("group %s/%s filters %v: rollup and scan differ:\n%+v\n%+v", q.GroupBy, q.GroupTag, q.Filters, rollup, scan)
	}
	q.Scan = false
	if bySQL, err := c.AggregateSQL(ctx, orgID, q); err != nil || !reflect.DeepEqual(bySQL, scan) {
		t.Fatalf("group %s/%s filters %v: cost_daily's answer differs (%v):\n%+v\n%+v", q.GroupBy, q.GroupTag, q.Filters, err, bySQL, scan)
	}
	got, want := asMap(t, scan, q.GroupBy), wantAggregate(t, lines, q)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("group %s/%s filters %v: store and Go differ:\n%v\n%v", q.GroupBy, q.GroupTag, q.Filters, got, want)
	}
	checkLabels(t, lines, q.GroupBy, scan)
	return len(scan)
}

// checkLabels: accounts, sub accounts, regions and resources are labelled
// with their names (the value when nameless), the rest with the value.
func checkLabels(t *testing.T, lines []*billing.Line, by costs.Dim, rows []costs.AggRow) {
	t.Helper()
	names := map[string]string{}
	for _, l := range lines {
		switch by {
		case costs.DimBillingAccount:
			names[l.BillingAccountID] = l.BillingAccountName
		case costs.DimSubAccount:
			names[l.SubAccountID] = l.SubAccountName
		case costs.DimRegion:
			names[l.RegionID] = l.RegionName
		case costs.DimResource:
			names[l.ResourceID] = l.ResourceName
		}
	}
	for _, r := range rows {
		want := names[r.Group]
		if want == "" {
			want = r.Group
		}
		if r.Label != want {
			t.Fatalf("group %s %q: label %q, want %q", by, r.Group, r.Label, want)
		}
	}
}

func TestCostAggregateRejectsBadQueries(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		c := store.New(db).Costs()
		for i, q := range []costs.Query{{}, {From: jan1, To: jan1},
			{From: jan1, To: jan1.AddDate(0, 0, 1), GroupBy: costs.DimTag},
			{From: jan1, To: jan1.AddDate(0, 0, 1), Filters: []costs.Filter{{Dim: costs.DimService}}},
			{From: jan1, To: jan1.AddDate(0, 0, 1), Filters: []costs.Filter{{Dim: "colour", Values: []string{"x"}}}}} {
			if _, err := c.Aggregate(context.Background(), "org_x", q); err == nil {
				t.Fatal(fmt.Sprint("query ", i, " must be refused"))
			}
		}
	})
}
