package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/canopyhq/canopy/internal/domain"
)

// CompletedJobRetention is how long finished jobs stay in the table. It is
// short because job args may carry sealed secrets (e-mail bodies with
// reset links); sealed or not, they should not linger.
const CompletedJobRetention = time.Hour

// Registry collects what a Runner can do: the workers for each job kind and
// the periodic jobs its leader schedules. Fill it before New.
type Registry struct {
	workers  *river.Workers
	periodic []*river.PeriodicJob
}

// NewRegistry returns an empty Registry.
func NewRegistry() *Registry { return &Registry{workers: river.NewWorkers()} }

// Register adds the worker for job kind T. Registering a kind twice is a
// wiring bug and panics, as http.Handle does.
func Register[T river.JobArgs](r *Registry, w river.Worker[T]) {
	river.AddWorker(r.workers, w)
}

// AddPeriodic schedules constructor's job every interval. Only the elected
// leader among all processes sharing the database inserts it, so each tick
// produces one job cluster-wide. The first run is one interval after a
// leader takes office; the constructor may return nil args to skip a tick.
func (r *Registry) AddPeriodic(interval time.Duration, constructor river.PeriodicJobConstructor) {
	r.periodic = append(r.periodic, river.NewPeriodicJob(river.PeriodicInterval(interval), constructor, nil))
}

// Options configure a Runner. Zero values pick production defaults.
type Options struct {
	Logger   *slog.Logger
	Workers  int       // jobs worked concurrently by this process; default 10
	Registry *Registry // required to work jobs; nil makes an insert-only Runner
	// FetchPollInterval is how often idle workers look for new jobs; it
	// bounds pickup latency (default 1s). Tests set it low.
	FetchPollInterval time.Duration
	// ID names this process in leader election and job attempts; default
	// host name plus a random suffix.
	ID string
}

// Runner enqueues and works jobs. Enqueue works before Start (and without
// it, for processes that only insert).
type Runner struct {
	client *river.Client[*sql.Tx]
}

// New builds a Runner for engine ("sqlite" or "postgres") on db. On SQLite
// db must be the single writer connection (MaxOpenConns(1)): river's
// concurrent queries otherwise fail with SQLITE_BUSY.
func New(engine string, db *sql.DB, opts Options) (*Runner, error) {
	driver, err := driverFor(engine, db)
	if err != nil {
		return nil, err
	}
	client, err := river.NewClient(driver, riverConfig(opts))
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	return &Runner{client: client}, nil
}

func riverConfig(opts Options) *river.Config {
	cfg := &river.Config{
		Logger:                      opts.Logger,
		ID:                          opts.ID,
		CompletedJobRetentionPeriod: CompletedJobRetention,
		FetchPollInterval:           opts.FetchPollInterval,
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.ID == "" {
		cfg.ID = defaultID()
	}
	// river rejects a poll interval shorter than its fetch cooldown.
	if p := opts.FetchPollInterval; p > 0 && p < river.FetchCooldownDefault {
		cfg.FetchCooldown = p
	}
	if opts.Registry != nil {
		workers := opts.Workers
		if workers <= 0 {
			workers = 10
		}
		cfg.Workers = opts.Registry.workers
		cfg.PeriodicJobs = opts.Registry.periodic
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: workers}}
	}
	return cfg
}

// defaultID is unique per process even when several start in the same
// microsecond on one host (river's own default is host plus start time).
func defaultID() string {
	host, _ := os.Hostname()
	host = strings.NewReplacer(".", "_", "-", "_").Replace(host)
	if len(host) > 40 {
		host = host[:40]
	}
	return host + "_" + domain.NewID("")
}

// Start begins working jobs and, if elected leader, scheduling periodic
// ones. Cancelling ctx stops the Runner hard (running jobs are cancelled);
// prefer Stop.
func (r *Runner) Start(ctx context.Context) error {
	if err := r.client.Start(ctx); err != nil {
		return fmt.Errorf("jobs: start: %w", err)
	}
	return nil
}

// Stop stops fetching and waits for running jobs until ctx is done, then
// cancels whatever still runs (those jobs are retried later, by this or
// another process) and waits a few seconds more for them to return.
func (r *Runner) Stop(ctx context.Context) error {
	err := r.client.Stop(ctx)
	if err == nil || !(errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)) {
		return err
	}
	hard, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return errors.Join(err, r.client.StopAndCancel(hard))
}

// Enqueue inserts a job. opts may be nil. On SQLite do not call it while
// the same goroutine holds a transaction on the writer: it would wait for
// the writer connection forever; use EnqueueTx.
func (r *Runner) Enqueue(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	if _, err := r.client.Insert(ctx, args, opts); err != nil {
		return fmt.Errorf("jobs: enqueue %s: %w", args.Kind(), err)
	}
	return nil
}

// EnqueueTx inserts a job inside tx, so it exists only if tx commits.
func (r *Runner) EnqueueTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) error {
	if _, err := r.client.InsertTx(ctx, tx, args, opts); err != nil {
		return fmt.Errorf("jobs: enqueue %s: %w", args.Kind(), err)
	}
	return nil
}

// Client exposes the river client for what this package does not wrap
// (listing jobs for an admin page, subscriptions in tests).
func (r *Runner) Client() *river.Client[*sql.Tx] { return r.client }
