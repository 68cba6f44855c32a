package store_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/billing/focusgen"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// genMonths writes a FOCUS file whose charge days run from start for days.
func genMonths(t *testing.T, rows int, seed int64, start time.Time, days int) ([]byte, focusgen.Stats) {
	t.Helper()
	var buf bytes.Buffer
	st, err := focusgen.Generate(&buf, focusgen.Options{Rows: rows, Seed: seed, Start: start, Days: days})
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), st
}

func pgOnly(t *testing.T) *store.DB {
	t.Helper()
	if storetest.PostgresURL(t) == "" {
		t.Skip("CANOPY_TEST_POSTGRES not set: month partitions are PostgreSQL's")
	}
	return storetest.Open(t, store.Postgres)
}

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// sumTotals adds per-currency billed totals exactly.
func sumTotals(t *testing.T, parts ...map[string]string) map[string]string {
	t.Helper()
	acc := map[string]domain.Amount{}
	for _, p := range parts {
		for cur, v := range p {
			var a domain.Amount
			err := a.UnmarshalText([]byte(v))
			if err != nil {
				t.Fatal(err)
			}
			if acc[cur], err = acc[cur].Add(a); err != nil {
				t.Fatal(err)
			}
		}
	}
	out := map[string]string{}
	for cur, a := range acc {
		out[cur] = a.String()
	}
	return out
}

// scanTotals sums a line scan (segments) of [from, to) by currency.
func scanTotals(t *testing.T, c *store.Costs, orgID string, from, to time.Time, scan bool) map[string]string {
	t.Helper()
	rows, err := c.Aggregate(context.Background(), orgID, costs.Query{From: from, To: to, GroupBy: costs.DimService, Scan: scan})
	if err != nil {
		t.Fatal(err)
	}
	acc := map[string]domain.Amount{}
	for _, r := range rows {
		if acc[r.Currency], err = acc[r.Currency].Add(r.Measures.Billed); err != nil {
			t.Fatal(err)
		}
	}
	out := map[string]string{}
	for cur, a := range acc {
		out[cur] = a.String()
	}
	return out
}

// crossMonthSegments counts segment rows whose lines span months.
func crossMonthSegments(t *testing.T, db *store.DB) int {
	t.Helper()
	var n int
	err := db.W.QueryRow(`SELECT (SELECT COUNT(*) FROM cost_segments WHERE date_trunc('month', date '1970-01-01' + day_min) <> date_trunc('month', date '1970-01-01' + day_max))
		+ (SELECT COUNT(*) FROM cost_detail_segments WHERE date_trunc('month', date '1970-01-01' + day_min) <> date_trunc('month', date '1970-01-01' + day_max))`).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func months(t *testing.T, c *store.Costs) map[string]store.CostMonth {
	t.Helper()
	ms, err := c.Months(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.CostMonth{}
	for _, m := range ms {
		key := m.Month.Format("2006-01")
		if m.Archived {
			key += " archived"
		}
		out[key] = m
	}
	return out
}

// A file across a month boundary lands in both months' partitions, each
// segment in one month; totals by month add up to the file's to the cent,
// through the rollup and through the line segments; re-importing the file
// replaces it; dropping one organisation's month, and then a whole month,
// removes exactly those lines.
func TestCostPartitionsAcrossMonths(t *testing.T) {
	t.Parallel()
	db := pgOnly(t)
	s := store.New(db)
	c := s.Costs()
	orgA, _ := seedOrgUser(t, s, "a@example.com", "owner")
	orgB, _ := seedOrgUser(t, s, "b@example.com", "owner")
	data, st := genMonths(t, 30000, 11, day("2025-01-20"), 24) // 20 Jan .. 12 Feb
	meta := costs.ImportMeta{FileName: "jan-feb.csv", CreatedBy: "test"}
	if _, err := importBytes(t, c, orgA.ID, data, meta); err != nil {
		t.Fatal(err)
	}
	ms := months(t, c)
	if len(ms) != 2 || ms["2025-01"].Lines+ms["2025-02"].Lines != int64(st.Rows) || ms["2025-01"].Lines == 0 || ms["2025-02"].Lines == 0 {
		t.Fatalf("months after one import over January and February: %+v, want both with %d lines in all", ms, st.Rows)
	}
	if n := crossMonthSegments(t, db); n != 0 {
		t.Fatalf("%d segments span two months", n)
	}
	all := billedTotals(t, c, orgA.ID, costs.TotalsFilter{})
	sameTotals(t, "whole file", all, st.BilledCost)
	jan := billedTotals(t, c, orgA.ID, costs.TotalsFilter{From: day("2025-01-01"), To: day("2025-02-01")})
	feb := billedTotals(t, c, orgA.ID, costs.TotalsFilter{From: day("2025-02-01"), To: day("2025-03-01")})
	sameTotals(t, "January + February", sumTotals(t, jan, feb), st.BilledCost)
	for _, r := range [][2]string{{"2025-01-01", "2025-02-01"}, {"2025-02-01", "2025-03-01"}, {"2025-01-28", "2025-02-03"}, {"2025-02-10", "2025-02-11"}} {
		from, to := day(r[0]), day(r[1])
		sameTotals(t, "line scan "+r[0]+".."+r[1], scanTotals(t, c, orgA.ID, from, to, true), scanTotals(t, c, orgA.ID, from, to, false))
	}

	res, err := importBytes(t, c, orgA.ID, data, meta)
	if err != nil || res.Replaced == "" {
		t.Fatalf("re-import: replaced %q, err %v", res.Replaced, err)
	}
	sameTotals(t, "after re-import", billedTotals(t, c, orgA.ID, costs.TotalsFilter{}), st.BilledCost)
	if again := months(t, c); again["2025-01"].Lines != ms["2025-01"].Lines || again["2025-02"].Lines != ms["2025-02"].Lines {
		t.Fatalf("lines by month after replacing the import: %+v, want %+v", again, ms)
	}

	dataB, stB := genMonths(t, 5000, 12, day("2025-02-03"), 5)
	if _, err := importBytes(t, c, orgB.ID, dataB, costs.ImportMeta{FileName: "b.csv", CreatedBy: "test"}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	dropped, err := c.DropMonth(ctx, day("2025-01-01"), orgA.ID, false)
	if err != nil || dropped.Lines[orgA.ID] != ms["2025-01"].Lines {
		t.Fatalf("drop January of org A: %+v, %v; want %d lines", dropped, err, ms["2025-01"].Lines)
	}
	sameTotals(t, "org A after dropping its January", billedTotals(t, c, orgA.ID, costs.TotalsFilter{}), feb)
	sameTotals(t, "org A January line scan", scanTotals(t, c, orgA.ID, day("2025-01-01"), day("2025-02-01"), true), map[string]string{})
	sameTotals(t, "org B", billedTotals(t, c, orgB.ID, costs.TotalsFilter{}), stB.BilledCost)

	dropped, err = c.DropMonth(ctx, day("2025-02-14"), "", true)
	if err != nil || dropped.Lines[orgA.ID] != ms["2025-02"].Lines || dropped.Lines[orgB.ID] != int64(stB.Rows) || !dropped.Archived {
		t.Fatalf("archive February: %+v, %v", dropped, err)
	}
	for _, org := range []string{orgA.ID, orgB.ID} {
		sameTotals(t, "after archiving February", billedTotals(t, c, org, costs.TotalsFilter{}), map[string]string{})
		sameTotals(t, "line scan after archiving February", scanTotals(t, c, org, day("2025-01-01"), day("2025-03-01"), true), map[string]string{})
	}
	if m := months(t, c); m["2025-02 archived"].Lines != ms["2025-02"].Lines+int64(stB.Rows) || m["2025-02"].Lines != 0 {
		t.Fatalf("months after archiving February: %+v", m)
	}
	// February again: new partitions next to the archived tables.
	if _, err := importBytes(t, c, orgB.ID, dataB, costs.ImportMeta{FileName: "b.csv", CreatedBy: "test"}); err != nil {
		t.Fatal(err)
	}
	sameTotals(t, "org B's February imported again", billedTotals(t, c, orgB.ID, costs.TotalsFilter{}), stB.BilledCost)
	if _, err := c.DropMonth(ctx, day("2025-01-01"), "", false); err != nil {
		t.Fatal(err)
	}
	if m := months(t, c); len(m) != 2 || m["2025-02"].Lines != int64(stB.Rows) {
		t.Fatalf("months after dropping January: %+v, want February (org B) and archived February", m)
	}
	if _, err := c.DropMonth(ctx, day("2025-01-01"), "", false); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("dropping January twice: %v, want not_found", err)
	}
}

// Data written before migration 00029 (plain tables, segments spanning
// months) keeps its totals to the cent once migrated, and its segments are
// split into their months.
func TestCostPartitionsMigrationKeepsTotals(t *testing.T) {
	t.Parallel()
	if storetest.PostgresURL(t) == "" {
		t.Skip("CANOPY_TEST_POSTGRES not set: month partitions are PostgreSQL's")
	}
	ctx := context.Background()
	db, err := store.Open(ctx, storetest.DSN(t, store.Postgres))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := store.MigrateUpTo(ctx, db, 28); err != nil {
		t.Fatal(err)
	}
	s := store.New(db)
	c := s.Costs()
	store.WriteUnpartitioned(c)
	org, _ := seedOrgUser(t, s, "m@example.com", "owner")
	data, st := genMonths(t, 20000, 21, day("2024-12-25"), 40) // December .. February
	if _, err := importBytes(t, c, org.ID, data, costs.ImportMeta{FileName: "old.csv", CreatedBy: "test"}); err != nil {
		t.Fatal(err)
	}
	ranges := [][2]string{{"2024-12-01", "2025-01-01"}, {"2025-01-01", "2025-02-01"}, {"2025-01-30", "2025-02-02"}, {"2025-02-01", "2025-03-01"}}
	// The rollup answers right before the migration (the line scan's
	// month bound holds only once segments are split by month).
	before := map[string]map[string]string{}
	for _, r := range ranges {
		before[r[0]] = scanTotals(t, c, org.ID, day(r[0]), day(r[1]), false)
	}
	var spanning int
	if err := db.W.QueryRow(`SELECT COUNT(*) FROM cost_segments WHERE date_trunc('month', date '1970-01-01' + day_min) <> date_trunc('month', date '1970-01-01' + day_max)`).Scan(&spanning); err != nil {
		t.Fatal(err)
	}
	if spanning == 0 {
		t.Fatal("the unpartitioned import wrote no segment spanning months: the test checks nothing")
	}

	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	c = s.Costs()
	if n := crossMonthSegments(t, db); n != 0 {
		t.Fatalf("%d segments span months after the migration", n)
	}
	sameTotals(t, "after migration", billedTotals(t, c, org.ID, costs.TotalsFilter{}), st.BilledCost)
	for _, r := range ranges {
		sameTotals(t, "line scan "+r[0]+" after migration", scanTotals(t, c, org.ID, day(r[0]), day(r[1]), true), before[r[0]])
		sameTotals(t, "rollup "+r[0]+" after migration", scanTotals(t, c, org.ID, day(r[0]), day(r[1]), false), before[r[0]])
	}
	ms := months(t, c)
	if len(ms) != 3 || ms["2024-12"].Lines+ms["2025-01"].Lines+ms["2025-02"].Lines != int64(st.Rows) {
		t.Fatalf("months after migration: %+v, want December to February with %d lines", ms, st.Rows)
	}
	var pending int
	if err := db.W.QueryRow(`SELECT COUNT(*) FROM cost_segment_splits`).Scan(&pending); err != nil || pending != 0 {
		t.Fatalf("%d segments still waiting to be split (%v)", pending, err)
	}
}

// SQLite has no month partitions: dropping a month says so.
func TestDropMonthNeedsPostgres(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, store.SQLite)
	_, err := store.New(db).Costs().DropMonth(context.Background(), day("2025-01-01"), "", false)
	if domain.ErrorCode(err) != domain.CodeInvalid {
		t.Fatalf("drop-month on SQLite: %v, want invalid", err)
	}
}

// The leader's partition maintenance creates empty months ahead.
func TestEnsureMonths(t *testing.T) {
	t.Parallel()
	c := store.New(pgOnly(t)).Costs()
	if err := c.EnsureMonths(context.Background(), day("2031-12-31"), day("2032-01-01"), day("2031-12-01")); err != nil {
		t.Fatal(err)
	}
	ms := months(t, c)
	if len(ms) != 2 || ms["2031-12"].Lines != 0 || ms["2032-01"].Bytes == 0 {
		t.Fatalf("months after EnsureMonths: %+v, want December 2031 and January 2032, empty", ms)
	}
}

// Migration 00029 rolled back keeps every line (plain tables again) and
// applied again partitions them as before.
func TestCostPartitionsMigrationDownAndUp(t *testing.T) {
	t.Parallel()
	db := pgOnly(t)
	ctx := context.Background()
	s := store.New(db)
	org, _ := seedOrgUser(t, s, "down@example.com", "owner")
	data, st := genMonths(t, 6000, 41, day("2025-03-25"), 12)
	if _, err := importBytes(t, s.Costs(), org.ID, data, costs.ImportMeta{FileName: "d.csv", CreatedBy: "test"}); err != nil {
		t.Fatal(err)
	}
	from, to := day("2025-03-01"), day("2025-05-01")
	if err := store.MigrateDownTo(ctx, db, 28); err != nil {
		t.Fatal(err)
	}
	sameTotals(t, "rollup on plain tables", scanTotals(t, s.Costs(), org.ID, from, to, false), st.BilledCost)
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	sameTotals(t, "rollup partitioned again", scanTotals(t, s.Costs(), org.ID, from, to, false), st.BilledCost)
	sameTotals(t, "line scan partitioned again", scanTotals(t, s.Costs(), org.ID, from, to, true), st.BilledCost)
	if ms := months(t, s.Costs()); ms["2025-03"].Lines+ms["2025-04"].Lines != int64(st.Rows) {
		t.Fatalf("months: %+v", ms)
	}
}
