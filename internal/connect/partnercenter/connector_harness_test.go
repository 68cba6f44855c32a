package partnercenter

import (
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/config"
	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/connect/connecttest"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/sandbox"
	"github.com/canopyhq/canopy/internal/store"
)

// syncEnv is the sandbox cloud, with Canopy's app consented in the
// partner tenant, and a connect.Service on a real store.
type syncEnv struct {
	*connecttest.Env
}

func newSyncEnv(t *testing.T, db *store.DB, at time.Time) *syncEnv {
	t.Helper()
	cloud := connecttest.Start(t, sandbox.Options{Seed: 3})
	cloud.Clock.Set(at)
	d := cloud.Demo
	connecttest.AdminConsent(t, cloud, d.PartnerTenant.ID, d.PartnerAdmin.UPN, Scope)
	return &syncEnv{connecttest.New(t, db, cloud, Connector{}, connecttest.Options{Work: true, Clouds: config.Clouds{
		AzureClientID: d.App.ClientID, AzureClientSecret: d.App.Secret, AzureAuthority: cloud.EntraURL, PartnerCenter: cloud.PartnerURL}})}
}

func (e *syncEnv) create() connect.Connection {
	e.T.Helper()
	return e.Create(connect.KindPartnerCenter, "Partner Center", Settings{PartnerTenantID: e.Cloud.Demo.PartnerTenant.ID})
}

// imports returns the organisation's live (not replaced) imports by key.
func (e *syncEnv) imports() map[string]costs.Import {
	e.T.Helper()
	list, err := e.Store.Costs().Imports(e.Ctx, e.Owner.Org.ID, 1000)
	if err != nil {
		e.T.Fatal(err)
	}
	out := map[string]costs.Import{}
	for _, im := range list {
		if im.Status == costs.StatusSucceeded {
			out[im.SourceKey] = im
		}
	}
	return out
}
