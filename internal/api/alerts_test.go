package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// A program manages alert rules, reads the inbox, acknowledges and mutes
// alerts; bad input names the field and a viewer may only read.
func TestAlertsAPI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tok, viewer := f.a.ownerToken, f.a.viewerToken
		e := f.do("POST", "/api/v1/alert-rules", tok, `{"name":"Spikes","kind":"spike","sensitivity":"extreme"}`).
			wantError(t, "bad sensitivity", 400, domain.CodeInvalid)
		if e.Error.Field != "sensitivity" {
			t.Errorf("error names %q", e.Error.Field)
		}
		e = f.do("POST", "/api/v1/alert-rules", tok, `{"name":"Budget","kind":"overage","budget_id":"`+f.b.bud.budgetID+`"}`).
			wantError(t, "another org's budget", 400, domain.CodeInvalid)
		if e.Error.Field != "budget_id" || !strings.Contains(e.Error.Message, "does not exist") {
			t.Errorf("other org's budget: %+v", e)
		}
		res := f.do("POST", "/api/v1/alert-rules", tok, `{"name":"Budget over","kind":"overage","budget_id":"`+f.a.bud.budgetID+`","basis":"forecast","recipients":["fin@alpha.test"]}`)
		res.wantStatus(t, "create overage", http.StatusCreated)
		rule := res.json(t)
		if rule["basis"] != "forecast" || rule["enabled"] != true || res.header.Get("Location") != "/api/v1/alert-rules/"+rule["id"].(string) {
			t.Fatalf("created %v", rule)
		}
		f.do("PATCH", "/api/v1/alert-rules/"+rule["id"].(string), viewer, `{"name":"x","kind":"reservation"}`).
			wantError(t, "viewer edits", 403, domain.CodeForbidden)
		res = f.do("PATCH", "/api/v1/alert-rules/"+rule["id"].(string), tok, `{"name":"Idle RIs","kind":"reservation","threshold":"75","enabled":false}`)
		res.wantStatus(t, "update", http.StatusOK)
		if r := res.json(t); r["threshold"] != "75" || r["budget_id"] != "" || r["enabled"] != false {
			t.Fatalf("updated %v", r)
		}
		var inbox listJSON[map[string]any]
		f.do("GET", "/api/v1/alerts?status=open", viewer, nil).decode(t, &inbox)
		if len(inbox.Items) != 1 || inbox.Items[0]["id"] != f.a.alerts.alertID || inbox.Items[0]["explore_url"] == "" {
			t.Fatalf("inbox %+v", inbox.Items)
		}
		f.do("GET", "/api/v1/alerts?status=closed", viewer, nil).wantError(t, "bad status", 400, domain.CodeInvalid)
		f.do("POST", "/api/v1/alerts/"+f.a.alerts.alertID+"/ack", viewer, nil).wantError(t, "viewer acks", 403, domain.CodeForbidden)
		f.do("POST", "/api/v1/alerts/"+f.b.alerts.alertID+"/ack", tok, nil).wantError(t, "other org's alert", 404, domain.CodeNotFound)
		res = f.do("POST", "/api/v1/alerts/"+f.a.alerts.alertID+"/ack", tok, nil)
		res.wantStatus(t, "ack", http.StatusOK)
		if a := res.json(t); a["status"] != "acknowledged" || a["acked_by"] != "owner@alpha.test" || a["acked_at"] == nil {
			t.Fatalf("acknowledged %v", a)
		}
		f.do("POST", "/api/v1/alerts/mutes", tok, `{"days":3}`).wantError(t, "mute nothing", 400, domain.CodeInvalid)
		f.do("POST", "/api/v1/alerts/mutes", tok, `{"rule_id":"`+rule["id"].(string)+`","days":400}`).wantError(t, "mute too long", 400, domain.CodeInvalid)
		res = f.do("POST", "/api/v1/alerts/mutes", tok, `{"rule_id":"`+rule["id"].(string)+`"}`)
		res.wantStatus(t, "mute until unmuted", http.StatusCreated)
		if m := res.json(t); m["until"] != nil {
			t.Fatalf("mute %v", m)
		}
		var mutes listJSON[map[string]any]
		f.do("GET", "/api/v1/alerts/mutes", viewer, nil).decode(t, &mutes)
		if len(mutes.Items) != 2 {
			t.Fatalf("mutes %+v", mutes.Items)
		}
		res = f.do("POST", "/api/v1/alert-rules/evaluate", tok, nil)
		res.wantStatus(t, "evaluate", http.StatusOK)
		if ev := res.json(t); ev["rules"] != float64(1) { // the seeded spike rule; the reservation rule is disabled
			t.Fatalf("evaluation %v", ev)
		}
		f.do("PUT", "/api/v1/alert-schedule", tok, `{"hour":24}`).wantError(t, "bad hour", 400, domain.CodeInvalid)
		res = f.do("PUT", "/api/v1/alert-schedule", tok, `{"hour":null}`)
		if sc := res.json(t); sc["default"] != true || sc["hour"] != float64(23) {
			t.Fatalf("schedule %v", sc)
		}
	})
}
