package app

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"strings"

	"github.com/canopyhq/canopy/internal/config"
)

// Version is set at build time with -ldflags "-X ...app.Version=v1.2.3".
var Version = "dev"

// Env carries what a command needs from its process.
type Env struct {
	Args   []string
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

const usage = `Canopy: cloud, Microsoft 365 and software spend, allocated and governed.

Usage: canopy <command> [flags]

Commands:
  demo            start Canopy with demo data on embedded SQLite (./canopy-demo)
  serve           serve the web UI and API, and run background jobs
  worker          run background jobs only (scale out next to serve on PostgreSQL)
  migrate         apply database migrations and exit
  backup          copy a running SQLite database into a new file (online backup); PostgreSQL: pg_dump
  restore         replace an SQLite database's content with a backup (stop Canopy first); PostgreSQL: pg_restore
  user create     add a user to an organisation
  token create    create an API token for a user
  audit verify    check the audit log's hash chain
  admin rotate-collector-key
                  make a new collector key, re-encrypt every M365 service-account password to it, retire the old key
  import          import billing files (FOCUS, Azure, AWS CUR, Partner Center; plain or .gz) into an organisation
  costs months    list the months of cost facts (PostgreSQL month partitions): lines, size, archived
  costs drop-month drop or archive one month of cost facts (--month YYYY-MM [--org ID] [--archive]; PostgreSQL)
  bench gen-focus write a reproducible FOCUS 1.2 cost file for benchmarks
  bench ingest    import a cost file into a scratch database; print lines/s and peak memory
  bench query     time the spend explorer's queries over generated cost data in a scratch database
  bench allocate  time allocating generated cost data with many rules and splits, and re-allocating after one rule change
  bench load      seed a scratch database, start canopy serve nodes and drive concurrent web and API users against them
  version         print the version

Every command that touches data takes --db (env CANOPY_DB): sqlite:PATH or postgres://...
Run "canopy <command> -h" for a command's flags.
`

// Run runs the command line and returns the process exit code.
func Run(ctx context.Context, env Env) int {
	args := env.Args
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	if (cmd == "user" || cmd == "token" || cmd == "audit" || cmd == "bench" || cmd == "costs" || cmd == "admin") && len(rest) > 0 {
		cmd, rest = cmd+" "+rest[0], rest[1:]
	}
	var err error
	switch cmd {
	case "demo":
		err = runDemo(ctx, env, rest)
	case "serve":
		err = runServe(ctx, env, rest)
	case "worker":
		err = runWorker(ctx, env, rest)
	case "migrate":
		err = runMigrate(ctx, env, rest)
	case "backup":
		err = runBackup(ctx, env, rest)
	case "restore":
		err = runRestore(ctx, env, rest)
	case "user create":
		err = runUserCreate(ctx, env, rest)
	case "token create":
		err = runTokenCreate(ctx, env, rest)
	case "admin rotate-collector-key":
		err = runRotateCollectorKey(ctx, env, rest)
	case "audit verify":
		err = runAuditVerify(ctx, env, rest)
	case "import":
		err = runImport(ctx, env, rest)
	case "costs months":
		err = runCostsMonths(ctx, env, rest)
	case "costs drop-month":
		err = runCostsDropMonth(ctx, env, rest)
	case "bench gen-focus":
		err = runBenchGenFocus(ctx, env, rest)
	case "bench ingest":
		err = runBenchIngest(ctx, env, rest)
	case "bench query":
		err = runBenchQuery(ctx, env, rest)
	case "bench allocate":
		err = runBenchAllocate(ctx, env, rest)
	case "bench load":
		err = runBenchLoad(ctx, env, rest)
	case "version", "--version", "-v":
		fmt.Fprintln(env.Stdout, versionString())
	case "help", "-h", "--help":
		fmt.Fprint(env.Stdout, usage)
	default:
		fmt.Fprintf(env.Stderr, "canopy: unknown command %q\n\n%s", strings.Join(args[:min(2, len(args))], " "), usage)
		return 2
	}
	return exitCode(env, err)
}

// exitError carries a specific exit code (e.g. a failed audit check).
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func exitCode(env Env, err error) int {
	if err == nil {
		return 0
	}
	if err == flag.ErrHelp {
		return 0
	}
	if ee, ok := err.(*exitError); ok {
		if ee.msg != "" {
			fmt.Fprintln(env.Stderr, ee.msg)
		}
		return ee.code
	}
	fmt.Fprintln(env.Stderr, "canopy:", err)
	return 1
}

func versionString() string {
	rev := ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				rev = " (" + s.Value[:12] + ")"
			}
		}
		return fmt.Sprintf("canopy %s%s %s", Version, rev, bi.GoVersion)
	}
	return "canopy " + Version
}

// parse reads the common flags and the command's own into a Config.
func parse(env Env, name string, args []string, extra func(fs *flag.FlagSet)) (config.Config, error) {
	cfg := config.Default()
	fs := flag.NewFlagSet("canopy "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	cfg.Bind(fs, env.Getenv)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return cfg, cfg.Finish()
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	var l *slog.Logger
	if cfg.LogText {
		l = slog.New(slog.NewTextHandler(w, opts))
	} else {
		l = slog.New(slog.NewJSONHandler(w, opts))
	}
	// Packages that log through slog's default (services) use the same
	// handler, level and format as the rest of the process.
	slog.SetDefault(l)
	return l
}

func runServe(ctx context.Context, env Env, args []string) error {
	cfg, err := parse(env, "serve", args, nil)
	if err != nil {
		return err
	}
	log := newLogger(cfg, env.Stderr)
	a, err := Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	return a.listenAndServe(ctx)
}

func (a *App) listenAndServe(ctx context.Context) error {
	ln, err := net.Listen("tcp", a.Cfg.Addr)
	if err != nil {
		a.DB.Close()
		return err
	}
	if err := a.StartJobs(ctx); err != nil {
		ln.Close()
		a.DB.Close()
		return err
	}
	a.Log.Info("canopy listening", "url", a.Cfg.BaseURL, "addr", ln.Addr().String(), "engine", string(a.DB.Engine), "version", Version)
	return a.Serve(ctx, ln)
}

func runWorker(ctx context.Context, env Env, args []string) error {
	cfg, err := parse(env, "worker", args, nil)
	if err != nil {
		return err
	}
	if cfg.JobWorkers <= 0 {
		return fmt.Errorf("worker needs --workers > 0")
	}
	a, err := Open(ctx, cfg, newLogger(cfg, env.Stderr))
	if err != nil {
		return err
	}
	if err := a.StartJobs(ctx); err != nil {
		a.DB.Close()
		return err
	}
	a.Log.Info("canopy worker running", "engine", string(a.DB.Engine))
	<-ctx.Done()
	return a.Close(context.Background())
}

func runMigrate(ctx context.Context, env Env, args []string) error {
	cfg, err := parse(env, "migrate", args, nil)
	if err != nil {
		return err
	}
	a, err := Open(ctx, cfg, newLogger(cfg, env.Stderr))
	if err != nil {
		return err
	}
	defer a.DB.Close()
	fmt.Fprintln(env.Stdout, "migrations applied to", string(a.DB.Engine), "database")
	return nil
}

// OSEnv is the real process environment.
func OSEnv(args []string) Env {
	return Env{Args: args, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
}
