package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/billing/focusgen"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// genFOCUS writes a generated FOCUS 1.2 file and its exact totals.
func genFOCUS(t testing.TB, rows int, seed int64) ([]byte, focusgen.Stats) {
	t.Helper()
	var buf bytes.Buffer
	st, err := focusgen.Generate(&buf, focusgen.Options{Rows: rows, Seed: seed, Days: 5})
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), st
}

func importBytes(t testing.TB, c costs.Store, orgID string, data []byte, meta costs.ImportMeta) (costs.ImportResult, error) {
	t.Helper()
	r, err := billing.Open(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	return c.Import(context.Background(), orgID, r, meta)
}

// billedTotals reads the per-currency BilledCost sums back from the lines.
func billedTotals(t *testing.T, c costs.Store, orgID string, f costs.TotalsFilter) map[string]string {
	t.Helper()
	m, err := c.Totals(context.Background(), orgID, f)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for cur, v := range m {
		out[cur] = v.Billed.String()
	}
	return out
}

func sameTotals(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) { // fmt prints maps sorted by key
		t.Fatalf("%s: totals %v, want %v", what, got, want)
	}
}

// count runs a COUNT(*) with the org ID inlined (a generated ID, so safe
// to inline), which keeps the query engine-neutral without rebinding.
func count(t *testing.T, db *store.DB, table, orgID, cond string) int {
	t.Helper()
	var n int
	q := fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE org_id = '%s'%s", table, orgID, cond)
	if err := db.R.QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCostImportGeneratedTotalsAndReimport(t *testing.T) {
	data, st := genFOCUS(t, 20000, 7)
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := store.New(db)
		org, _ := seedOrgUser(t, s, "costs@example.com", "owner")
		c := s.Costs()
		var progress []int
		res, err := importBytes(t, c, org.ID, data, costs.ImportMeta{FileName: "gen.csv", CreatedBy: "costs@example.com",
			Progress: func(n int) { progress = append(progress, n) }})
		if err != nil {
			t.Fatal(err)
		}
		if res.Rows != st.Rows || res.Format != billing.FOCUS12 || res.Replaced != "" || len(progress) < 2 || progress[len(progress)-1] != st.Rows {
			t.Fatalf("result %+v, progress %v", res, progress)
		}
		sameTotals(t, "from the lines", billedTotals(t, c, org.ID, costs.TotalsFilter{}), st.BilledCost)
		resTotals := map[string]string{}
		for cur, m := range res.Totals {
			resTotals[cur] = m.Billed.String()
		}
		sameTotals(t, "import result", resTotals, st.BilledCost)
		dims, sets := count(t, db, "cost_dims", org.ID, ""), count(t, db, "cost_tagsets", org.ID, "")
		if dims < 1000 || sets == 0 {
			t.Fatalf("%d dimension values, %d tag sets", dims, sets)
		}

		again, err := importBytes(t, c, org.ID, data, costs.ImportMeta{FileName: "gen.csv"})
		if err != nil {
			t.Fatal(err)
		}
		if again.Replaced != res.ImportID || again.SourceKey != res.SourceKey {
			t.Fatalf("re-import: replaced %q (want %q), key %q vs %q", again.Replaced, res.ImportID, again.SourceKey, res.SourceKey)
		}
		sameTotals(t, "after re-import", billedTotals(t, c, org.ID, costs.TotalsFilter{}), st.BilledCost)
		sameTotals(t, "the replaced import has no lines", billedTotals(t, c, org.ID, costs.TotalsFilter{ImportID: res.ImportID}), map[string]string{})
		if n := storedLines(t, db, org.ID); n != st.Rows {
			t.Fatalf("%d lines after re-import, want %d", n, st.Rows)
		}
		if d2, s2 := count(t, db, "cost_dims", org.ID, ""), count(t, db, "cost_tagsets", org.ID, ""); d2 != dims || s2 != sets {
			t.Fatalf("dictionaries grew on re-import: %d/%d -> %d/%d", dims, sets, d2, s2)
		}
		list, err := c.Imports(context.Background(), org.ID, 10)
		if err != nil || len(list) != 2 || list[0].ID != again.ImportID || list[0].Status != costs.StatusSucceeded ||
			list[1].Status != costs.StatusReplaced || list[0].Rows != st.Rows || list[0].Totals["EUR"].Billed.String() != st.BilledCost["EUR"] {
			t.Fatalf("history: %+v %v", list, err)
		}
	})
}

func TestCostImportDictionaryIDsReused(t *testing.T) {
	a, _ := genFOCUS(t, 3000, 1)
	b, stB := genFOCUS(t, 3000, 2)
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := store.New(db)
		org, _ := seedOrgUser(t, s, "dims@example.com", "owner")
		c := s.Costs()
		if _, err := importBytes(t, c, org.ID, a, costs.ImportMeta{FileName: "a.csv", SourceKey: "a"}); err != nil {
			t.Fatal(err)
		}
		before := dimIDs(t, db, org.ID)
		res, err := importBytes(t, c, org.ID, b, costs.ImportMeta{FileName: "b.csv", SourceKey: "b"})
		if err != nil {
			t.Fatal(err)
		}
		after := dimIDs(t, db, org.ID)
		for k, id := range before {
			if after[k] != id {
				t.Fatalf("dimension %s: id %d became %d", k, id, after[k])
			}
		}
		if len(after) != count(t, db, "cost_dims", org.ID, "") {
			t.Fatal("a (kind, value) is stored twice")
		}
		sameTotals(t, "second file alone", billedTotals(t, c, org.ID, costs.TotalsFilter{ImportID: res.ImportID}), stB.BilledCost)
	})
}

func dimIDs(t *testing.T, db *store.DB, orgID string) map[string]int64 {
	t.Helper()
	rows, err := db.R.Query(fmt.Sprintf("SELECT kind, value, id FROM cost_dims WHERE org_id = '%s'", orgID))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var kind, value string
		var id int64
		if err := rows.Scan(&kind, &value, &id); err != nil {
			t.Fatal(err)
		}
		out[kind+"\x00"+value] = id
	}
	return out
}

// corruptLine replaces the first field (BilledCost) of a 1-based file line.
func corruptLine(data []byte, line int) []byte {
	lines := bytes.SplitAfter(data, []byte("\n"))
	l := lines[line-1]
	lines[line-1] = append([]byte("12.x4"), l[bytes.IndexByte(l, ','):]...)
	return bytes.Join(lines, nil)
}

func TestCostImportBadFileChangesNothing(t *testing.T) {
	good, st := genFOCUS(t, 2000, 11)
	bigger, _ := genFOCUS(t, 6000, 12)
	bad := corruptLine(corruptLine(bigger, 5000), 5003)
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := store.New(db)
		org, _ := seedOrgUser(t, s, "bad@example.com", "owner")
		c := s.Costs()
		a, err := importBytes(t, c, org.ID, good, costs.ImportMeta{FileName: "a.csv", SourceKey: "same-source"})
		if err != nil {
			t.Fatal(err)
		}
		dims, lines := count(t, db, "cost_dims", org.ID, ""), storedLines(t, db, org.ID)
		// Same source key: had it succeeded, it would have replaced A.
		_, err = importBytes(t, c, org.ID, bad, costs.ImportMeta{FileName: "bad.csv", SourceKey: "same-source"})
		var pe *billing.ParseError
		if !errors.As(err, &pe) || pe.Line != 5000 || pe.Column != "BilledCost" || !strings.Contains(err.Error(), "bad.csv") {
			t.Fatalf("want a parse error at line 5000, column BilledCost; got %v", err)
		}
		sameTotals(t, "A after the bad file", billedTotals(t, c, org.ID, costs.TotalsFilter{}), st.BilledCost)
		if d, l := count(t, db, "cost_dims", org.ID, ""), storedLines(t, db, org.ID); d != dims || l != lines {
			t.Fatalf("dims %d -> %d, lines %d -> %d", dims, d, lines, l)
		}
		list, err := c.Imports(context.Background(), org.ID, 10)
		if err != nil || len(list) != 2 {
			t.Fatalf("history: %+v %v", list, err)
		}
		failed, kept := list[0], list[1]
		// The history lists both bad lines, with their text.
		if failed.Status != costs.StatusFailed || !strings.Contains(failed.Error, "2 bad lines: line 5000, column BilledCost") ||
			!strings.Contains(failed.Error, "; line 5003, column BilledCost") || !strings.Contains(failed.Error, ` in "`) ||
			failed.FinishedAt == nil || kept.ID != a.ImportID || kept.Status != costs.StatusSucceeded {
			t.Fatalf("history after failure: %+v / %+v", failed, kept)
		}
	})
}

func TestCostImportOrgsIsolated(t *testing.T) {
	a, stA := genFOCUS(t, 1500, 21)
	b, stB := genFOCUS(t, 1000, 22)
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := store.New(db)
		orgA, _ := seedOrgUser(t, s, "a@example.com", "owner")
		orgB, _ := seedOrgUser(t, s, "b@example.com", "owner")
		c := s.Costs()
		resA, err := importBytes(t, c, orgA.ID, a, costs.ImportMeta{FileName: "a.csv"})
		if err != nil {
			t.Fatal(err)
		}
		// The same source key in another org replaces nothing of org A's.
		if _, err := importBytes(t, c, orgB.ID, b, costs.ImportMeta{FileName: "b.csv", SourceKey: resA.SourceKey}); err != nil {
			t.Fatal(err)
		}
		sameTotals(t, "org A", billedTotals(t, c, orgA.ID, costs.TotalsFilter{}), stA.BilledCost)
		jan1 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) // focusgen's default start; Days is 5
		sameTotals(t, "org A, its five days", billedTotals(t, c, orgA.ID, costs.TotalsFilter{From: jan1, To: jan1.AddDate(0, 0, 5)}), stA.BilledCost)
		sameTotals(t, "org A, the days after", billedTotals(t, c, orgA.ID, costs.TotalsFilter{From: jan1.AddDate(0, 0, 5)}), map[string]string{})
		sameTotals(t, "org B", billedTotals(t, c, orgB.ID, costs.TotalsFilter{}), stB.BilledCost)
		sameTotals(t, "org B asking for A's import", billedTotals(t, c, orgB.ID, costs.TotalsFilter{ImportID: resA.ImportID}), map[string]string{})
		listB, err := c.Imports(context.Background(), orgB.ID, 10)
		if err != nil || len(listB) != 1 || listB[0].OrgID != orgB.ID {
			t.Fatalf("org B's history: %+v %v", listB, err)
		}
	})
}

func TestCostImportFOCUSQuirks(t *testing.T) {
	data, err := os.ReadFile("../billing/testdata/focus12_quirks.csv")
	if err != nil {
		t.Fatal(err)
	}
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := store.New(db)
		org, _ := seedOrgUser(t, s, "quirks@example.com", "owner")
		c := s.Costs()
		cache := cacheSize(t, db)
		res, err := importBytes(t, c, org.ID, data, costs.ImportMeta{FileName: "focus12_quirks.csv"})
		if err != nil {
			t.Fatal(err)
		}
		if got := cacheSize(t, db); got != cache {
			t.Fatalf("the import left the writer's cache_size at %d (was %d)", got, cache)
		}
		m := res.Totals["USD"]
		if res.Rows != 2 || m.Billed.String() != "10.3456789012" || m.Effective.String() != "9.1" || m.List.String() != "13" {
			t.Fatalf("result %+v", res)
		}
		got, err := c.Totals(context.Background(), org.ID, costs.TotalsFilter{})
		if err != nil || got["USD"] != m {
			t.Fatalf("stored totals %+v, import %+v (%v)", got["USD"], m, err)
		}
		var pairs string
		q := fmt.Sprintf(`SELECT pairs FROM cost_tagsets WHERE org_id = '%s'`, org.ID)
		if err := db.R.QueryRow(q).Scan(&pairs); err != nil {
			t.Fatal(err)
		}
		var tagged []*billing.Line
		if err := c.Lines(context.Background(), org.ID, costs.Query{From: time.Unix(0, 0), To: time.Now()}, func(l *billing.Line) error {
			if len(l.Tags) > 0 {
				tagged = append(tagged, l)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if pairs != `{"env":"prod","team":"a,b"}` || len(tagged) != 1 || tagged[0].Tags["team"] != "a,b" || tagged[0].Extra["x_CustomThing"] != "keep-me" {
			t.Fatalf("tags %s, lines with tags %+v", pairs, tagged)
		}
		if n := count(t, db, "cost_tagset_pairs", org.ID, ""); n != 2 {
			t.Fatalf("%d tag pairs", n)
		}
	})
}

// cacheSize is SQLite's page cache setting of the writer connection (the
// import raises it for its transaction); 0 on PostgreSQL.
func cacheSize(t *testing.T, db *store.DB) int {
	t.Helper()
	if db.Engine != store.SQLite {
		return 0
	}
	var n int
	if err := db.W.QueryRow("PRAGMA cache_size").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCostImportConcurrentSameOrg runs two imports of one organisation at
// once: dictionary ids are allocated in Go, so imports of an org must take
// turns (PostgreSQL advisory lock; SQLite's single writer) and both land.
func TestCostImportConcurrentSameOrg(t *testing.T) {
	a, stA := genFOCUS(t, 3000, 31)
	b, stB := genFOCUS(t, 3000, 32)
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := store.New(db)
		org, _ := seedOrgUser(t, s, "both@example.com", "owner")
		c := s.Costs()
		errs := make(chan error, 2)
		for i, data := range [][]byte{a, b} {
			r, err := billing.Open(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			go func() {
				_, err := c.Import(context.Background(), org.ID, r, costs.ImportMeta{FileName: "f.csv", SourceKey: fmt.Sprint("file-", i)})
				errs <- err
			}()
		}
		for range 2 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		ra, _ := c.Totals(context.Background(), org.ID, costs.TotalsFilter{})
		for cur, want := range map[string][2]string{"USD": {stA.BilledCost["USD"], stB.BilledCost["USD"]}} {
			var sum costs.Measures
			for _, w := range want {
				var m costs.Measures
				if err := m.Billed.UnmarshalText([]byte(w)); err != nil {
					t.Fatal(err)
				}
				if err := sum.Add(m); err != nil {
					t.Fatal(err)
				}
			}
			if ra[cur].Billed != sum.Billed {
				t.Fatalf("%s: %s, want %s", cur, ra[cur].Billed, sum.Billed)
			}
		}
		if len(dimIDs(t, db, org.ID)) != count(t, db, "cost_dims", org.ID, "") {
			t.Fatal("a (kind, value) is stored twice")
		}
	})
}

// storedLines counts an organisation's stored lines (in its segments).
func storedLines(t *testing.T, db *store.DB, orgID string) int {
	t.Helper()
	var n int
	if err := db.R.QueryRow(strings.Replace(`SELECT COALESCE(SUM(line_count), 0) FROM cost_segments WHERE org_id = $1`,
		"$1", "'"+orgID+"'", 1)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
