package app

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/canopyhq/canopy/internal/billing/focusgen"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/store"
)

// benchQuery is one explorer question the query benchmark times.
type benchQuery struct {
	name string
	run  func(ctx context.Context, c *store.Costs, org string, from, to time.Time) (int, error)
}

func aggregate(q costs.Query) func(context.Context, *store.Costs, string, time.Time, time.Time) (int, error) {
	return func(ctx context.Context, c *store.Costs, org string, from, to time.Time) (int, error) {
		q.From, q.To = from, to
		rows, err := c.Aggregate(ctx, org, q)
		return len(rows), err
	}
}

var benchQueries = []benchQuery{
	{"total per day", aggregate(costs.Query{})},
	{"by service per day", aggregate(costs.Query{GroupBy: costs.DimService})},
	{"by subscription/account per day", aggregate(costs.Query{GroupBy: costs.DimSubAccount})},
	{"by tag team per day", aggregate(costs.Query{GroupBy: costs.DimTag, GroupTag: "team"})},
	{"region westeurope, by service", aggregate(costs.Query{GroupBy: costs.DimService,
		Filters: []costs.Filter{{Dim: costs.DimRegion, Values: []string{"westeurope"}}}})},
	{"tag env=prod, by resource group", aggregate(costs.Query{GroupBy: costs.DimResourceGroup,
		Filters: []costs.Filter{{Dim: costs.DimTag, TagKey: "env", Values: []string{"prod"}}}})},
	{"by resource per day (lines)", aggregate(costs.Query{GroupBy: costs.DimResource})},
	{"by service per day (lines, no rollup)", aggregate(costs.Query{GroupBy: costs.DimService, Scan: true})},
	{"values of service", func(ctx context.Context, c *store.Costs, org string, from, to time.Time) (int, error) {
		v, err := c.Values(ctx, org, costs.DimService, "", from, to, 0)
		return len(v), err
	}},
	{"values of resource", func(ctx context.Context, c *store.Costs, org string, from, to time.Time) (int, error) {
		v, err := c.Values(ctx, org, costs.DimResource, "", from, to, 200)
		return len(v), err
	}},
	{"consumption (lines)", func(ctx context.Context, c *store.Costs, org string, from, to time.Time) (int, error) {
		r, err := c.Consumption(ctx, org, costs.Query{From: from, To: to})
		return len(r), err
	}},
}

// runBenchQuery loads generated (or given) cost data into a scratch
// database and prints how long the explorer's queries take over it.
func runBenchQuery(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("canopy bench query", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintln(env.Stderr, "Usage: canopy bench query [--postgres URL] [--rows N] [--days D] [--runs R] [FILE]\n\nLoads FILE (default: N generated lines over D days) into a scratch database and times the explorer's queries over the whole period.")
		fs.PrintDefaults()
	}
	pg := fs.String("postgres", "", "PostgreSQL URL to benchmark instead of SQLite")
	rows := fs.Int("rows", 1_000_000, "generated lines when no FILE is given")
	days := fs.Int("days", 30, "charge days the generated lines cover")
	runs := fs.Int("runs", 5, "times each query runs")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 1 || *runs < 1 {
		fs.Usage()
		return fmt.Errorf("at most one FILE, --runs ≥ 1")
	}
	b, err := openBenchDB(ctx, *pg)
	if err != nil {
		return err
	}
	defer b.cleanup()
	res, err := loadBenchData(ctx, env, b, fs.Arg(0), *rows, *days)
	if err != nil {
		return err
	}
	from, to := res.BillingPeriodStart, res.BillingPeriodEnd
	if d := res.Days; !d.from.IsZero() {
		from, to = d.from, d.to
	}
	c := store.New(b.DB).Costs()
	fmt.Fprintf(env.Stdout, "engine: %s, %d lines, charge days %s to %s, best and median of %d runs\n",
		b.DB.Engine, res.Rows, from.Format(time.DateOnly), to.AddDate(0, 0, -1).Format(time.DateOnly), *runs)
	for _, q := range benchQueries {
		var times []time.Duration
		n := 0
		for range *runs {
			began := time.Now()
			if n, err = q.run(ctx, c, b.Org.ID, from, to); err != nil {
				return fmt.Errorf("%s: %w", q.name, err)
			}
			times = append(times, time.Since(began))
		}
		slices.Sort(times)
		fmt.Fprintf(env.Stdout, "%-40s %7d rows  best %8.1f ms  median %8.1f ms\n", q.name, n,
			ms(times[0]), ms(times[len(times)/2]))
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// benchData is what was loaded: lines and their charge days.
type benchData struct {
	costs.ImportResult
	Days struct{ from, to time.Time }
}

func loadBenchData(ctx context.Context, env Env, b *benchDB, file string, rows, days int) (benchData, error) {
	var out benchData
	if file == "" {
		dir, err := os.MkdirTemp("", "canopy-bench-data-")
		if err != nil {
			return out, err
		}
		defer os.RemoveAll(dir)
		file = filepath.Join(dir, "focus.csv")
		start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		f, err := os.Create(file)
		if err != nil {
			return out, err
		}
		_, err = focusgen.Generate(f, focusgen.Options{Rows: rows, Seed: 1, Days: days, Start: start})
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return out, err
		}
		out.Days.from, out.Days.to = start, start.AddDate(0, 0, days)
	}
	res, took, err := benchImport(ctx, b, file)
	if err != nil {
		return out, err
	}
	fmt.Fprintf(env.Stdout, "loaded %d lines in %.1f s (%.0f lines/s)\n", res.Rows, took.Seconds(), float64(res.Rows)/took.Seconds())
	out.ImportResult = res
	return out, nil
}
