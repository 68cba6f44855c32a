// Package app wires Canopy together: configuration, storage, key vault,
// mail, jobs, services and the HTTP server.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/riverqueue/river"

	"github.com/canopyhq/canopy/internal/alerts"
	"github.com/canopyhq/canopy/internal/allocation"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/budgets"
	"github.com/canopyhq/canopy/internal/chargeback"
	"github.com/canopyhq/canopy/internal/config"
	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/costs/costcache"
	"github.com/canopyhq/canopy/internal/delegation"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/imports"
	"github.com/canopyhq/canopy/internal/inventory"
	"github.com/canopyhq/canopy/internal/jobs"
	"github.com/canopyhq/canopy/internal/keyvault"
	"github.com/canopyhq/canopy/internal/mail"
	"github.com/canopyhq/canopy/internal/marketplace"
	"github.com/canopyhq/canopy/internal/marketplace/vendorapi"
	"github.com/canopyhq/canopy/internal/notify"
	"github.com/canopyhq/canopy/internal/recommend"
	"github.com/canopyhq/canopy/internal/spend"
	"github.com/canopyhq/canopy/internal/sso"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/svcaccount/collector"
)

// App is one running Canopy process's components.
type App struct {
	Cfg   config.Config
	Log   *slog.Logger
	DB    *store.DB
	Store *store.Store
	Vault keyvault.KeyVault
	Jobs  *jobs.Runner
	Auth  *auth.Service
	// Imports runs billing-file imports (uploads, the CLI, the demo).
	Imports *imports.Service
	// Connections holds cloud connections and runs their daily syncs.
	Connections *connect.Service
	// Allocation holds custom groups, allocation rules and their results.
	Allocation *allocation.Service
	// Spend answers the spend explorer for the web UI and the API alike,
	// with one cache of cost query answers per process.
	Spend *spend.Service
	// Chargebacks generates the monthly chargebacks per business unit.
	Chargebacks *chargeback.Service
	// Alerts holds consumption-alert rules, their daily evaluation and
	// the inbox.
	Alerts *alerts.Service
	// Marketplace holds the catalog, agreements, subscriptions, orders
	// and their invoices.
	Marketplace *marketplace.Service
	// TagSync writes Canopy's tag edits back to Azure and holds the tag
	// conflicts inbox.
	TagSync *inventory.TagSync
	// Inventory serves the resource list, tags and policies to the UI and the API.
	Inventory *inventory.Service
	// Notify sends notifications by e-mail and signed webhooks.
	Notify *notify.Service
	// Budgets holds budgets, their forecasts, alerts and change requests.
	Budgets *budgets.Service
	// Recommendations values and tracks the savings recommendations the
	// connections' syncs store.
	Recommendations *recommend.Service
	// Delegation runs Microsoft 365 automatic remediation after syncs.
	Delegation *delegation.Service
	// Collector holds the collector key pair that Microsoft 365 service
	// account passwords are encrypted to; only the sync and the admin
	// command decrypt with it (the web and API get its public half).
	Collector *collector.Keys
}

// Open connects to the database, runs migrations and builds the services.
// Jobs are not started: Start does that.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	db, err := store.OpenWithReplica(ctx, cfg.DB, cfg.DBRead)
	if err != nil {
		return nil, err
	}
	a := &App{Cfg: cfg, Log: log, DB: db, Store: store.New(db)}
	if err := a.init(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) init(ctx context.Context) error {
	if err := Migrate(ctx, a.DB); err != nil {
		return err
	}
	kv, err := keyvault.OpenLocal(a.Cfg.KeyFile)
	if err != nil {
		return fmt.Errorf("key vault: %w", err)
	}
	a.Vault = kv
	reg := jobs.NewRegistry()
	a.Imports = imports.New(a.Store, nil, int64(a.Cfg.MaxUploadMiB)<<20, a.Log)
	a.Imports.StaleAfter = a.Cfg.ImportStaleAfter
	a.Imports.Register(reg)
	a.Connections = connect.New(a.Store, kv, nil, a.Log)
	a.Connections.StaleAfter = a.Cfg.SyncStaleAfter
	if a.Connections.Env, err = connect.NewEnv(a.Cfg); err != nil {
		return err
	}
	a.registerConnectors()
	a.setupServiceAccounts()
	a.registerAWSDoctor()
	a.Connections.Register(reg)
	a.registerDelegation(reg)
	a.TagSync = inventory.NewTagSync(a.Store, nil, func() connect.Env { return a.Connections.Env }, a.Log)
	a.TagSync.Register(reg)
	a.Notify = notify.New(a.Store, kv, a.Cfg.BaseURL, a.Log)
	a.Notify.Register(reg)
	a.Budgets = budgets.New(a.Store, a.Notify, a.Log)
	a.Budgets.Register(reg)
	a.Alerts = alerts.New(a.Store, spend.New(a.Store), a.Cfg.AlertsHour)
	a.Alerts.Log, a.Alerts.Notify, a.Alerts.Budgets = a.Log, alerts.ToNotify(a.Notify), alerts.FromBudgets(a.Budgets)
	a.Alerts.Register(reg)
	// Identity provider metadata given by URL (SAML, WS-Federation) is
	// refreshed hourly by the leader, so certificate rollover needs no step.
	(&sso.Service{Store: a.Store, Vault: kv, BaseURL: a.Cfg.BaseURL}).Register(reg)
	jobs.Register(reg, jobs.NewEmailWorker(a.mailSender(), kv))
	jobs.Register(reg, &pruneWorker{store: a.Store})
	reg.AddPeriodic(10*time.Minute, func() (river.JobArgs, *river.InsertOpts) { return pruneArgs{}, nil })
	a.Marketplace = marketplace.New(a.Store, vendorapi.Fulfiller{Vault: kv, HTTP: func() *http.Client { return a.Connections.Env.HTTPClient }})
	a.Marketplace.Log = a.Log
	a.Marketplace.Seal = func(p, aad string) (string, error) { return keyvault.SealString(kv, p, aad) }
	a.Jobs, err = jobs.New(string(a.DB.Engine), a.DB.W, jobs.Options{Logger: a.Log, Workers: a.Cfg.JobWorkers, Registry: reg, ID: a.Cfg.NodeID})
	if err != nil {
		return err
	}
	a.Marketplace.Register(reg, a.Jobs, a.Store.Costs())
	a.Imports.Jobs = a.Jobs
	a.Connections.Jobs = a.Jobs
	a.TagSync.Jobs = a.Jobs
	a.Notify.Jobs, a.Budgets.Jobs = a.Jobs, a.Jobs
	a.Imports.AfterImport, a.Connections.AfterSync = a.afterCostData, a.afterCostData
	a.Connections.AfterConnectionSync = a.afterDirectorySync
	a.Auth = auth.NewService(a.Store, kv, &queuedMail{jobs: a.Jobs, vault: kv}, a.Cfg.BaseURL)
	a.Allocation = allocation.New(a.Store)
	a.Spend = spend.NewReporting(a.Store)
	a.Spend.Costs = costcache.New(a.Store.ReadCosts(), int64(a.Cfg.QueryCacheMiB)<<20)
	a.Spend.Groups = a.Allocation
	// The resource list asks its cost question through the explorer's cache.
	a.Inventory = inventory.New(a.Store)
	a.Inventory.Reads = a.Spend.Costs
	// Budgets ask the same questions at every view (each budget's period
	// and scope): their own cache, on the primary like the rest of the
	// budget service (an evaluation right after an import must see it).
	a.Budgets.Costs = costcache.New(a.Store.Costs(), int64(a.Cfg.QueryCacheMiB)<<20/4)
	a.Chargebacks = chargeback.New(a.Store, a.Allocation, &queuedMail{jobs: a.Jobs, vault: kv}, a.Cfg.BaseURL)
	a.Recommendations = recommend.New(a.Store)
	return nil
}

// Migrate brings the schema and the job tables up to date.
func Migrate(ctx context.Context, db *store.DB) error {
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	return jobs.Migrate(ctx, string(db.Engine), db.W)
}

func (a *App) mailSender() mail.Sender {
	if a.Cfg.SMTP.Host == "" {
		a.Log.Warn("no SMTP host configured: emails are logged (without their content), not sent")
		return mail.NewLogSender(a.Log)
	}
	s, err := mail.NewSMTPSender(mail.Config{Host: a.Cfg.SMTP.Host, Port: a.Cfg.SMTP.Port, Username: a.Cfg.SMTP.Username,
		Password: a.Cfg.SMTP.Password, From: a.Cfg.SMTP.From, TLS: a.Cfg.SMTP.TLS})
	if err != nil {
		a.Log.Error("SMTP configuration invalid; emails are logged instead", "err", err)
		return mail.NewLogSender(a.Log)
	}
	return s
}

// StartJobs tidies up after processes that stopped mid-import, then starts
// working background jobs when this process has workers.
func (a *App) StartJobs(ctx context.Context) error {
	swept, err := a.Imports.Sweep(ctx)
	if err != nil {
		return fmt.Errorf("sweep abandoned imports: %w", err)
	}
	if swept != (imports.SweepResult{}) {
		a.Log.Warn("imports left unfinished by a stopped process", "failed", swept.AbandonedImports,
			"requeued_uploads", swept.Requeued, "removed_partial_uploads", swept.Removed)
	}
	if res, err := a.Connections.Sweep(ctx); err != nil {
		return fmt.Errorf("sweep interrupted syncs: %w", err)
	} else if res.Retried > 0 {
		a.Log.Warn("connection syncs left running by a stopped process, queued again", "syncs", res.Retried)
	}
	if a.Cfg.JobWorkers <= 0 {
		return nil
	}
	return a.Jobs.Start(ctx)
}

// Close stops jobs (waiting up to the context) and closes the database.
func (a *App) Close(ctx context.Context) error {
	if a.Cfg.JobWorkers > 0 {
		if err := a.Jobs.Stop(ctx); err != nil {
			a.Log.Warn("stop jobs", "err", err)
		}
	}
	return a.DB.Close()
}

// queuedMail sends mail through a background job, so a slow or failing
// SMTP server never blocks a request and messages are retried.
type queuedMail struct {
	jobs  *jobs.Runner
	vault keyvault.KeyVault
}

func (q *queuedMail) Send(ctx context.Context, m mail.Message) error {
	return jobs.EnqueueEmail(ctx, q.jobs, q.vault, m)
}

// pruneArgs is the periodic clean-up of expired sessions, links and
// rate-limit events.
type pruneArgs struct{}

func (pruneArgs) Kind() string { return "prune_expired" }

type pruneWorker struct {
	river.WorkerDefaults[pruneArgs]
	store *store.Store
}

func (w *pruneWorker) Work(ctx context.Context, _ *river.Job[pruneArgs]) error {
	return w.store.PruneExpired(ctx, domain.Now())
}
