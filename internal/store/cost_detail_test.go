package store_test

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// repeatLines is data with each line after the header repeated n times:
// n lines per detail key.
func repeatLines(data []byte, n int) []byte {
	head, body, _ := bytes.Cut(data, []byte("\n"))
	out := append(append([]byte{}, head...), '\n')
	for _, l := range bytes.SplitAfter(body, []byte("\n")) {
		if len(l) > 0 {
			out = append(out, bytes.Repeat(l, n)...)
		}
	}
	return out
}

// detailRows counts the detail rollup rows (a segment's line_count).
func detailRows(t *testing.T, db *store.DB, orgID, cond string) int {
	t.Helper()
	var n int
	q := fmt.Sprintf("SELECT COALESCE(SUM(line_count), 0) FROM cost_detail_segments WHERE org_id = '%s'%s", orgID, cond)
	if err := db.R.QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// An import keeps detail rollup rows only with enough lines per row;
// one that gives them up (at its end, or early after the probe) leaves no
// row behind, and the line views answer alike either way.
func TestCostDetailRollupKeptOnlyWhenWorthIt(t *testing.T) {
	sparse := genDays(t, 1500, 91, 30) // about one line per resource and day
	dense := repeatLines(genDays(t, 300, 92, 3), 8)
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := store.New(db)
		org, _ := seedOrgUser(t, s, "detail@example.com", "owner")
		c := s.Costs()
		ctx := context.Background()
		cases := []struct {
			key   string
			data  []byte
			probe int64
			keep  bool
		}{{"sparse", sparse, 0, false}, {"dense", dense, 0, true}, {"early", sparse, 100, false}}
		imported := 0
		for _, tc := range cases {
			c.SetDetailProbe(tc.probe)
			c.SetRollupFlush(50) // several hand-overs, so the early give-up has rows to undo
			res, err := importBytes(t, c, org.ID, tc.data, costs.ImportMeta{FileName: tc.key + ".csv", SourceKey: tc.key})
			if err != nil {
				t.Fatal(err)
			}
			imported += res.Rows
			cond := fmt.Sprintf(" AND import_num = (SELECT num FROM cost_imports WHERE id = '%s')", res.ImportID)
			rows := detailRows(t, db, org.ID, cond)
			flag := count(t, db, "cost_imports", org.ID, fmt.Sprintf(" AND id = '%s' AND detail_rollup = 1", res.ImportID))
			if (rows > 0) != tc.keep || (flag == 1) != tc.keep {
				t.Fatalf("%s: %d detail rows, flag %d; want kept %v", tc.key, rows, flag, tc.keep)
			}
			if tc.keep && rows*8 > res.Rows {
				t.Fatalf("%s: %d detail rows for %d lines", tc.key, rows, res.Rows)
			}
		}
		// The resource and SKU filter lists count every line once: from the
		// detail rows where kept, from value counts written per line or
		// derived from the given-up detail rows otherwise.
		for _, d := range []costs.Dim{costs.DimResource, costs.DimSKU} {
			vals, err := c.Values(ctx, org.ID, d, "", jan1, jan1.AddDate(0, 0, 40), 0)
			if err != nil {
				t.Fatal(err)
			}
			var n int64
			for _, v := range vals {
				n += v.Lines
			}
			if n != int64(imported) {
				t.Fatalf("values of %s count %d lines, %d were imported", d, n, imported)
			}
		}
		for _, by := range []costs.Dim{costs.DimResource, costs.DimSKU, costs.DimService} {
			q := costs.Query{From: jan1, To: jan1.AddDate(0, 0, 40), GroupBy: by,
				Filters: []costs.Filter{{Dim: costs.DimChargeCategory, Values: []string{"Usage", "Credit"}}}}
			least := 10
			if by == costs.DimService { // the lines without a resource: licences, tax
				least = 1
				q.Filters = append(q.Filters, costs.Filter{Dim: costs.DimResource, Values: []string{costs.NoValue}})
			}
			got, err := c.Aggregate(ctx, org.ID, q)
			q.Scan = true
			want, err2 := c.Aggregate(ctx, org.ID, q)
			if err != nil || err2 != nil || len(want) < least || !reflect.DeepEqual(got, want) {
				t.Fatalf("by %s: detail %d rows (%v), scan %d rows (%v)", by, len(got), err, len(want), err2)
			}
		}
	})
}
