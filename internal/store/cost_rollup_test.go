package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"sort"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// TestCostRollupFollowsImports: a failed import leaves the rollup as it
// was; a replacing import's rollup replaces the earlier one's.
func TestCostRollupFollowsImports(t *testing.T) {
	first, replacement := genDays(t, 2000, 51, 10), genDays(t, 1500, 53, 10)
	bad := corruptLine(genDays(t, 3000, 52, 10), 2500)
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := store.New(db)
		org, _ := seedOrgUser(t, s, "rollup@example.com", "owner")
		c := s.Costs()
		q := costs.Query{From: jan1, To: jan1.AddDate(0, 0, 10), GroupBy: costs.DimService}
		res1, err := importBytes(t, c, org.ID, first, costs.ImportMeta{FileName: "a.csv", SourceKey: "k"})
		if err != nil {
			t.Fatal(err)
		}
		of := func(id string) string {
			return fmt.Sprintf(" AND import_num = (SELECT num FROM cost_imports WHERE id = '%s')", id)
		}
		rows1 := count(t, db, "cost_daily", org.ID, of(res1.ImportID))
		if rows1 == 0 || rows1 >= 2000 {
			t.Fatalf("%d rollup rows for 2000 lines", rows1)
		}
		before := checkAggregate(t, c, org.ID, parseLines(t, first), q)

		if _, err := importBytes(t, c, org.ID, bad, costs.ImportMeta{FileName: "bad.csv", SourceKey: "k"}); err == nil {
			t.Fatal("the corrupt file imported")
		}
		if n := count(t, db, "cost_daily", org.ID, ""); n != rows1 {
			t.Fatalf("%d rollup rows after a failed import, want %d", n, rows1)
		}
		if after := checkAggregate(t, c, org.ID, parseLines(t, first), q); after != before {
			t.Fatalf("%d rows after a failed import, %d before", after, before)
		}

		res2, err := importBytes(t, c, org.ID, replacement, costs.ImportMeta{FileName: "b.csv", SourceKey: "k"})
		if err != nil || res2.Replaced != res1.ImportID {
			t.Fatalf("replacement: %+v %v", res2, err)
		}
		if n := count(t, db, "cost_daily", org.ID, of(res1.ImportID)); n != 0 {
			t.Fatalf("%d rollup rows of the replaced import remain", n)
		}
		checkAggregate(t, c, org.ID, parseLines(t, replacement), q)
	})
}

// canonical prints every field of a line, amounts as exact values.
func canonical(t testing.TB, l *billing.Line) string {
	c := *l
	var amounts []string
	for _, p := range []**apd.Decimal{&c.BilledCost, &c.EffectiveCost, &c.ListCost, &c.ContractedCost,
		&c.PricingQuantity, &c.ConsumedQuantity, &c.CommitmentDiscountQuantity} {
		a := "null"
		if *p != nil {
			a = amountOf(t, *p).String()
		}
		amounts, *p = append(amounts, a), nil
	}
	for _, p := range []*time.Time{&c.BillingPeriodStart, &c.BillingPeriodEnd, &c.ChargePeriodStart, &c.ChargePeriodEnd} {
		*p = p.UTC()
	}
	if len(c.Tags) == 0 {
		c.Tags = nil
	}
	if len(c.Extra) == 0 {
		c.Extra = nil
	}
	c.Shape = nil // which lines the reader found to share text: not content
	return fmt.Sprintf("%+v %v", c, amounts)
}

func TestCostLinesRoundTrip(t *testing.T) {
	gen := genDays(t, 1500, 61, 5)
	src := append(parseLines(t, gen), parseLines(t, []byte(handFOCUS))...)
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		c, orgA, orgB := explorerOrgs(t, db, gen, genDays(t, 300, 62, 3))
		ctx := context.Background()
		all := costs.Query{From: jan1, To: jan1.AddDate(0, 0, 60)}
		var got []string
		err := c.Lines(ctx, orgA, all, func(l *billing.Line) error {
			got = append(got, canonical(t, l))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		sameLines(t, got, src, nil)

		f := []costs.Filter{{Dim: costs.DimTag, TagKey: "env", Values: []string{"prod"}}, {Dim: costs.DimRegion, Values: []string{costs.NoValue, "westeurope"}}}
		got = nil
		if err := c.Lines(ctx, orgA, costs.Query{From: all.From, To: all.To, Filters: f}, func(l *billing.Line) error {
			got = append(got, canonical(t, l))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		sameLines(t, got, src, f)

		stop, n := errors.New("stop"), 0
		if err := c.Lines(ctx, orgB, all, func(*billing.Line) error {
			if n++; n == 3 {
				return stop
			}
			return nil
		}); !errors.Is(err, stop) || n != 3 {
			t.Fatalf("the walk did not stop: %v after %d lines", err, n)
		}
	})
}

func sameLines(t *testing.T, got []string, src []*billing.Line, f []costs.Filter) {
	t.Helper()
	var want []string
	for _, l := range src {
		if matchesAll(l, f) {
			want = append(want, canonical(t, l))
		}
	}
	sort.Strings(got)
	sort.Strings(want)
	if len(want) < 3 || !reflect.DeepEqual(got, want) {
		for i := range min(len(got), len(want)) {
			if got[i] != want[i] {
				t.Fatalf("%d lines, want %d; first difference:\n%s\n%s", len(got), len(want), got[i], want[i])
			}
		}
		t.Fatalf("%d lines, want %d (filters %v)", len(got), len(want), f)
	}
}

// TestCostRollupBackfill stores lines as versions before 00004 and before
// segments did (cost_lines rows without resource group or rollup), runs
// migration 00004's backfill and the conversion to segments that Migrate
// does: the rollup then answers as the scan does, and no row is left in
// cost_lines.
func TestCostRollupBackfill(t *testing.T) {
	gen := genDays(t, 2000, 81, 20)
	lines := append(parseLines(t, gen), parseLines(t, []byte(handFOCUS))...)
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		c, orgA, _ := explorerOrgs(t, db, gen, genDays(t, 200, 82, 2))
		mig, err := os.ReadFile("migrations/" + string(db.Engine) + "/00004_cost_rollups.sql")
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`(?s)INSERT INTO cost_daily .*?;`).Find(mig)
		ctx := context.Background()
		valuesOf := func() [][]costs.DimValue {
			var out [][]costs.DimValue
			for _, d := range []costs.Dim{costs.DimResource, costs.DimSKU} {
				v, err := c.Values(ctx, orgA, d, "", jan1, jan1.AddDate(0, 0, 60), 0)
				if err != nil || len(v) < 3 {
					t.Fatalf("values of %s: %v %v", d, v, err)
				}
				out = append(out, v)
			}
			return out
		}
		before := valuesOf()
		if err := store.MoveLinesToLegacyTable(ctx, db); err != nil {
			t.Fatal(err)
		}
		mig7, err := os.ReadFile("migrations/" + string(db.Engine) + "/00007_cost_daily_values.sql")
		if err != nil {
			t.Fatal(err)
		}
		m7 := regexp.MustCompile(`(?s)INSERT INTO cost_daily_values .*?;`).FindAll(mig7, -1)
		if len(m7) != 2 {
			t.Fatalf("%d value backfills in 00007", len(m7))
		}
		for _, stmt := range []string{"DELETE FROM cost_daily", string(m), "DELETE FROM cost_daily_values", string(m7[0]), string(m7[1])} {
			if _, err := db.W.ExecContext(ctx, stmt); err != nil {
				t.Fatalf("%s: %v", stmt, err)
			}
		}
		if n := count(t, db, "cost_lines", orgA, ""); n != len(lines) {
			t.Fatalf("%d legacy lines, want %d", n, len(lines))
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if n := count(t, db, "cost_lines", orgA, ""); n != 0 {
			t.Fatalf("%d lines left in cost_lines after the conversion", n)
		}
		for _, g := range groupings() {
			for _, fs := range filterSets(lines) {
				q := costs.Query{From: jan1, To: jan1.AddDate(0, 0, 60), Filters: fs, GroupBy: g.dim, GroupTag: g.tag}
				rollup, err1 := c.Aggregate(ctx, orgA, q)
				q.Scan = true
				scan, err2 := c.Aggregate(ctx, orgA, q)
				if err1 != nil || err2 != nil || !reflect.DeepEqual(rollup, scan) {
					t.Fatalf("%+v: rollup %v (%v), scan %v (%v)", q, rollup, err1, scan, err2)
				}
			}
		}
		if n := count(t, db, "cost_daily", orgA, ""); n == 0 {
			t.Fatal("the backfill wrote nothing")
		}
		if after := valuesOf(); !reflect.DeepEqual(after, before) {
			t.Fatalf("resource and SKU values after the backfill:\n%v\nbefore:\n%v", after, before)
		}
	})
}
