package azureconn_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/config"
	"github.com/canopyhq/canopy/internal/connect"
	azureconn "github.com/canopyhq/canopy/internal/connect/azure"
	"github.com/canopyhq/canopy/internal/connect/connecttest"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/sandbox/arm"
	"github.com/canopyhq/canopy/internal/store"
)

// syncEnv is a sandbox cloud onboarded for Canopy (Reader on Production
// by the Owner's grant, on Development and Legacy as if other Owners had
// assigned it), and the connection service over a real database with
// the Azure connector registered.
type syncEnv struct {
	*env
	*connecttest.Env

	mu     sync.Mutex
	sleeps []time.Duration
	onWait func() // called on each throttled wait (before the clock moves)
}

func newSyncEnv(t *testing.T, db *store.DB) *syncEnv {
	t.Helper()
	return newSyncEnvWith(t, db, azureconn.GrantOptions{TagWrite: true})
}

// newSyncEnvWith onboards with the given grant options.
func newSyncEnvWith(t *testing.T, db *store.DB, opts azureconn.GrantOptions) *syncEnv {
	t.Helper()
	e := newEnv(t)
	e.onboard(opts)
	d := e.c.Demo
	sp := e.c.Entra.ServicePrincipalID(d.Customer.ID, d.App.ClientID)
	e.c.ARM.Assign(sp, arm.RoleReader, "/subscriptions/"+d.Development.ID)
	e.c.ARM.Assign(sp, arm.RoleReader, "/subscriptions/"+d.Legacy.ID)
	e.c.Billing.SetQueryBudget(10000)
	s := &syncEnv{env: e}
	s.Env = connecttest.New(t, db, e.c, azureconn.Connector{Sleep: s.sleep}, connecttest.Options{PublicURL: "https://canopy.test",
		Clouds: config.Clouds{AzureClientID: d.App.ClientID, AzureClientSecret: d.App.Secret, AzureAuthority: e.c.EntraURL, AzureARM: e.c.ARMURL}})
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

// create adds the Azure connection: Production read-write-tags,
// Development read-tags-only, Legacy no-resources.
func (s *syncEnv) create(t *testing.T) connect.Connection {
	t.Helper()
	d := s.c.Demo
	return s.Create(connect.KindAzure, "Contoso", azureconn.Settings{TenantID: d.Customer.ID, Subscriptions: map[string]string{
		d.Production.ID: "read-write-tags", d.Development.ID: "read-tags-only", d.Legacy.ID: "no-resources"}})
}

// stored is the organisation's billed and effective totals per currency.
func (s *syncEnv) stored(t *testing.T) map[string][2]string {
	t.Helper()
	out := map[string][2]string{}
	for cur, v := range s.Totals(s.Owner.Org.ID, costs.TotalsFilter{}) {
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
