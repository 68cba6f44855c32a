package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// A program creates a budget, reads its status, asks for more and has a
// second person approve it; bad input names the field.
func TestBudgetsAPI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tok := f.a.ownerToken
		f.do("POST", "/api/v1/budgets", tok, `{"name":"x","period":"monthly","amount":"ten","currency":"USD"}`).
			wantError(t, "bad amount", 400, domain.CodeInvalid)
		res := f.do("POST", "/api/v1/budgets", tok, `{"name":"Cloud","scope_kind":"provider","scope_value":"Azure","period":"quarterly",
			"amount":"9000.50","currency":"EUR","thresholds":[{"percent":"90","basis":"forecast"}],"recipients":["fin@alpha.test"]}`)
		res.wantStatus(t, "create", http.StatusCreated)
		var b struct {
			ID, Amount, Metric string
		}
		res.decode(t, &b)
		if b.Amount != "9000.5" || b.Metric != "effective" || res.header.Get("Location") != "/api/v1/budgets/"+b.ID {
			t.Fatalf("created %+v at %s", b, res.header.Get("Location"))
		}
		var st struct {
			State          string `json:"state"`
			Spent          string `json:"spent"`
			ForecastMethod string `json:"forecast_method"`
			Days           []any  `json:"days"`
			Budget         struct{ Name string }
		}
		f.do("GET", "/api/v1/budgets/"+b.ID, tok, nil).decode(t, &st)
		if st.Budget.Name != "Cloud" || st.Spent != "0" || st.ForecastMethod == "" || len(st.Days) < 89 {
			t.Fatalf("status %+v", st)
		}
		var list listJSON[map[string]any]
		f.do("GET", "/api/v1/budgets", tok, nil).decode(t, &list)
		if len(list.Items) != 2 {
			t.Fatalf("%d budgets listed", len(list.Items))
		}
		req := f.do("POST", "/api/v1/budgets/"+b.ID+"/change-requests", tok, `{"amount":"12000","reason":"new region"}`)
		req.wantStatus(t, "request", http.StatusCreated)
		reqID := req.json(t)["id"].(string)
		f.do("POST", "/api/v1/budgets/"+b.ID+"/change-requests/"+reqID+"/approve", tok, nil).
			wantError(t, "approve own request", 403, domain.CodeForbidden)
		fin := f.member(f.a.org, "fin@alpha.test", auth.RoleFinOps)
		finTok, _ := f.insertToken(fin.ID, f.a.org.ID, nil)
		res = f.do("POST", "/api/v1/budgets/"+b.ID+"/change-requests/"+reqID+"/approve", finTok, `{"comment":"fine"}`)
		res.wantStatus(t, "approve", http.StatusOK)
		if res.json(t)["status"] != "approved" {
			t.Fatalf("approve: %s", res.body)
		}
		f.do("GET", "/api/v1/budgets/"+b.ID, tok, nil).decode(t, &st)
		hist := f.do("GET", "/api/v1/budgets/"+b.ID+"/history", tok, nil)
		if !strings.Contains(string(hist.body), `"new_amount":"12000"`) || !strings.Contains(string(hist.body), "new region") {
			t.Fatalf("history %s", hist.body)
		}
		f.do("DELETE", "/api/v1/budgets/"+b.ID, tok, nil).wantStatus(t, "delete", http.StatusNoContent)
		f.do("GET", "/api/v1/budgets/"+b.ID, tok, nil).wantError(t, "deleted", 404, domain.CodeNotFound)
	})
}

// Webhook endpoints: the secret is shown once at creation and never
// again; finops (no settings.manage) cannot see endpoints.
func TestWebhooksAPI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tok := f.a.ownerToken
		f.do("POST", "/api/v1/webhooks", tok, `{"name":"x","url":"not a url"}`).wantError(t, "bad url", 400, domain.CodeInvalid)
		res := f.do("POST", "/api/v1/webhooks", tok, `{"name":"Ops","url":"http://127.0.0.1:9/ops","events":["budget.threshold"]}`)
		res.wantStatus(t, "create", http.StatusCreated)
		created := res.json(t)
		secret, id := created["secret"].(string), created["id"].(string)
		if !strings.HasPrefix(secret, "whsec_") {
			t.Fatalf("created %s", res.body)
		}
		f.secrets = append(f.secrets, secret)
		res = f.do("PATCH", "/api/v1/webhooks/"+id, tok, `{"name":"Ops","url":"http://127.0.0.1:9/ops2","enabled":false,"events":[]}`)
		if res.status != 200 || res.json(t)["enabled"] != false {
			t.Fatalf("patch %d %s", res.status, res.body)
		}
		f.do("POST", "/api/v1/webhooks/"+id+"/test", tok, nil).wantStatus(t, "test", http.StatusAccepted)
		fin := f.member(f.a.org, "fin@alpha.test", auth.RoleFinOps)
		finTok, _ := f.insertToken(fin.ID, f.a.org.ID, nil)
		f.do("GET", "/api/v1/webhooks", finTok, nil).wantError(t, "finops lists webhooks", 403, domain.CodeForbidden)
		var list listJSON[map[string]any]
		f.do("GET", "/api/v1/webhooks", tok, nil).decode(t, &list)
		if len(list.Items) != 2 {
			t.Fatalf("%d webhooks", len(list.Items))
		}
	})
}
