package api_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/config"
	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/jobs"
	"github.com/canopyhq/canopy/internal/keyvault"
	"github.com/canopyhq/canopy/internal/store"
)

// probeOnly is a connector whose doctor answers and whose sync does
// nothing (the engine has its own tests in internal/connect).
type probeOnly struct{}

func (probeOnly) Kind() connect.Kind { return connect.KindAWS }

func (probeOnly) Sync(context.Context, connect.Connection, []byte, *connect.Run) error { return nil }

func (probeOnly) Probe(context.Context, connect.Env, connect.Connection, []byte) ([]connect.Check, error) {
	return []connect.Check{{Feature: "Costs", Needs: "ce:GetCostAndUsage", Granted: true},
		{Feature: "Recommendations", Needs: "support:DescribeTrustedAdvisorChecks", Detail: "SubscriptionRequiredException", Fix: "aws-support-plan"}}, nil
}

// newConnections is the connection service with a job runner that is
// never started: syncs stay queued.
func newConnections(t testing.TB, db *store.DB, kv keyvault.KeyVault) *connect.Service {
	t.Helper()
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	svc := connect.New(store.New(db), kv, nil, log)
	svc.Connectors = connect.NewRegistry()
	svc.Connectors.Register(probeOnly{})
	svc.Env = connect.Env{PublicURL: "https://canopy.example", Clouds: config.Clouds{AzureClientID: "canopy-app", AzureClientSecret: "APP-SECRET-xyz",
		AzureAuthority: "https://login.example/"}}
	reg := jobs.NewRegistry()
	svc.Register(reg)
	runner, err := jobs.New(string(db.Engine), db.W, jobs.Options{Logger: log, Registry: reg, FetchPollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	svc.Jobs = runner
	return svc
}

// seedConnection adds a connection with a secret (which no response may
// contain) and a queued sync.
func (f *fixture) seedConnection(p *auth.Principal, slug string) (connID, syncID string) {
	f.t.Helper()
	name, secret := slug+"-aws", "CONNECTION-SECRET-"+slug
	f.secrets = append(f.secrets, secret, "test-secret-value")
	c, err := f.conns.Create(f.ctx, p, p.Actor("127.0.0.1", testUA), connect.Input{Kind: connect.KindAWS, Name: &name,
		Settings: []byte(`{"account_id":"123456789012"}`), Secret: []byte(secret)})
	if err != nil {
		f.t.Fatal(err)
	}
	y, err := f.conns.SyncNow(f.ctx, p, p.Actor("127.0.0.1", testUA), c.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return c.ID, y.ID
}
