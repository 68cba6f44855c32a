package e2e

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canopyhq/canopy/internal/notify"
)

// todayCosts is a FOCUS file with 80 USD charged today on one
// subscription, so a budget of 100 this month is already 80% spent.
func todayCosts(t *testing.T) string {
	t.Helper()
	day := time.Now().UTC().Truncate(24 * time.Hour)
	month := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC)
	csv := "BilledCost,BillingAccountId,BillingAccountName,BillingCurrency,BillingPeriodEnd,BillingPeriodStart,ChargeCategory,ChargeClass,ChargeDescription,ChargeFrequency,ChargePeriodEnd,ChargePeriodStart,ContractedCost,EffectiveCost,InvoiceIssuerName,ListCost,ProviderName,PublisherName,RegionId,RegionName,ResourceId,ResourceName,ServiceCategory,ServiceName,SkuId,SubAccountId,SubAccountName,Tags,PricingCurrency,PricingQuantity,PricingUnit,ConsumedQuantity,ConsumedUnit\n" +
		fmt.Sprintf("80,acct,Acct,USD,%s,%s,Usage,,vm,Usage-Based,%s,%s,80,80,Azure,80,Azure,Microsoft,westeurope,West Europe,/subscriptions/sub-e2e/resourceGroups/rg/providers/x/vm,vm,Compute,Virtual Machines,sku,sub-e2e,Sub E2E,,USD,,,,\n",
			month.AddDate(0, 1, 0).Format(time.DateOnly), month.Format(time.DateOnly), day.AddDate(0, 0, 1).Format(time.DateOnly), day.Format(time.DateOnly))
	path := filepath.Join(t.TempDir(), "today.csv")
	if err := os.WriteFile(path, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// A person creates a budget whose threshold the month's spend already
// crossed, checks its thresholds, and the alert e-mail arrives over SMTP.
func TestBudgetThresholdAlertArrivesByEmail(t *testing.T) {
	t.Parallel()
	n := startNode(t, nodeConfig{})
	otp := n.addUser(t, "bea@acme.test", "Acme", "owner")
	mustCLI(t, n.cliEnv(), "import", "--db", n.DB, "--org", "Acme", todayCosts(t))
	b := newTab(t, n.URL)
	b.firstSignIn("bea@acme.test", otp)

	if st := b.open("/budgets"); st != http.StatusOK {
		b.fatalf("GET /budgets: status %d", st)
	}
	b.mustSee("No budgets yet.")
	if st := b.submit("#new-budget"); st != http.StatusOK {
		b.fatalf("new budget: status %d", st)
	}
	b.fill("#budget-name", "E2E subscription")
	b.do("scope: a subscription", evalVoid(`document.querySelector("#budget-scope").value = "sub_account"; document.querySelector("#budget-scope").dispatchEvent(new Event("change"))`))
	if b.visible("#scope-group") || !b.visible("#scope-sub") {
		b.fatalf("the scope picker shows the wrong field for a subscription")
	}
	b.fill("#scope-sub", "sub-e2e")
	b.fill("#budget-amount", "100")
	b.fill("#threshold-0", "50")
	b.do("clear the other thresholds", evalVoid(`document.querySelector("#threshold-1").value = ""; document.querySelector("#threshold-2").value = ""`))
	b.fill("#budget-recipients", "alerts@acme.test")
	b.shot("budget-form")
	if st := b.submit("#save-budget"); st != http.StatusOK {
		b.fatalf("create budget: status %d", st)
	}
	b.mustSee("Budget E2E subscription saved.", "80 USD", "50% of actual spend", "Crossed")
	b.waitFor("the chart", `!!window.Chart && !!Chart.getChart(document.getElementById("budget-chart"))`)
	b.shot("budget-detail")

	if st := b.submit("#evaluate-budget"); st != http.StatusOK {
		b.fatalf("check thresholds: status %d", st)
	}
	b.mustSee("1 threshold crossed: notifications are on their way.")
	msgs := n.Mail.WaitFor(t, "alerts@acme.test", 1, mailTimeout)
	m := msgs[0]
	if !strings.Contains(m.Subject, `"E2E subscription"`) || !strings.Contains(m.Subject, "50%") ||
		!strings.Contains(m.Text, "Spent so far: 80 USD (80.0%)") || !strings.Contains(m.Text, n.URL+"/budgets/bud_") {
		t.Fatalf("alert e-mail %q:\n%s", m.Subject, m.Text)
	}
	if st := b.submit("#evaluate-budget"); st != http.StatusOK {
		b.fatalf("check again: status %d", st)
	}
	b.mustSee("none newly crossed")
	b.do("1024x768 window", chromedp.EmulateViewport(1024, 768))
	noHorizontalScroll(b, b.path())
	alerts := 0
	for _, m := range n.Mail.Messages() {
		if slices.Contains(m.To, "alerts@acme.test") {
			alerts++
		}
	}
	if alerts != 1 {
		t.Fatalf("%d alert e-mails after checking twice, want 1", alerts)
	}
	if st := b.open("/budgets"); st != http.StatusOK {
		b.fatalf("GET /budgets: status %d", st)
	}
	b.mustSee("E2E subscription", "100 USD", "80.0%", "Forecast over budget")
	b.shot("budgets-list")
	webhookTestEvent(t, b)
}

// webhookTestEvent adds a webhook in Settings, sends a test event and
// sees the signed delivery arrive and the log show it.
func webhookTestEvent(t *testing.T, b *tab) {
	var mu sync.Mutex
	var secret string
	got := make(chan error, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		got <- notify.Verify(secret, r.Header.Get(notify.SignatureHeader), body, time.Now(), 5*time.Minute)
	}))
	t.Cleanup(srv.Close)
	if st := b.open("/settings/webhooks"); st != http.StatusOK {
		b.fatalf("GET /settings/webhooks: status %d", st)
	}
	b.fill("#hook-name", "E2E receiver")
	b.fill("#hook-url", srv.URL+"/hook")
	if st := b.submit("#save-webhook"); st != http.StatusCreated {
		b.fatalf("add webhook: status %d", st)
	}
	mu.Lock()
	secret = strings.TrimSpace(b.textOf("#webhook-secret code"))
	mu.Unlock()
	noteSecret(secret)
	b.shot("webhook-created")
	if st := b.submit("#send-test"); st != http.StatusOK {
		b.fatalf("send test event: status %d", st)
	}
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("the test event's signature: %v", err)
		}
	case <-time.After(mailTimeout):
		t.Fatal("the test event never arrived")
	}
	for deadline := time.Now().Add(mailTimeout); !strings.Contains(b.textOf("#deliveries"), "200"); {
		if time.Now().After(deadline) {
			b.fatalf("the delivery log does not show the delivery")
		}
		b.open(b.path())
	}
	b.shot("webhook-deliveries")
}
