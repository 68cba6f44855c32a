package e2e

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/app"
	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/config"
	"github.com/canopyhq/canopy/internal/connect"
	awsconn "github.com/canopyhq/canopy/internal/connect/aws"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/sandbox"
	awssandbox "github.com/canopyhq/canopy/internal/sandbox/aws"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// killWait bounds each wait of these tests (a hung test, not a timing
// assertion); staleAfter is the workers' CANOPY_SYNC_STALE_AFTER.
const (
	killWait   = 90 * time.Second
	staleAfter = 2 * time.Second
)

// A `canopy worker` killed with SIGKILL between two months of an AWS
// sync: a second worker, started once the sync's heartbeat is stale,
// retries it from its checkpoint (the months already imported are not
// read again), and the stored costs equal Cost Explorer's month by
// month: no month twice, none missing.
func TestSyncResumesAfterWorkerKilledOnPostgres(t *testing.T) {
	t.Parallel()
	if storetest.PostgresURL(t) == "" { // fails under CI when unset
		t.Skip("CANOPY_TEST_POSTGRES not set")
	}
	k := newKillRun(t, storetest.DSN(t, store.Postgres))
	first := startKillable(t, "canopy worker 1", k.env, "worker", "--db", k.dsn)
	k.killBetweenMonths(first)
	k.waitStale()
	k.gate.release()
	startProc(t, "canopy worker 2", k.env, "worker", "--db", k.dsn)
	k.checkResumed()
}

// `canopy serve` on SQLite (one process, as the demo runs) killed with
// SIGKILL mid-sync and started again on the same data: its startup sweep
// retries the sync from its checkpoint, with exact totals.
func TestSyncResumesAfterServeKilledOnSQLite(t *testing.T) {
	t.Parallel()
	k := newKillRun(t, storetest.DSN(t, store.SQLite))
	first := startKillable(t, "canopy serve 1", k.env, "serve", "--db", k.dsn, "--addr", freeAddr(t))
	k.killBetweenMonths(first)
	k.gate.release()
	addr := freeAddr(t)
	again := startProc(t, "canopy serve 2", k.env, "serve", "--db", k.dsn, "--addr", addr)
	again.waitReady(t, "http://"+addr)
	k.checkResumed()
}

// killRun is one AWS connection with a queued first sync, the sandbox
// behind a cost gate, and the environment of the canopy processes.
type killRun struct {
	t      *testing.T
	ctx    context.Context
	cloud  *sandbox.Cloud
	gate   *costGate
	dsn    string
	env    []string
	app    *app.App // this process's view of the database (no workers)
	sync   store.ConnectionSync
	months []time.Time
	// firstMonthReads is how often the first month was read before the
	// kill; a resumed sync does not read it again.
	firstMonthReads int
}

func newKillRun(t *testing.T, dsn string) *killRun {
	t.Helper()
	cloud, err := sandbox.Start(sandbox.Options{Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cloud.Close() })
	// Business support: the sync reads Trusted Advisor and ends succeeded.
	if err := cloud.AWS.SetSupportPlan(cloud.Demo.AWS.AccountID, awssandbox.PlanBusiness); err != nil {
		t.Fatal(err)
	}
	k := &killRun{t: t, ctx: context.Background(), cloud: cloud, dsn: dsn}
	k.months = firstSyncMonths(domain.Now())
	k.gate = startCostGate(t, cloud, k.months[1].Format(time.DateOnly))
	k.env = k.processEnv()
	k.app = k.openApp()
	k.sync = k.queueSync()
	if !k.sync.WindowFrom.Before(k.months[1]) || len(monthsBetween(k.sync.WindowFrom, k.sync.WindowTo)) != len(k.months) {
		t.Fatalf("sync window [%s, %s) is not the %d months expected", k.sync.WindowFrom, k.sync.WindowTo, len(k.months))
	}
	return k
}

// processEnv points Canopy's clouds at the sandbox, with AWS behind the
// gate, and makes a sync without a heartbeat for staleAfter abandoned.
func (k *killRun) processEnv() []string {
	dir := k.t.TempDir()
	ca := filepath.Join(dir, "sandbox-ca.pem")
	if err := os.WriteFile(ca, k.cloud.CA.PEM(), 0o600); err != nil {
		k.t.Fatal(err)
	}
	c := k.cloud
	noteSecret(c.Demo.App.Secret)
	noteSecret(c.Demo.AWS.SecretAccessKey)
	return []string{"CANOPY_KEY_FILE=" + filepath.Join(dir, "canopy.key"), "CANOPY_CLOUD_CA_FILE=" + ca,
		"CANOPY_SYNC_STALE_AFTER=" + staleAfter.String(),
		"CANOPY_AZURE_CLIENT_ID=" + c.Demo.App.ClientID, "CANOPY_AZURE_CLIENT_SECRET=" + c.Demo.App.Secret,
		"CANOPY_AZURE_AUTHORITY=" + c.EntraURL, "CANOPY_AZURE_ARM=" + c.ARMURL,
		"CANOPY_AWS_ENDPOINT=" + k.gate.URL, "CANOPY_AWS_ACCESS_KEY_ID=" + c.Demo.AWS.AccessKeyID,
		"CANOPY_AWS_SECRET_ACCESS_KEY=" + c.Demo.AWS.SecretAccessKey}
}

// openApp opens the database as the processes do (same key file), with
// no job workers: the test creates the connection and reads results.
func (k *killRun) openApp() *app.App {
	cfg := config.Default()
	cfg.DB, cfg.JobWorkers = k.dsn, 0
	for _, kv := range k.env {
		if v, ok := strings.CutPrefix(kv, "CANOPY_KEY_FILE="); ok {
			cfg.KeyFile = v
		}
	}
	if err := cfg.Finish(); err != nil {
		k.t.Fatal(err)
	}
	a, err := app.Open(k.ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		k.t.Fatal(err)
	}
	k.t.Cleanup(func() { _ = a.Close(context.Background()) })
	return a
}

var testActor = audit.Actor{Email: "e2e", IP: "local", UserAgent: "sync kill test"}

// queueSync creates the organisation and its AWS connection (Canopy's
// principal assumes the sandbox's demo role) and queues its first sync.
func (k *killRun) queueSync() store.ConnectionSync {
	a, d := k.app, k.cloud.Demo.AWS
	org, err := a.Auth.CreateOrg(k.ctx, "Acme", "", testActor)
	if err != nil {
		k.t.Fatal(err)
	}
	sys, err := a.Auth.SystemPrincipal(k.ctx, org.ID)
	if err != nil {
		k.t.Fatal(err)
	}
	settings, _ := json.Marshal(awsconn.Settings{AccountID: d.AccountID, RoleARN: d.RoleARN, ExternalID: d.ExternalID, Auth: awsconn.AuthRole, CERecommendations: true})
	name := "Acme AWS"
	c, err := a.Connections.Create(k.ctx, sys, testActor, connect.Input{Kind: connect.KindAWS, Name: &name, Settings: settings})
	if err != nil {
		k.t.Fatal(err)
	}
	y, err := a.Connections.SyncNow(k.ctx, sys, testActor, c.ID)
	if err != nil {
		k.t.Fatal(err)
	}
	return y
}

// killBetweenMonths waits until p's sync has imported the first month and
// asks for the second (held by the gate), then kills p with SIGKILL.
func (k *killRun) killBetweenMonths(p *proc) {
	k.t.Helper()
	deadline := time.After(killWait)
	for held := false; !held; {
		select {
		case <-k.gate.held:
			held = true
		case <-p.done:
			k.t.Fatalf("%s exited before its sync reached the second month: %v\n%s", p.name, p.exitError(), p.stderr.String())
		case <-deadline:
			y := k.getSync(k.sync.ID)
			k.t.Fatalf("%s's sync did not reach the second month within %v (sync %s, phase %q, error %q)\n%s",
				p.name, killWait, y.State, y.Phase, y.Error, p.stderr.String())
		case <-time.After(200 * time.Millisecond):
			if y := k.getSync(k.sync.ID); y.Finished() {
				k.t.Fatalf("%s's sync ended %s before reaching the second month: %q\n%s", p.name, y.State, y.Error, p.stderr.String())
			}
		}
	}
	p.kill(k.t)
	k.firstMonthReads = k.gate.readsOf(k.months[0].Format(time.DateOnly))
	y := k.getSync(k.sync.ID)
	var cp struct {
		NextMonth string `json:"next_month"`
	}
	_ = json.Unmarshal(y.Checkpoint, &cp)
	if y.State != store.SyncRunning || cp.NextMonth != k.months[1].Format("2006-01") {
		k.t.Fatalf("after the kill the sync is %s with checkpoint %s, want running with next month %s",
			y.State, y.Checkpoint, k.months[1].Format("2006-01"))
	}
}

// waitStale waits until the killed worker's sync counts as abandoned:
// its heartbeat is staleAfter old (a second worker's startup sweep takes
// it then).
func (k *killRun) waitStale() {
	k.t.Helper()
	waitFor(k.t, "the killed sync's heartbeat to go stale", func() bool {
		stuck, err := k.app.Store.SyncsBefore(k.ctx, store.SyncRunning, domain.Now().Add(-staleAfter))
		if err != nil {
			k.t.Fatal(err)
		}
		return len(stuck) == 1 && stuck[0].ID == k.sync.ID
	})
}

func (k *killRun) getSync(id string) store.ConnectionSync {
	k.t.Helper()
	y, err := k.app.Store.GetSync(k.ctx, k.sync.OrgID, k.sync.ConnectionID, id)
	if err != nil {
		k.t.Fatal(err)
	}
	return y
}
