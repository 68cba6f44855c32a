package store_test

import (
	"bytes"
	"context"
	"sync"
	"testing"

	"github.com/canopyhq/canopy/internal/billing/focusgen"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// benchFOCUS is the generated file the import benchmarks load, held in
// memory so the figure is the store's and the parser's, not the disk's.
var benchFOCUS = sync.OnceValues(func() ([]byte, error) {
	var buf bytes.Buffer
	_, err := focusgen.Generate(&buf, focusgen.Options{Rows: 200_000, Seed: 1, Days: 30})
	return buf.Bytes(), err
})

// BenchmarkImportSQLite imports a 200k-line, 31-column FOCUS 1.2 file into
// a fresh organisation per iteration (dictionaries start empty).
// Run: go test ./internal/store -run XXX -bench ImportSQLite -benchtime 3x
func BenchmarkImportSQLite(b *testing.B) { benchImport(b, store.SQLite) }

// BenchmarkImportPostgres is the same on PostgreSQL (CANOPY_TEST_POSTGRES).
func BenchmarkImportPostgres(b *testing.B) {
	if storetest.PostgresURL(b) == "" {
		b.Skip("CANOPY_TEST_POSTGRES not set")
	}
	benchImport(b, store.Postgres)
}

func benchImport(b *testing.B, e store.Engine) {
	data, err := benchFOCUS()
	if err != nil {
		b.Fatal(err)
	}
	s := store.New(storetest.Open(b, e))
	c := s.Costs()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	lines, cpu0 := 0, cpuTime()
	for b.Loop() {
		now := domain.Now()
		org := domain.Org{ID: domain.NewID(domain.PrefixOrg), Name: "bench", CreatedAt: now, UpdatedAt: now}
		if err := s.CreateOrg(context.Background(), org); err != nil {
			b.Fatal(err)
		}
		res, err := importBytes(b, c, org.ID, data, costs.ImportMeta{FileName: "bench.csv"})
		if err != nil {
			b.Fatal(err)
		}
		lines += res.Rows
	}
	b.ReportMetric(float64(lines)/b.Elapsed().Seconds(), "lines/s")
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(lines)/cpu.Seconds(), "lines/cpu-s")
	}
}
