package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// seedAlert puts a spike alert in org's inbox, as an evaluation would.
func (f *fixture) seedAlert(org, ruleID string) store.Alert {
	f.t.Helper()
	a := store.Alert{OrgID: f.orgs[org].ID, ID: domain.NewID("alt_"), RuleID: ruleID, RuleName: "Per service", Kind: "spike",
		Day: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC), SubjectDim: "service", Subject: "Virtual Machines",
		SubjectLabel: "Virtual Machines", Severity: "critical", Status: store.AlertOpen,
		Message: "Tuesday 24 Nov: 412.10 EUR on Virtual Machines, 3.1× the 14-day average of 131.20 EUR",
		Link:    "/spend?filter=service%3AVirtual+Machines&from=2026-11-10&granularity=day&to=2026-11-24", CreatedAt: domain.Now()}
	if _, err := f.st.InsertAlert(context.Background(), a); err != nil {
		f.t.Fatal(err)
	}
	return a
}

func TestAlertRulesForm(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		owner := f.client("owner-a@example.com")
		form := url.Values{"name": {"Per service"}, "kind": {"spike"}, "enabled": {"1"}, "split_by": {"service"},
			"sensitivity": {"high"}, "min_amount": {"-5"}, "recipients": {"ops@example.com, fin@example.com"}}
		code, body := f.do(owner, "POST", "/alerts/rules", form)
		if code != http.StatusBadRequest || !strings.Contains(body, "min_amount must be a number") || !strings.Contains(body, `value="ops@example.com, fin@example.com"`) {
			t.Fatalf("bad minimum: %d %s", code, body)
		}
		form.Set("min_amount", "25")
		if code, _ := f.do(owner, "POST", "/alerts/rules", form); code != http.StatusSeeOther {
			t.Fatalf("create: %d", code)
		}
		rules, err := f.st.ListAlertRules(context.Background(), f.orgs["A"].ID)
		if err != nil || len(rules) != 1 || rules[0].MinAmount != "25" || rules[0].Sensitivity != "high" || len(rules[0].Recipients) != 2 {
			t.Fatalf("rules %+v %v", rules, err)
		}
		code, body = f.do(owner, "GET", "/alerts/rules/"+rules[0].ID, nil)
		if code != http.StatusOK || !strings.Contains(body, `action="/alerts/rules/`+rules[0].ID+`"`) || !strings.Contains(body, `value="25"`) {
			t.Fatalf("edit page: %d", code)
		}
		form.Set("sensitivity", "2.5")
		if code, _ := f.do(owner, "POST", "/alerts/rules/"+rules[0].ID, form); code != http.StatusSeeOther {
			t.Fatalf("update: %d", code)
		}
		if code, _ := f.do(owner, "POST", "/alerts/schedule", url.Values{"hour": {"6"}}); code != http.StatusSeeOther {
			t.Fatalf("schedule: %d", code)
		}
		if code, body := f.do(owner, "GET", "/alerts/rules", nil); code != http.StatusOK || !strings.Contains(body, "sensitivity 2.5") ||
			!strings.Contains(body, "daily at 6:00 UTC") {
			t.Fatalf("rules page: %d %s", code, body)
		}
		if code, _ := f.do(owner, "POST", "/alerts/evaluate", nil); code != http.StatusSeeOther {
			t.Fatalf("evaluate: %d", code)
		}
		viewer := f.client("viewer-a@example.com")
		if code, body := f.do(viewer, "GET", "/alerts/rules", nil); code != http.StatusOK || strings.Contains(body, "Evaluate now") || strings.Contains(body, "Save rule") {
			t.Errorf("viewer rules page: %d", code)
		}
		ownerB := f.client("owner-b@example.com")
		if code, _ := f.do(ownerB, "POST", "/alerts/rules/"+rules[0].ID+"/delete", nil); code != http.StatusNotFound {
			t.Errorf("B deleted A's rule: %d", code)
		}
		if code, _ := f.do(owner, "POST", "/alerts/rules/"+rules[0].ID+"/delete", nil); code != http.StatusSeeOther {
			t.Errorf("delete: %d", code)
		}
	})
}

func TestAlertInboxAcknowledgeAndMute(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		a := f.seedAlert("A", "alr_x")
		owner, viewer, ownerB := f.client("owner-a@example.com"), f.client("viewer-a@example.com"), f.client("owner-b@example.com")
		code, body := f.do(viewer, "GET", "/alerts", nil)
		if code != http.StatusOK || !strings.Contains(body, "3.1× the 14-day average of 131.20 EUR") ||
			!strings.Contains(body, `href="/spend?filter=service%3AVirtual&#43;Machines&amp;from=2026-11-10&amp;granularity=day&amp;to=2026-11-24"`) ||
			strings.Contains(body, `action="/alerts/ack/`) {
			t.Fatalf("viewer inbox: %d %s", code, body)
		}
		if _, body := f.do(ownerB, "GET", "/alerts", nil); strings.Contains(body, "Virtual Machines") {
			t.Error("B sees A's alert")
		}
		if code, _ := f.do(ownerB, "POST", "/alerts/ack/"+a.ID, nil); code != http.StatusNotFound {
			t.Errorf("B acknowledged A's alert: %d", code)
		}
		if code, _ := f.do(owner, "POST", "/alerts/ack/"+a.ID, nil); code != http.StatusSeeOther {
			t.Fatalf("ack: %d", code)
		}
		if _, body := f.do(owner, "GET", "/alerts", nil); !strings.Contains(body, "acknowledged by owner-a@example.com on ") {
			t.Errorf("acknowledgement not shown: %s", body)
		}
		f.seedAlert("A", "alr_y") // a second rule's alert about the same service, still open
		mute := url.Values{"subject_dim": {"service"}, "subject": {"Virtual Machines"}, "days": {"7"}}
		if code, _ := f.do(owner, "POST", "/alerts/mutes", mute); code != http.StatusSeeOther {
			t.Fatalf("mute: %d", code)
		}
		code, body = f.do(owner, "GET", "/alerts?status=muted", nil)
		if code != http.StatusOK || strings.Count(body, `class="alert-message"`) != 1 || !strings.Contains(body, "Unmute") {
			t.Fatalf("muted: %d %s", code, body)
		}
		if code, body := f.do(owner, "GET", "/alerts?status=closed", nil); code != http.StatusBadRequest || !strings.Contains(body, "Unknown status") {
			t.Errorf("bad status filter: %d", code)
		}
		if code, _ := f.do(owner, "POST", "/alerts/mutes", url.Values{"days": {"7"}}); code != http.StatusBadRequest {
			t.Errorf("mute without target: %d", code)
		}
	})
}
