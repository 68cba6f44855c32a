package azureconn_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/config"
	"github.com/canopyhq/canopy/internal/connect"
	azureconn "github.com/canopyhq/canopy/internal/connect/azure"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/jobs"
	"github.com/canopyhq/canopy/internal/keyvault"
	"github.com/canopyhq/canopy/internal/sandbox/arm"
	"github.com/canopyhq/canopy/internal/store"
)

// syncEnv is a sandbox cloud onboarded for Canopy (Reader on Production
// by the Owner's grant, on Development and Legacy as if other Owners had
// assigned it), and the connection service over a real database with
// the Azure connector registered.
type syncEnv struct {
	*env
	db    *store.DB
	st    *store.Store
	svc   *connect.Service
	owner *auth.Principal
	who   audit.Actor

	mu     sync.Mutex
	sleeps []time.Duration
	onWait func() // called on each throttled wait (before the clock moves)
}

func newSyncEnv(t *testing.T, db *store.DB) *syncEnv {
	t.Helper()
	e := newEnv(t)
	e.onboard(azureconn.GrantOptions{TagWrite: true})
	d := e.c.Demo
	sp := e.c.Entra.ServicePrincipalID(d.Customer.ID, d.App.ClientID)
	e.c.ARM.Assign(sp, arm.RoleReader, "/subscriptions/"+d.Development.ID)
	e.c.ARM.Assign(sp, arm.RoleReader, "/subscriptions/"+d.Legacy.ID)
	e.c.Billing.SetQueryBudget(10000)
	s := &syncEnv{env: e, db: db, st: store.New(db), who: audit.Actor{Email: "owner@a.test"}}
	if err := jobs.Migrate(ctx, string(db.Engine), db.W); err != nil {
		t.Fatal(err)
	}
	kv, err := keyvault.OpenLocal(filepath.Join(t.TempDir(), "key"))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s.svc = connect.New(s.st, kv, nil, log)
	s.svc.Connectors = connect.NewRegistry()
	s.svc.Connectors.Register(azureconn.Connector{Sleep: s.sleep})
	s.svc.Now = e.c.Clock.Now
	s.svc.Env = connect.Env{HTTPClient: e.c.CA.Client(), PublicURL: "https://canopy.test", Clouds: config.Clouds{
		AzureClientID: d.App.ClientID, AzureClientSecret: d.App.Secret, AzureAuthority: e.c.EntraURL, AzureARM: e.c.ARMURL}}
	s.svc.Jobs = s.runner(t)
	s.owner = s.org(t)
	return s
}

// sleep waits out a Retry-After by moving the sandbox clock.
func (s *syncEnv) sleep(_ context.Context, d time.Duration) error {
	s.mu.Lock()
	s.sleeps = append(s.sleeps, d)
	hook := s.onWait
	s.mu.Unlock()
	if hook != nil {
		hook()
	}
	s.c.Clock.Advance(d)
	return nil
}

func (s *syncEnv) runner(t *testing.T) *jobs.Runner {
	t.Helper()
	reg := jobs.NewRegistry()
	s.svc.Register(reg)
	r, err := jobs.New(string(s.db.Engine), s.db.W, jobs.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Registry: reg, FetchPollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// start starts r, stopped at the end of the test.
func (s *syncEnv) start(t *testing.T, r *jobs.Runner) {
	t.Helper()
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = r.Stop(c)
	})
}

func (s *syncEnv) org(t *testing.T) *auth.Principal {
	now := domain.Now()
	o := domain.Org{ID: domain.NewID(domain.PrefixOrg), Name: "Org", CreatedAt: now, UpdatedAt: now}
	if err := s.st.CreateOrg(ctx, o); err != nil {
		t.Fatal(err)
	}
	g := []auth.Grant{{Role: auth.RoleOwner}}
	return &auth.Principal{User: domain.User{ID: domain.NewID(domain.PrefixUser), Email: "o@x.test"}, Org: o, Grants: g, Perms: auth.OrgPermissions(g)}
}

// create adds the Azure connection: Production read-write-tags,
// Development read-tags-only, Legacy no-resources.
func (s *syncEnv) create(t *testing.T) connect.Connection {
	t.Helper()
	d := s.c.Demo
	set, _ := json.Marshal(azureconn.Settings{TenantID: d.Customer.ID, Subscriptions: map[string]string{
		d.Production.ID: "read-write-tags", d.Development.ID: "read-tags-only", d.Legacy.ID: "no-resources"}})
	name := "Contoso"
	c, err := s.svc.Create(ctx, s.owner, s.who, connect.Input{Kind: connect.KindAzure, Name: &name, Settings: set})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (s *syncEnv) syncNow(t *testing.T, c connect.Connection) store.ConnectionSync {
	t.Helper()
	y, err := s.svc.SyncNow(ctx, s.owner, s.who, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	return y
}

// wait polls until the sync satisfies done.
func (s *syncEnv) wait(t *testing.T, c connect.Connection, id string, done func(store.ConnectionSync) bool) store.ConnectionSync {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		y, err := s.svc.Sync(ctx, s.owner, c.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		if done(y) {
			return y
		}
		if time.Now().After(deadline) {
			t.Fatalf("sync %s still %s (%s) after 30 s", id, y.State, y.Phase)
		}
	}
}

func finished(y store.ConnectionSync) bool { return y.Finished() }

// stored is the organisation's billed and effective totals per currency.
func (s *syncEnv) stored(t *testing.T) map[string][2]string {
	t.Helper()
	m, err := s.st.Costs().Totals(ctx, s.owner.Org.ID, costs.TotalsFilter{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][2]string{}
	for cur, v := range m {
		out[cur] = [2]string{norm(v.Billed.Decimal()), norm(v.Effective.Decimal())}
	}
	return out
}

// expected is the sandbox's own daily totals (actual, amortized) of the
// subscriptions over the whole months of the sync's window.
func (s *syncEnv) expected(t *testing.T, y store.ConnectionSync, subs ...string) map[string][2]string {
	t.Helper()
	sums := map[string][2]*apd.Decimal{}
	from := time.Date(y.WindowFrom.Year(), y.WindowFrom.Month(), 1, 0, 0, 0, 0, time.UTC)
	for _, sub := range subs {
		for d := from; d.Before(y.WindowTo); d = d.AddDate(0, 0, 1) {
			ct := s.c.Billing.DailyCost(sub, d)
			if sums[ct.Currency][0] == nil {
				sums[ct.Currency] = [2]*apd.Decimal{new(apd.Decimal), new(apd.Decimal)}
			}
			for i, v := range []string{ct.Actual, ct.Amortized} {
				x, _, err := apd.NewFromString(v)
				if err != nil {
					t.Fatal(err)
				}
				_, _ = apd.BaseContext.Add(sums[ct.Currency][i], sums[ct.Currency][i], x)
			}
		}
	}
	out := map[string][2]string{}
	for cur, v := range sums {
		out[cur] = [2]string{norm(v[0]), norm(v[1])}
	}
	return out
}

// norm prints a decimal without trailing zeros.
func norm(d *apd.Decimal) string {
	var r apd.Decimal
	r.Reduce(d)
	return r.Text('f')
}
