package api_test

import (
	"testing"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/budgets"
	"github.com/canopyhq/canopy/internal/jobs"
	"github.com/canopyhq/canopy/internal/keyvault"
	"github.com/canopyhq/canopy/internal/notify"
	"github.com/canopyhq/canopy/internal/store"
)

// seededBudgets are a tenant's budget with a pending change request and
// a webhook endpoint (on a loopback port nothing listens on).
type seededBudgets struct {
	budgetID, requestID, webhookID string
}

// notifyJobs is an insert-only runner that knows the notification jobs
// (never started: no test here delivers anything).
func (f *fixture) notifyJobs(t testing.TB, db *store.DB, kv keyvault.KeyVault) *jobs.Runner {
	reg := jobs.NewRegistry()
	f.notify.Register(reg)
	jobs.Register(reg, jobs.NewEmailWorker(f.mail, kv))
	r, err := jobs.New(string(db.Engine), db.W, jobs.Options{Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (f *fixture) seedBudgets(p *auth.Principal, slug, groupID string) seededBudgets {
	f.t.Helper()
	who := p.Actor("127.0.0.1", testUA)
	b, err := f.budgets.Create(f.ctx, p, who, budgets.Input{Name: slug + " budget", ScopeKind: budgets.ScopeGroup, ScopeValue: groupID,
		Period: budgets.Monthly, Amount: "1000", Currency: "USD", Thresholds: []budgets.Threshold{{Percent: "80", Basis: "actual"}},
		Recipients: []string{"alerts@" + slug + ".test"}})
	if err != nil {
		f.t.Fatal(err)
	}
	req, err := f.budgets.RequestChange(f.ctx, p, who, b.ID, budgets.RequestInput{Amount: "1200", Reason: slug + " growth"})
	if err != nil {
		f.t.Fatal(err)
	}
	hook, secret, err := f.notify.CreateWebhook(f.ctx, p, who, notify.WebhookInput{Name: slug + " hook", URL: "http://127.0.0.1:9/" + slug})
	if err != nil {
		f.t.Fatal(err)
	}
	f.secrets = append(f.secrets, secret)
	return seededBudgets{budgetID: b.ID, requestID: req.ID, webhookID: hook.ID}
}
