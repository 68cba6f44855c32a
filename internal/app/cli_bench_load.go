package app

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/loadgen"
)

// loadFlags are `canopy bench load`'s settings.
type loadFlags struct {
	pg       string
	nodes    int
	users    int
	apiShare float64
	duration time.Duration
	think    time.Duration
	ramp     time.Duration
	rows     int
	days     int
}

// runBenchLoad seeds a scratch database with generated cost data and the
// demo's budgets, allocation and inventory, starts `canopy serve` nodes
// on it (child processes of this binary, on loopback), drives virtual
// users against them for the duration, and reports latency per route
// class, errors, the nodes' memory and the machine's load average; then
// it checks that the cost totals still equal the generator's and that
// the audit chain is intact, and removes the scratch data.
func runBenchLoad(ctx context.Context, env Env, args []string) error {
	f, err := parseLoadFlags(env, args)
	if err != nil {
		return err
	}
	dsn, where, cleanup, err := scratchDSN(f.pg)
	if err != nil {
		return err
	}
	defer cleanup()
	dir, err := os.MkdirTemp("", "canopy-load-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	keyFile := filepath.Join(dir, "canopy.key")
	began := time.Now()
	seed, err := SeedLoad(ctx, dsn, keyFile, LoadSize{Rows: f.rows, Days: f.days, Users: f.users, APIShare: f.apiShare})
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	fmt.Fprintf(env.Stdout, "engine: %s (scratch %s, removed afterwards); seeded %d cost lines (%s to %s), %d users (%d with API tokens) in %.1f s\n",
		engineOf(dsn), where, seed.Rows, seed.From.Format(time.DateOnly), seed.To.AddDate(0, 0, -1).Format(time.DateOnly),
		len(seed.Accounts), seed.apiUsers(), time.Since(began).Seconds())
	nodes, err := startLoadNodes(ctx, dsn, keyFile, dir, f.nodes)
	if err != nil {
		return err
	}
	defer stopLoadNodes(nodes)
	rep, mon, err := driveLoad(ctx, nodes, seed, f)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "nodes: %d × canopy serve; users %d, sign-ins spread over %v, think %v, duration %v\n", len(nodes), f.users, f.ramp, f.think, f.duration)
	rep.Write(env.Stdout)
	mon.write(env.Stdout, nodes)
	if err := stopLoadNodes(nodes); err != nil {
		return err
	}
	summary, err := seed.Check(ctx, dsn, keyFile)
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, "after the run:", summary)
	if rep.Errors > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("canopy bench load: %d errors", rep.Errors)}
	}
	return nil
}

func parseLoadFlags(env Env, args []string) (loadFlags, error) {
	var f loadFlags
	fs := flag.NewFlagSet("canopy bench load", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintln(env.Stderr, "Usage: canopy bench load [--postgres URL] [--nodes N] [--users U] [--duration D] [--think T] [--ramp R] [--rows R]\n\n"+
			"Seeds a scratch database (SQLite, or a scratch schema of the PostgreSQL database at URL; removed afterwards),\n"+
			"starts N `canopy serve` nodes on 127.0.0.1 and drives U virtual users (web sign-ins and API tokens) against them.")
		fs.PrintDefaults()
	}
	fs.StringVar(&f.pg, "postgres", "", "PostgreSQL URL (a scratch schema is created in it); default a scratch SQLite file")
	fs.IntVar(&f.nodes, "nodes", 1, "canopy serve processes; more than one needs --postgres")
	fs.IntVar(&f.users, "users", 50, "concurrent virtual users")
	fs.Float64Var(&f.apiShare, "api-share", 0.5, "share of users calling the API with a token (the others sign in and browse)")
	fs.DurationVar(&f.duration, "duration", time.Minute, "how long the users browse")
	fs.DurationVar(&f.think, "think", 10*time.Second, "mean pause of a user between requests, reading the page (0: back to back)")
	fs.DurationVar(&f.ramp, "ramp", time.Minute, "spread the web users' sign-ins over this time before the timed run")
	fs.IntVar(&f.rows, "rows", 1_000_000, "generated cost lines to seed")
	fs.IntVar(&f.days, "days", 90, "charge days the lines cover, ending yesterday")
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	switch {
	case fs.NArg() > 0:
		return f, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case f.nodes < 1 || f.users < 1 || f.rows < 1 || f.days < 1 || f.duration <= 0:
		return f, fmt.Errorf("--nodes, --users, --rows, --days and --duration must be positive")
	case f.nodes > 1 && f.pg == "":
		return f, fmt.Errorf("--nodes %d needs --postgres: SQLite runs as one process", f.nodes)
	case f.think < 0 || f.ramp < 0:
		return f, fmt.Errorf("--think and --ramp must not be negative")
	case f.apiShare < 0 || f.apiShare > 1:
		return f, fmt.Errorf("--api-share must be between 0 and 1")
	}
	return f, nil
}

func engineOf(dsn string) string {
	if strings.HasPrefix(dsn, "postgres") {
		return "postgres"
	}
	return "sqlite"
}

// driveLoad runs the users while sampling the nodes' memory and the load
// average.
func driveLoad(ctx context.Context, nodes []*loadNode, seed *LoadSeed, f loadFlags) (*loadgen.Report, *monitor, error) {
	mon := startMonitor(nodes)
	rep, err := loadgen.Run(ctx, loadgen.Options{Targets: nodeURLs(nodes), Accounts: seed.Accounts,
		Duration: f.duration, Think: f.think, Ramp: f.ramp, From: seed.From, To: seed.To, Seed: 1})
	mon.stop()
	return rep, mon, err
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
