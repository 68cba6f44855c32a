package web_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

var budgetURL = regexp.MustCompile(`^/budgets/(bud_[a-z0-9]+)$`)

// post sends a form and returns the status, Location and body.
func (f *fixture) post(c *http.Client, path string, form url.Values) (int, string, string) {
	f.t.Helper()
	req, _ := http.NewRequest("POST", f.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// A person creates a budget in the form (a bad amount first), sees it
// listed and in detail, asks for more and cannot approve their own
// request; a viewer sees it but cannot change it.
func TestBudgetPagesFlow(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.importAllocCosts("A")
		owner := f.client("owner-a@example.com")
		form := url.Values{"name": {"Sub one"}, "scope_kind": {"sub_account"}, "scope_sub_account": {"s1"}, "scope_provider": {"ignored"},
			"period": {"monthly"}, "amount": {"-1"}, "currency": {"USD"}, "metric": {"effective"},
			"threshold_percent": {"80", "", ""}, "threshold_basis": {"actual", "actual", "forecast"}, "recipients": {"a@example.com\nb@example.com"}}
		code, _, body := f.post(owner, "/budgets", form)
		if code != http.StatusBadRequest || !strings.Contains(body, `id="budget-amount-error"`) || !strings.Contains(body, "b@example.com") {
			t.Fatalf("bad amount: %d", code)
		}
		if _, page := f.do(owner, "GET", "/budgets", nil); !strings.Contains(page, "No budgets yet") {
			t.Fatal("a refused form stored a budget")
		}
		form.Set("amount", "150")
		code, loc, _ := f.post(owner, "/budgets", form)
		m := budgetURL.FindStringSubmatch(loc)
		if code != http.StatusSeeOther || m == nil {
			t.Fatalf("create: %d %s", code, loc)
		}
		id := m[1]
		budgets, err := f.st.ListBudgets(context.Background(), f.orgs["A"].ID)
		if err != nil || len(budgets) != 1 || budgets[0].ScopeValue != "s1" || len(budgets[0].Thresholds) != 1 || len(budgets[0].Recipients) != 2 {
			t.Fatalf("stored %+v %v", budgets, err)
		}
		_, list := f.do(owner, "GET", "/budgets", nil)
		if !strings.Contains(list, `href="/budgets/`+id+`"`) || !strings.Contains(list, "150 USD") {
			t.Fatal("the list does not show the budget")
		}
		_, detail := f.do(owner, "GET", "/budgets/"+id, nil)
		for _, want := range []string{"Sub one", "80% of actual spend", `id="budget-chart"`, `id="forecast-method"`, "a@example.com, b@example.com", "created"} {
			if !strings.Contains(detail, want) {
				t.Errorf("detail lacks %q", want)
			}
		}
		code, loc, _ = f.post(owner, "/budgets/"+id+"/requests", url.Values{"amount": {"300"}, "reason": {"new service"}})
		if code != http.StatusSeeOther || !strings.HasSuffix(loc, "#requests") {
			t.Fatalf("request: %d %s", code, loc)
		}
		reqs, _ := f.st.ChangeRequests(context.Background(), f.orgs["A"].ID, id)
		if len(reqs) != 1 {
			t.Fatalf("%d requests", len(reqs))
		}
		code, _, body = f.post(owner, "/budgets/"+id+"/requests/"+reqs[0].ID+"/approve", url.Values{"comment": {"self"}})
		if code != http.StatusForbidden || !strings.Contains(body, "Someone other than the requester") {
			t.Fatalf("approve own request: %d", code)
		}
		viewer := f.client("viewer-a@example.com")
		if code, page := f.do(viewer, "GET", "/budgets/"+id, nil); code != 200 || strings.Contains(page, `id="edit-budget"`) || strings.Contains(page, `id="request-form"`) {
			t.Fatalf("viewer sees edit controls: %d", code)
		}
		if code, _, _ := f.post(viewer, "/budgets/"+id+"/requests", url.Values{"amount": {"999"}, "reason": {"x"}}); code != http.StatusForbidden {
			t.Fatalf("viewer request: %d", code)
		}
		ownerB := f.client("owner-b@example.com")
		if code, _ := f.do(ownerB, "GET", "/budgets/"+id, nil); code != http.StatusNotFound {
			t.Fatalf("org B reads A's budget: %d", code)
		}
	})
}

// Settings → Webhooks shows a new endpoint's secret once, then never.
func TestWebhookPages(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		owner := f.client("owner-a@example.com")
		code, _, body := f.post(owner, "/settings/webhooks", url.Values{"name": {"Ops"}, "url": {"ftp://x"}, "enabled": {"on"}})
		if code != http.StatusBadRequest || !strings.Contains(body, `id="hook-url-error"`) {
			t.Fatalf("bad url: %d", code)
		}
		code, _, body = f.post(owner, "/settings/webhooks", url.Values{"name": {"Ops"}, "url": {"http://127.0.0.1:9/ops"}, "enabled": {"on"},
			"events": {"budget.threshold"}})
		secret := regexp.MustCompile(`whsec_[a-z0-9]+`).FindString(body)
		if code != http.StatusCreated || secret == "" {
			t.Fatalf("create: %d", code)
		}
		hooks, err := f.st.ListWebhooks(context.Background(), f.orgs["A"].ID)
		if err != nil || len(hooks) != 1 || strings.Contains(hooks[0].SealedSecret, secret) {
			t.Fatalf("stored %+v %v", hooks, err)
		}
		_, page := f.do(owner, "GET", "/settings/webhooks/"+hooks[0].ID, nil)
		if strings.Contains(page, secret) || !strings.Contains(page, "Nothing delivered yet") || !strings.Contains(page, `value="http://127.0.0.1:9/ops"`) {
			t.Fatal("the endpoint page shows the secret or lacks the delivery log")
		}
		if code, _ := f.do(f.client("viewer-a@example.com"), "GET", "/settings/webhooks", nil); code != http.StatusForbidden {
			t.Fatalf("viewer: %d", code)
		}
	})
}
