package app

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// benchDB is a scratch database for a benchmark: a fresh SQLite file in a
// temporary folder, or a fresh schema in the PostgreSQL database given,
// dropped again by cleanup.
type benchDB struct {
	DB      *store.DB
	Org     domain.Org
	Where   string // the scratch database or schema, for the report
	cleanup func()
}

func openBenchDB(ctx context.Context, pgURL string) (*benchDB, error) {
	dsn, where, cleanup, err := scratchDSN(pgURL)
	if err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, dsn)
	if err == nil {
		err = db.Migrate(ctx)
	}
	if err != nil {
		cleanup()
		return nil, err
	}
	now := domain.Now()
	org := domain.Org{ID: domain.NewID(domain.PrefixOrg), Name: "Benchmark", ReportingCurrency: domain.DefaultReportingCurrency, CreatedAt: now, UpdatedAt: now}
	if err := store.New(db).CreateOrg(ctx, org); err != nil {
		db.Close()
		cleanup()
		return nil, err
	}
	return &benchDB{DB: db, Org: org, Where: where, cleanup: func() { db.Close(); cleanup() }}, nil
}

func scratchDSN(pgURL string) (dsn, where string, cleanup func(), err error) {
	if pgURL == "" {
		dir, err := os.MkdirTemp("", "canopy-bench-")
		if err != nil {
			return "", "", nil, err
		}
		path := filepath.Join(dir, "bench.db")
		return "sqlite:" + path, path, func() { os.RemoveAll(dir) }, nil
	}
	admin, err := sql.Open("pgx", pgURL)
	if err != nil {
		return "", "", nil, err
	}
	defer admin.Close()
	schema := "bench_" + strings.ToLower(strings.TrimPrefix(domain.NewID(""), "_"))
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		return "", "", nil, fmt.Errorf("create scratch schema: %w", err)
	}
	drop := func() {
		if db, err := sql.Open("pgx", pgURL); err == nil {
			_, _ = db.Exec("DROP SCHEMA " + schema + " CASCADE")
			db.Close()
		}
	}
	u, err := url.Parse(pgURL)
	if err != nil {
		drop()
		return "", "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), "schema " + schema, drop, nil
}

// runBenchIngest imports FILE into a scratch database and prints the
// import speed and the process's peak memory; the database is removed
// afterwards. The same file given to tools/duckbench gives DuckDB's figure.
func runBenchIngest(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("canopy bench ingest", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintln(env.Stderr, "Usage: canopy bench ingest [--postgres URL] FILE\n\nImports FILE into a scratch SQLite database (or a scratch schema of the PostgreSQL database at URL, dropped afterwards).")
		fs.PrintDefaults()
	}
	pg := fs.String("postgres", "", "PostgreSQL URL to benchmark instead of SQLite")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the import to this file (go tool pprof)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("need one FILE")
	}
	b, err := openBenchDB(ctx, *pg)
	if err != nil {
		return err
	}
	defer b.cleanup()
	if *profile != "" {
		stop, err := startCPUProfile(*profile)
		if err != nil {
			return err
		}
		defer stop()
	}
	res, took, err := benchImport(ctx, b, fs.Arg(0))
	if err != nil {
		return err
	}
	settling := time.Now()
	b.DB.Settle()
	fmt.Fprintf(env.Stdout, "engine: %s (scratch %s, removed afterwards)\nrows:   %d\ntime:   %.3f s\nspeed:  %.0f lines/s\n",
		b.DB.Engine, b.Where, res.Rows, took.Seconds(), float64(res.Rows)/took.Seconds())
	if b.DB.Engine == store.SQLite {
		fmt.Fprintf(env.Stdout, "after:  %.3f s (the WAL checkpoint, in the background once the import is committed)\n", time.Since(settling).Seconds())
	}
	fmt.Fprintf(env.Stdout, "peak memory (max RSS): %.0f MiB\n", float64(maxRSS())/(1<<20))
	return nil
}

func benchImport(ctx context.Context, b *benchDB, path string) (costs.ImportResult, time.Duration, error) {
	f, err := os.Open(path)
	if err != nil {
		return costs.ImportResult{}, 0, err
	}
	defer f.Close()
	began := time.Now()
	r, err := billing.Open(io.Reader(f))
	if err != nil {
		return costs.ImportResult{}, 0, err
	}
	defer r.Close()
	res, err := store.New(b.DB).Costs().Import(ctx, b.Org.ID, r,
		costs.ImportMeta{FileName: filepath.Base(path), CreatedBy: "bench"})
	return res, time.Since(began), err
}

// startCPUProfile profiles the process into path until stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
