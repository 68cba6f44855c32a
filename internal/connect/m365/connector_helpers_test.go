package m365_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/config"
	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/connect/connecttest"
	"github.com/canopyhq/canopy/internal/connect/m365"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/sandbox"
	"github.com/canopyhq/canopy/internal/store"
)

// world is a sandbox cloud, a database and the connection service with
// the real Microsoft 365 connector, its jobs worked by River.
type world struct {
	*connecttest.Env
}

func newWorld(t *testing.T, db *store.DB) *world {
	t.Helper()
	cloud := connecttest.Start(t, sandbox.Options{Seed: 7})
	// Waits before retries move the sandbox clock instead of sleeping.
	c := m365.Connector{Now: cloud.Clock.Now, Sleep: func(ctx context.Context, d time.Duration) error {
		cloud.Clock.Advance(d)
		return ctx.Err()
	}}
	d := cloud.Demo
	w := &world{connecttest.New(t, db, cloud, c, connecttest.Options{Work: true,
		Log:    slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelError})),
		Clouds: config.Clouds{AzureClientID: d.App.ClientID, AzureClientSecret: d.App.Secret, AzureAuthority: cloud.EntraURL, Graph: cloud.GraphURL, ExchangeOnline: cloud.GraphURL}})}
	w.Service.Now = domain.Now // sync windows by the real clock; only the connector's retries move the sandbox's
	return w
}

// connect creates the Microsoft 365 connection of the demo's Contoso.
func (w *world) connect() connect.Connection {
	w.T.Helper()
	return w.Create(connect.KindM365, "Contoso 365", m365.Settings{TenantID: w.Cloud.Demo.Customer.ID})
}

// consent walks Entra's admin-consent pages as Contoso's admin.
func (w *world) consent() {
	w.T.Helper()
	d := w.Cloud.Demo
	connecttest.AdminConsent(w.T, w.Cloud, d.Customer.ID, d.Admin.UPN, m365.GraphScope)
	if w.Cloud.Entra.ServicePrincipalID(d.Customer.ID, d.App.ClientID) == "" {
		w.T.Fatal("consent not recorded")
	}
}
