package main

import (
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// A tiny FOCUS-shaped file whose EUR amounts are not representable in
// binary floating point: the decimal variant must give the exact sum, the
// auto (DOUBLE) variant the rounded one. This is what the benchmark's
// "decimal" figures rest on.
const tinyCSV = `BilledCost,BillingCurrency,ChargePeriodStart,ServiceName,EffectiveCost,ListCost,ContractedCost
0.1,EUR,2026-01-01T00:00:00Z,Storage,0.1,0.1,0.1
0.2,EUR,2026-01-01T00:00:00Z,Storage,0.2,0.2,0.2
1.0000000001,USD,2026-02-01T00:00:00Z,Compute,1,1,1
`

func loadTiny(t *testing.T, variant string) *sql.DB {
	t.Helper()
	file := filepath.Join(t.TempDir(), "tiny.csv")
	if err := os.WriteFile(file, []byte(tinyCSV), 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	if err := setup(db, 1); err != nil {
		t.Fatal(err)
	}
	if err := load(db, options{variant: variant, file: file, runs: 1}); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestCurrencyTotals(t *testing.T) {
	cases := map[string][]string{
		"decimal":   {"BilledCost EUR: 0.3000000000 (2 lines)", "BilledCost USD: 1.0000000001 (1 lines)"},
		"decimal18": {"BilledCost EUR: 0.3000000000 (2 lines)", "BilledCost USD: 1.0000000001 (1 lines)"},
		"auto":      {"BilledCost EUR: 0.30000000000000004 (2 lines)", "BilledCost USD: 1.0000000001 (1 lines)"},
	}
	for variant, want := range cases {
		got, err := currencyTotals(loadTiny(t, variant))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: got %q, want %q", variant, got, want)
		}
	}
}

func TestGroupByMonth(t *testing.T) {
	db := loadTiny(t, "decimal")
	// January holds one service-day group, the whole file two.
	n, err := drain(db, `SELECT ServiceName, date_trunc('day', ChargePeriodStart), sum(BilledCost)
		FROM focus WHERE ChargePeriodStart < TIMESTAMPTZ '2026-02-01 00:00:00+00' GROUP BY ALL`)
	if err != nil || n != 1 {
		t.Fatalf("January groups = %d, %v; want 1", n, err)
	}
	if err := queries(db, options{runs: 1}); err != nil {
		t.Fatal(err)
	}
}

func TestLoadSQLRejectsUnknownVariant(t *testing.T) {
	if _, err := loadSQL("float", "x.csv"); err == nil {
		t.Fatal("want an error for an unknown variant")
	}
}
