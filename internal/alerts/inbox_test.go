package alerts_test

import (
	"testing"

	"github.com/canopyhq/canopy/internal/alerts"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

func TestAcknowledgeMuteAndTenancy(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		r := f.rule(t, alerts.RuleInput{Name: "Per service", Kind: alerts.KindSpike, SplitBy: "service", Sensitivity: "high"})
		// Storage is muted before the evaluation: its alert is stored
		// muted and nobody is told.
		if _, err := f.svc.CreateMute(f.ctx, f.viewer, f.who, alerts.MuteInput{SubjectDim: "service", Subject: "Storage", Days: 7}); domain.ErrorCode(err) != domain.CodeForbidden {
			t.Fatalf("viewer muted: %v", err)
		}
		if _, err := f.svc.CreateMute(f.ctx, f.owner, f.who, alerts.MuteInput{SubjectDim: "service", Subject: "Storage", Days: 7}); err != nil {
			t.Fatal(err)
		}
		ev, err := f.svc.Evaluate(f.ctx, f.owner.Org.ID)
		if err != nil || ev.Created != 1 || ev.Muted != 1 || len(f.sent.sent) != 1 || f.sent.sent[0].Subject != "Virtual Machines" {
			t.Fatalf("evaluation %+v %v, notified %+v", ev, err, f.sent.sent)
		}
		open := f.inbox(t)
		if muted := f.inbox(t, store.AlertMuted); len(open) != 1 || len(muted) != 1 || muted[0].Subject != "Storage" {
			t.Fatalf("open %v muted %v", messages(open), messages(muted))
		}
		if _, err := f.svc.Acknowledge(f.ctx, f.viewer, f.who, open[0].ID); domain.ErrorCode(err) != domain.CodeForbidden {
			t.Errorf("viewer acknowledged: %v", err)
		}
		a, err := f.svc.Acknowledge(f.ctx, f.owner, f.who, open[0].ID)
		if err != nil || a.Status != store.AlertAcknowledged || a.AckedBy != "finops@x.test" || a.AckedAt == nil || !a.AckedAt.Equal(f.now) {
			t.Errorf("acknowledged %+v %v", a, err)
		}
		// Another organisation sees none of it.
		other := otherOrg(t, f)
		if _, err := f.svc.Get(f.ctx, other, a.ID); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Errorf("other org read the alert: %v", err)
		}
		if _, err := f.svc.Acknowledge(f.ctx, other, f.who, a.ID); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Errorf("other org acknowledged: %v", err)
		}
		if list, _ := f.svc.Inbox(f.ctx, other, alerts.InboxFilter{}); len(list) != 0 {
			t.Errorf("other org's inbox %v", messages(list))
		}
		if _, err := f.svc.CreateMute(f.ctx, other, f.who, alerts.MuteInput{RuleID: r.ID}); domain.ErrorField(err) != "rule_id" {
			t.Errorf("other org muted the rule: %v", err)
		}
		// Muting the rule until unmuted mutes its open alerts; unmuting
		// lets the next day's alerts through.
		m, err := f.svc.CreateMute(f.ctx, f.owner, f.who, alerts.MuteInput{RuleID: r.ID})
		if err != nil || m.Until != nil {
			t.Fatalf("mute %+v %v", m, err)
		}
		if err := f.svc.DeleteMute(f.ctx, other, f.who, m.ID); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Errorf("other org unmuted: %v", err)
		}
		if err := f.svc.DeleteMute(f.ctx, f.owner, f.who, m.ID); err != nil {
			t.Fatal(err)
		}
		if list, _ := f.svc.Mutes(f.ctx, f.viewer); len(list) != 1 || list[0].Subject != "Storage" {
			t.Errorf("mutes %+v", list)
		}
		f.now = f.now.AddDate(0, 0, 8) // the Storage mute has run out
		if list, _ := f.svc.Mutes(f.ctx, f.viewer); len(list) != 0 {
			t.Errorf("expired mute still in force: %+v", list)
		}
	})
}

func TestRuleValidationNamesTheField(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for field, in := range map[string]alerts.RuleInput{
			"name":        {Kind: alerts.KindSpike},
			"kind":        {Name: "x", Kind: "weird"},
			"scope_value": {Name: "x", Kind: alerts.KindSpike, ScopeDim: "service"},
			"split_by":    {Name: "x", Kind: alerts.KindSpike, SplitBy: "colour"},
			"sensitivity": {Name: "x", Kind: alerts.KindSpike, Sensitivity: "very"},
			"min_amount":  {Name: "x", Kind: alerts.KindSpike, MinAmount: "-3"},
			"threshold":   {Name: "x", Kind: alerts.KindReservation, Threshold: "120"},
			"budget_id":   {Name: "x", Kind: alerts.KindOverage},
		} {
			if _, err := f.svc.CreateRule(f.ctx, f.owner, f.who, in); domain.ErrorField(err) != field {
				t.Errorf("%s: %v", field, err)
			}
		}
		f.rule(t, alerts.RuleInput{Name: "dup", Kind: alerts.KindReservation})
		if _, err := f.svc.CreateRule(f.ctx, f.owner, f.who, alerts.RuleInput{Name: "dup", Kind: alerts.KindReservation}); domain.ErrorField(err) != "name" {
			t.Errorf("duplicate name: %v", err)
		}
		if _, err := f.svc.CreateRule(f.ctx, f.viewer, f.who, alerts.RuleInput{Name: "v", Kind: alerts.KindReservation}); domain.ErrorCode(err) != domain.CodeForbidden {
			t.Errorf("viewer created a rule: %v", err)
		}
	})
}

func otherOrg(t *testing.T, f *fixture) *auth.Principal {
	t.Helper()
	now := domain.Now()
	org := domain.Org{ID: domain.NewID(domain.PrefixOrg), Name: storetest.Name("other"), CreatedAt: now, UpdatedAt: now}
	if err := f.st.CreateOrg(f.ctx, org); err != nil {
		t.Fatal(err)
	}
	return principal(org, auth.RoleOwner)
}
