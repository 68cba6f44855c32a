// Package connecttest runs a connector end to end in tests: a sandbox
// cloud, a connect.Service on a real store whose registry holds only the
// connector under test, River working its sync jobs, and an organisation
// with an owner. Only _test.go files import it.
package connecttest

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/config"
	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/jobs"
	"github.com/canopyhq/canopy/internal/keyvault"
	"github.com/canopyhq/canopy/internal/sandbox"
	"github.com/canopyhq/canopy/internal/store"
)

// syncTimeout bounds a wait for a sync; only a broken test reaches it.
const syncTimeout = 60 * time.Second

// Options are what differs between connectors' environments.
type Options struct {
	// Clouds are Canopy's identities and endpoints towards the sandbox
	// (the HTTP client is always the one trusting the sandbox's CA).
	Clouds    config.Clouds
	PublicURL string
	// Log receives the service's and River's logs; nil discards them.
	Log *slog.Logger
	// Work starts the service's own River client, so syncs run as soon
	// as they are queued; otherwise call Work or Runner and start it.
	Work bool
}

// Env is a connect.Service over a real store, wired to a sandbox cloud.
type Env struct {
	T       *testing.T
	Ctx     context.Context
	Cloud   *sandbox.Cloud
	DB      *store.DB
	Store   *store.Store
	Service *connect.Service
	Owner   *auth.Principal // owner of the organisation the tests work in
	Actor   audit.Actor     // who the audit log says acted
	log     *slog.Logger
}

// Start starts a sandbox cloud, closed at the end of the test.
func Start(t *testing.T, opts sandbox.Options) *sandbox.Cloud {
	t.Helper()
	cloud, err := sandbox.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cloud.Close() })
	return cloud
}

// New migrates River's tables in db and returns the service, its
// registry holding only c, its clock the sandbox's, with an organisation
// and its owner.
func New(t *testing.T, db *store.DB, cloud *sandbox.Cloud, c connect.Connector, opts Options) *Env {
	t.Helper()
	e := &Env{T: t, Ctx: context.Background(), Cloud: cloud, DB: db, Store: store.New(db),
		Actor: audit.Actor{Email: "owner@a.test"}, log: opts.Log}
	if e.log == nil {
		e.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if err := jobs.Migrate(e.Ctx, string(db.Engine), db.W); err != nil {
		t.Fatal(err)
	}
	kv, err := keyvault.OpenLocal(filepath.Join(t.TempDir(), "key"))
	if err != nil {
		t.Fatal(err)
	}
	e.Service = connect.New(e.Store, kv, nil, e.log)
	e.Service.Connectors = connect.NewRegistry()
	e.Service.Connectors.Register(c)
	e.Service.Now = cloud.Clock.Now
	e.Service.Env = connect.Env{HTTPClient: cloud.CA.Client(), Clouds: opts.Clouds, PublicURL: opts.PublicURL}
	e.Service.Jobs = e.Runner()
	if opts.Work {
		e.start(e.Service.Jobs)
	}
	e.Owner = e.org()
	return e
}

// Runner returns a new River client working the service's jobs, not
// started.
func (e *Env) Runner() *jobs.Runner {
	e.T.Helper()
	reg := jobs.NewRegistry()
	e.Service.Register(reg)
	r, err := jobs.New(string(e.DB.Engine), e.DB.W, jobs.Options{Logger: e.log, Registry: reg, FetchPollInterval: 20 * time.Millisecond})
	if err != nil {
		e.T.Fatal(err)
	}
	return r
}

// Work starts a new River client working the service's jobs, stopped at
// the end of the test.
func (e *Env) Work() *jobs.Runner {
	e.T.Helper()
	r := e.Runner()
	e.start(r)
	return r
}

func (e *Env) start(r *jobs.Runner) {
	e.T.Helper()
	if err := r.Start(e.Ctx); err != nil {
		e.T.Fatal(err)
	}
	e.T.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = r.Stop(ctx)
	})
}

func (e *Env) org() *auth.Principal {
	e.T.Helper()
	now := domain.Now()
	o := domain.Org{ID: domain.NewID(domain.PrefixOrg), Name: "Org A", CreatedAt: now, UpdatedAt: now}
	if err := e.Store.CreateOrg(e.Ctx, o); err != nil {
		e.T.Fatal(err)
	}
	g := []auth.Grant{{Role: auth.RoleOwner}}
	u := domain.User{ID: domain.NewID(domain.PrefixUser), Email: "owner@x.test"}
	return &auth.Principal{User: u, Org: o, Grants: g, Perms: auth.OrgPermissions(g)}
}

// Create adds a connection as the owner; settings are marshalled to JSON.
func (e *Env) Create(kind connect.Kind, name string, settings any) connect.Connection {
	e.T.Helper()
	b, err := json.Marshal(settings)
	if err != nil {
		e.T.Fatal(err)
	}
	c, err := e.Service.Create(e.Ctx, e.Owner, e.Actor, connect.Input{Kind: kind, Name: &name, Settings: b})
	if err != nil {
		e.T.Fatal(err)
	}
	return c
}

// Queue queues a sync of c as the owner and returns it, queued.
func (e *Env) Queue(c connect.Connection) store.ConnectionSync {
	e.T.Helper()
	y, err := e.Service.SyncNow(e.Ctx, e.Owner, e.Actor, c.ID)
	if err != nil {
		e.T.Fatal(err)
	}
	return y
}

// Sync queues a sync of c and waits for its outcome.
func (e *Env) Sync(c connect.Connection) store.ConnectionSync {
	e.T.Helper()
	return e.Wait(c, e.Queue(c).ID, Finished)
}

// Wait polls sync id of c until done says so.
func (e *Env) Wait(c connect.Connection, id string, done func(store.ConnectionSync) bool) store.ConnectionSync {
	e.T.Helper()
	for deadline := time.Now().Add(syncTimeout); ; time.Sleep(20 * time.Millisecond) {
		y, err := e.Service.Sync(e.Ctx, e.Owner, c.ID, id)
		if err != nil {
			e.T.Fatal(err)
		}
		if done(y) {
			return y
		}
		if time.Now().After(deadline) {
			e.T.Fatalf("sync %s still %s (%s) after %s", id, y.State, y.Phase, syncTimeout)
		}
	}
}

// Finished is the Wait condition of a sync that has ended.
func Finished(y store.ConnectionSync) bool { return y.Finished() }

// Totals are an organisation's stored cost totals by currency.
func (e *Env) Totals(orgID string, f costs.TotalsFilter) map[string]costs.Measures {
	e.T.Helper()
	m, err := e.Store.Costs().Totals(e.Ctx, orgID, f)
	if err != nil {
		e.T.Fatal(err)
	}
	return m
}
