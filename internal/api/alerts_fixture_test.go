package api_test

import (
	"github.com/canopyhq/canopy/internal/alerts"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/spend"
	"github.com/canopyhq/canopy/internal/store"
)

// seededAlerts are a tenant's alert rule, an alert of it in the inbox and
// a mute.
type seededAlerts struct {
	ruleID, alertID, muteID string
}

func (f *fixture) alertsService() *alerts.Service {
	svc := alerts.New(f.st, spend.New(f.st), alerts.DefaultHour)
	svc.Budgets, svc.Notify = alerts.FromBudgets(f.budgets), alerts.ToNotify(f.notify)
	return svc
}

func (f *fixture) seedAlerts(p *auth.Principal, slug string) seededAlerts {
	f.t.Helper()
	svc, who := f.alertsService(), p.Actor("127.0.0.1", testUA)
	r, err := svc.CreateRule(f.ctx, p, who, alerts.RuleInput{Name: slug + " spikes", Kind: alerts.KindSpike, SplitBy: "service"})
	if err != nil {
		f.t.Fatal(err)
	}
	a := store.Alert{OrgID: p.Org.ID, ID: domain.NewID("alt_"), RuleID: r.ID, RuleName: r.Name, Kind: alerts.KindSpike,
		Day: domain.Now().Truncate(24 * 3600e9), SubjectDim: "service", Subject: slug + " VMs", SubjectLabel: slug + " VMs",
		Severity: alerts.SeverityCritical, Status: store.AlertOpen, Message: slug + " spike", Amount: "412.10", Baseline: "131.20",
		Currency: "EUR", Link: "/spend", CreatedAt: domain.Now()}
	if _, err := f.st.InsertAlert(f.ctx, a); err != nil {
		f.t.Fatal(err)
	}
	m, err := svc.CreateMute(f.ctx, p, who, alerts.MuteInput{SubjectDim: "service", Subject: slug + " storage", Days: 7})
	if err != nil {
		f.t.Fatal(err)
	}
	return seededAlerts{ruleID: r.ID, alertID: a.ID, muteID: m.ID}
}
