package connect_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/billing/focusgen"
	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/jobs"
	"github.com/canopyhq/canopy/internal/keyvault"
	"github.com/canopyhq/canopy/internal/store"
)

// clock is the tests' fixed "now": 10:00 UTC, after the default 03:00 sync hour.
var clock = time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)

// fakeDays is how many days of the window the fake connector imports.
const fakeDays = 6

// fake is a real Connector: it imports a small generated FOCUS stream per
// day of the window's last fakeDays days through Run.ImportFOCUS, saving a
// checkpoint after each, and can be told to fail, warn or stop midway.
type fake struct {
	mu        sync.Mutex
	calls     int            // Sync calls
	running   int            // Sync calls in progress now
	maxConc   int            // most Sync calls at once
	imported  map[string]int // day -> times imported
	secrets   []string       // secrets Sync received
	hangAt    string         // a day on which Sync waits for its context to end (once)
	hung      chan struct{}  // closed when Sync reached hangAt
	failWith  error
	warn      string
	blockOnce chan struct{} // when set, the first Sync waits for it to close
}

func newFake() *fake { return &fake{imported: map[string]int{}, hung: make(chan struct{})} }

func (f *fake) Kind() connect.Kind { return connect.KindAWS }

type checkpoint struct {
	Next string `json:"next"` // first day not yet imported
}

func (f *fake) enter(secret []byte) (block chan struct{}) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	f.running++
	f.maxConc = max(f.maxConc, f.running)
	f.secrets = append(f.secrets, string(secret))
	block, f.blockOnce = f.blockOnce, nil
	return block
}

func (f *fake) leave() { f.mu.Lock(); f.running--; f.mu.Unlock() }

func (f *fake) Sync(ctx context.Context, conn connect.Connection, secret []byte, run *connect.Run) error {
	block := f.enter(secret)
	defer f.leave()
	if block != nil {
		<-block
	}
	if f.failWith != nil {
		return f.failWith
	}
	var cp checkpoint
	if _, err := run.Checkpoint(&cp); err != nil {
		return err
	}
	days := fakeWindow(run)
	run.Limit("costs", time.Millisecond, 2)
	for i, day := range days {
		key := day.Format(time.DateOnly)
		if cp.Next != "" && key < cp.Next {
			continue
		}
		if err := run.Wait(ctx, "costs"); err != nil {
			return err
		}
		if _, err := run.ImportFOCUS(ctx, "costs/"+key, dayFile(day)); err != nil {
			return err
		}
		f.mu.Lock()
		f.imported[key]++
		f.mu.Unlock()
		// Stopping here, after the import and before the checkpoint, makes
		// the resumed attempt import this day again: it must replace.
		if err := f.maybeHang(ctx, key); err != nil {
			return err
		}
		run.Progress(int64(i+1), int64(len(days)), "Costs of "+key)
		if err := run.SetCheckpoint(ctx, checkpoint{Next: day.AddDate(0, 0, 1).Format(time.DateOnly)}); err != nil {
			return err
		}
	}
	if f.warn != "" {
		run.Warn(f.warn)
	}
	return nil
}

func (f *fake) maybeHang(ctx context.Context, key string) error {
	f.mu.Lock()
	hang := f.hangAt == key
	if hang {
		f.hangAt = ""
	}
	f.mu.Unlock()
	if !hang {
		return nil
	}
	close(f.hung)
	<-ctx.Done()
	return ctx.Err()
}

func (f *fake) Probe(ctx context.Context, _ connect.Env, conn connect.Connection, secret []byte) ([]connect.Check, error) {
	return []connect.Check{
		{Feature: "Costs", Needs: "ce:GetCostAndUsage", Granted: true, Detail: "Cost Explorer answered"},
		{Feature: "Recommendations", Needs: "support:DescribeTrustedAdvisorChecks", Granted: false,
			Detail: "SubscriptionRequiredException", Fix: "aws-support-plan"},
	}, nil
}

func fakeWindow(run *connect.Run) []time.Time {
	var days []time.Time
	for d := run.To.AddDate(0, 0, -fakeDays); d.Before(run.To); d = d.AddDate(0, 0, 1) {
		if !d.Before(run.From) {
			days = append(days, d)
		}
	}
	return days
}

// dayFile is a small FOCUS file of one day, the same for the same day.
func dayFile(day time.Time) *bytes.Buffer {
	var buf bytes.Buffer
	if _, err := focusgen.Generate(&buf, focusgen.Options{Rows: 40, Seed: day.Unix(), Start: day, Days: 1}); err != nil {
		panic(err)
	}
	return &buf
}

// harness is the service over a fresh database with two organisations.
type harness struct {
	ctx    context.Context
	db     *store.DB
	st     *store.Store
	svc    *connect.Service
	fake   *fake
	log    *slog.Logger
	owner  *auth.Principal
	viewer *auth.Principal
	finops *auth.Principal
	b      *auth.Principal
	who    audit.Actor
}

func newHarness(t *testing.T, db *store.DB) *harness {
	t.Helper()
	ctx := context.Background()
	if err := jobs.Migrate(ctx, string(db.Engine), db.W); err != nil {
		t.Fatal(err)
	}
	kv, err := keyvault.OpenLocal(filepath.Join(t.TempDir(), "key"))
	if err != nil {
		t.Fatal(err)
	}
	st := store.New(db)
	h := &harness{ctx: ctx, db: db, st: st, fake: newFake(), who: audit.Actor{Email: "owner@a.test", IP: "127.0.0.1"},
		log: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelError}))}
	h.svc = connect.New(st, kv, nil, h.log)
	h.svc.Connectors = connect.NewRegistry()
	h.svc.Connectors.Register(h.fake)
	h.svc.Now = func() time.Time { return clock }
	h.svc.Jobs = h.runner(t, false)
	a, b := h.org(t, "A"), h.org(t, "B")
	h.owner, h.viewer, h.finops, h.b = principal(a, auth.RoleOwner), principal(a, auth.RoleViewer), principal(a, auth.RoleFinOps), principal(b, auth.RoleOwner)
	return h
}

// runner returns a river client over the database working the sync jobs,
// started (and stopped at the end) when start is true.
func (h *harness) runner(t *testing.T, start bool) *jobs.Runner {
	t.Helper()
	reg := jobs.NewRegistry()
	h.svc.Register(reg)
	r, err := jobs.New(string(h.db.Engine), h.db.W, jobs.Options{Logger: h.log, Registry: reg, FetchPollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if start {
		if err := r.Start(h.ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = r.Stop(ctx)
		})
	}
	return r
}

func (h *harness) org(t *testing.T, name string) domain.Org {
	now := domain.Now()
	o := domain.Org{ID: domain.NewID(domain.PrefixOrg), Name: "Org " + name, CreatedAt: now, UpdatedAt: now}
	if err := h.st.CreateOrg(h.ctx, o); err != nil {
		t.Fatal(err)
	}
	return o
}

func principal(o domain.Org, role string) *auth.Principal {
	g := []auth.Grant{{Role: role}}
	return &auth.Principal{User: domain.User{ID: domain.NewID(domain.PrefixUser), Email: role + "@x.test"}, Org: o,
		Grants: g, Perms: auth.OrgPermissions(g)}
}

func (h *harness) create(t *testing.T, p *auth.Principal, name, secret string) connect.Connection {
	t.Helper()
	c, err := h.svc.Create(h.ctx, p, h.who, connect.Input{Kind: connect.KindAWS, Name: &name,
		Settings: []byte(`{"account_id": "123456789012"}`), Secret: []byte(secret)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// waitSync polls until the sync has an outcome.
func (h *harness) waitSync(t *testing.T, p *auth.Principal, connID, syncID string) store.ConnectionSync {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		y, err := h.svc.Sync(h.ctx, p, connID, syncID)
		if err != nil {
			t.Fatal(err)
		}
		if y.Finished() {
			return y
		}
		if time.Now().After(deadline) {
			t.Fatalf("sync %s still %s after 30 s", syncID, y.State)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (h *harness) totals(t *testing.T, orgID string) string {
	t.Helper()
	m, err := h.st.Costs().Totals(h.ctx, orgID, costs.TotalsFilter{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for cur, v := range m {
		out[cur] = v.Billed.String()
	}
	return fmt.Sprint(out)
}

func isCode(err error, code string) bool {
	var de *domain.Error
	return errors.As(err, &de) && de.Code == code
}
