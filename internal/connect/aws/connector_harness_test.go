package awsconn

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

// syncEnv is the sandbox cloud (its clock frozen at the real now: the
// SDK's credential cache uses the wall clock) and a connect.Service on a
// real store whose registry holds the AWS Connector.
type syncEnv struct {
	t     *testing.T
	ctx   context.Context
	cloud *sandbox.Cloud
	db    *store.DB
	st    *store.Store
	svc   *connect.Service
	owner *auth.Principal
	who   audit.Actor
	conn  *Connector
	log   *slog.Logger
}

func newSyncEnv(t *testing.T, db *store.DB) *syncEnv {
	t.Helper()
	cloud, err := sandbox.Start(sandbox.Options{Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cloud.Close() })
	cloud.Clock.Set(time.Now())
	ctx := context.Background()
	if err := jobs.Migrate(ctx, string(db.Engine), db.W); err != nil {
		t.Fatal(err)
	}
	kv, err := keyvault.OpenLocal(filepath.Join(t.TempDir(), "key"))
	if err != nil {
		t.Fatal(err)
	}
	e := &syncEnv{t: t, ctx: ctx, cloud: cloud, db: db, st: store.New(db), who: audit.Actor{Email: "owner@a.test"},
		log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	e.svc = connect.New(e.st, kv, nil, e.log)
	e.conn = &Connector{Checks: e.st}
	e.svc.Connectors = connect.NewRegistry()
	e.svc.Connectors.Register(e.conn)
	e.svc.Now = cloud.Clock.Now
	e.svc.Env = connect.Env{HTTPClient: cloud.CA.Client(), Clouds: config.Clouds{AWSEndpoint: cloud.AWSURL,
		AWSAccessKeyID: cloud.Demo.AWS.AccessKeyID, AWSSecretKey: cloud.Demo.AWS.SecretAccessKey}}
	e.svc.Jobs = e.runner(false)
	e.owner = e.org("A")
	return e
}

// runner returns a river client working the sync jobs, started (and
// stopped at the end) when start is true.
func (e *syncEnv) runner(start bool) *jobs.Runner {
	e.t.Helper()
	reg := jobs.NewRegistry()
	e.svc.Register(reg)
	r, err := jobs.New(string(e.db.Engine), e.db.W, jobs.Options{Logger: e.log, Registry: reg, FetchPollInterval: 20 * time.Millisecond})
	if err != nil {
		e.t.Fatal(err)
	}
	if start {
		if err := r.Start(e.ctx); err != nil {
			e.t.Fatal(err)
		}
		e.t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = r.Stop(ctx)
		})
	}
	return r
}

func (e *syncEnv) org(name string) *auth.Principal {
	now := domain.Now()
	o := domain.Org{ID: domain.NewID(domain.PrefixOrg), Name: "Org " + name, CreatedAt: now, UpdatedAt: now}
	if err := e.st.CreateOrg(e.ctx, o); err != nil {
		e.t.Fatal(err)
	}
	g := []auth.Grant{{Role: auth.RoleOwner}}
	return &auth.Principal{User: domain.User{ID: domain.NewID(domain.PrefixUser), Email: "owner@x.test"}, Org: o, Grants: g, Perms: auth.OrgPermissions(g)}
}

// demoSettings connect the sandbox's demo account through its role.
func (e *syncEnv) demoSettings() Settings {
	d := e.cloud.Demo.AWS
	return Settings{AccountID: d.AccountID, RoleARN: d.RoleARN, ExternalID: d.ExternalID, Auth: AuthRole, CERecommendations: true}
}

func (e *syncEnv) create(p *auth.Principal, s Settings) connect.Connection {
	e.t.Helper()
	b, _ := json.Marshal(s)
	name := "AWS " + s.AccountID
	c, err := e.svc.Create(e.ctx, p, e.who, connect.Input{Kind: connect.KindAWS, Name: &name, Settings: b})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *syncEnv) setSettings(c connect.Connection, s Settings) {
	e.t.Helper()
	b, _ := json.Marshal(s)
	if _, err := e.svc.Update(e.ctx, e.owner, e.who, c.ID, connect.Input{Settings: b}); err != nil {
		e.t.Fatal(err)
	}
}

// syncNow queues a sync and waits for its outcome.
func (e *syncEnv) syncNow(p *auth.Principal, c connect.Connection) store.ConnectionSync {
	e.t.Helper()
	y, err := e.svc.SyncNow(e.ctx, p, e.who, c.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.wait(p, c, y.ID)
}

func (e *syncEnv) wait(p *auth.Principal, c connect.Connection, syncID string) store.ConnectionSync {
	e.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		y, err := e.svc.Sync(e.ctx, p, c.ID, syncID)
		if err != nil {
			e.t.Fatal(err)
		}
		if y.Finished() {
			return y
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("sync %s still %s", syncID, y.State)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// billed is the organisation's stored billed total in USD over [from, to).
func (e *syncEnv) billed(orgID string, from, to time.Time) string {
	e.t.Helper()
	m, err := e.st.Costs().Totals(e.ctx, orgID, costs.TotalsFilter{From: from, To: to})
	if err != nil {
		e.t.Fatal(err)
	}
	return m["USD"].Billed.String()
}

func (e *syncEnv) warnings(y store.ConnectionSync) []string {
	var w []string
	_ = json.Unmarshal(y.Warnings, &w)
	return w
}

func (e *syncEnv) checks(c connect.Connection) []store.ConnectionCheck {
	e.t.Helper()
	list, err := e.svc.Doctor(e.ctx, e.owner, c.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return list
}
