package store_test

import (
	"context"
	"io"
	"testing"

	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/billing/focusgen"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// BenchmarkAggregateSQLite sums a month of 1M generated lines per day and
// service (from cost_daily) or resource (from cost_daily_detail), and the
// same by scanning the lines. The import (about a
// minute) runs once, before the timed sub-benchmarks.
// Run: go test ./internal/store -run XXX -bench Aggregate -benchtime 5x
func BenchmarkAggregateSQLite(b *testing.B) { benchAggregate(b, store.SQLite) }

// BenchmarkAggregatePostgres is the same on PostgreSQL (CANOPY_TEST_POSTGRES).
func BenchmarkAggregatePostgres(b *testing.B) {
	if storetest.PostgresURL(b) == "" {
		b.Skip("CANOPY_TEST_POSTGRES not set")
	}
	benchAggregate(b, store.Postgres)
}

func benchAggregate(b *testing.B, e store.Engine) {
	s := store.New(storetest.Open(b, e))
	now := domain.Now()
	org := domain.Org{ID: domain.NewID(domain.PrefixOrg), Name: "bench", CreatedAt: now, UpdatedAt: now}
	if err := s.CreateOrg(context.Background(), org); err != nil {
		b.Fatal(err)
	}
	c := s.Costs()
	// Streamed from the generator: a million lines are ~550 MB of CSV.
	pr, pw := io.Pipe()
	go func() {
		_, err := focusgen.Generate(pw, focusgen.Options{Rows: 1_000_000, Seed: 3, Days: 30})
		pw.CloseWithError(err)
	}()
	r, err := billing.Open(pr)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	if _, err := c.Import(context.Background(), org.ID, r, costs.ImportMeta{FileName: "month.csv"}); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		by   costs.Dim
		scan bool
	}{{"service/rollup", costs.DimService, false}, {"service/scan", costs.DimService, true},
		{"resource/detail", costs.DimResource, false}, {"resource/scan", costs.DimResource, true}} {
		b.Run(bc.name, func(b *testing.B) {
			q := costs.Query{From: jan1, To: jan1.AddDate(0, 0, 30), GroupBy: bc.by, Scan: bc.scan}
			rows := 0
			for b.Loop() {
				res, err := c.Aggregate(context.Background(), org.ID, q)
				if err != nil {
					b.Fatal(err)
				}
				rows = len(res)
			}
			b.ReportMetric(float64(rows), "rows")
		})
	}
}
