package alerts_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/alerts"
	"github.com/canopyhq/canopy/internal/budgets"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/jobs"
	"github.com/canopyhq/canopy/internal/keyvault"
	"github.com/canopyhq/canopy/internal/mail"
	"github.com/canopyhq/canopy/internal/mail/mailtest"
	"github.com/canopyhq/canopy/internal/notify"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// hook is a webhook endpoint on loopback that accepts only correctly
// signed deliveries.
type hook struct {
	mu     sync.Mutex
	secret string
	bodies []string
	bad    int
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := notify.Verify(h.secret, r.Header.Get(notify.SignatureHeader), body, time.Now(), 5*time.Minute); err != nil {
		h.bad++
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	h.bodies = append(h.bodies, string(body))
}

func (h *hook) received() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.bodies...)
}

// wired gives the fixture the real notify service (e-mail through the
// e-mail job to a test SMTP server, signed webhooks) and budgets, with a
// started job runner.
func (f *fixture) wired(t *testing.T, db *store.DB) (*mailtest.Server, *notify.Service, *budgets.Service) {
	t.Helper()
	if err := jobs.Migrate(f.ctx, string(db.Engine), db.W); err != nil {
		t.Fatal(err)
	}
	kv, err := keyvault.NewLocal(domain.RandomBytes(keyvault.MasterKeySize))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	smtp, ntf := mailtest.Start(t), notify.New(f.st, kv, "http://canopy.test", log)
	bud := budgets.New(f.st, ntf, log)
	bud.Now = func() time.Time { return f.now }
	reg := jobs.NewRegistry()
	ntf.Register(reg)
	host, port := smtp.Addr()
	sender, err := mail.NewSMTPSender(mail.Config{Host: host, Port: port, From: "canopy@x.test", TLS: mail.TLSNone, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	jobs.Register(reg, jobs.NewEmailWorker(sender, kv))
	r, err := jobs.New(string(db.Engine), db.W, jobs.Options{Registry: reg, FetchPollInterval: 20 * time.Millisecond, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(f.ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Stop(f.ctx) })
	ntf.Jobs = r
	f.svc.Notify, f.svc.Budgets = alerts.ToNotify(ntf), alerts.FromBudgets(bud)
	return smtp, ntf, bud
}

// November so far (1-22) cost 2861.20 USD. A budget of 2000 is over on
// its actual spend; one of 3000 only on its forecast. Each overage rule
// alerts once per period, by e-mail to its recipients and by a signed
// webhook, however often it is evaluated.
func TestOverageAgainstABudgetNotifiesOnce(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		smtp, ntf, bud := f.wired(t, db)
		rcv := &hook{}
		srv := httptest.NewServer(rcv)
		t.Cleanup(srv.Close)
		_, secret, err := ntf.CreateWebhook(f.ctx, principal(f.owner.Org, "admin"), f.who,
			notify.WebhookInput{Name: "ops", URL: srv.URL, Events: []string{alerts.KindAlertCreated}})
		if err != nil {
			t.Fatal(err)
		}
		rcv.mu.Lock()
		rcv.secret = secret
		rcv.mu.Unlock()
		budget := func(name, amount string) budgets.Budget {
			b, err := bud.Create(f.ctx, f.owner, f.who, budgets.Input{Name: name, ScopeKind: budgets.ScopeOrg, Period: budgets.Monthly,
				Amount: amount, Currency: "USD", Metric: budgets.MetricBilled})
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		small, large := budget("Nov cap", "2000"), budget("Nov plan", "3000")
		f.rule(t, alerts.RuleInput{Name: "Cap spent", Kind: alerts.KindOverage, BudgetID: small.ID, Recipients: []string{"ops@x.test"}})
		f.rule(t, alerts.RuleInput{Name: "Plan spent", Kind: alerts.KindOverage, BudgetID: large.ID, Basis: alerts.BasisActual})
		f.rule(t, alerts.RuleInput{Name: "Plan forecast", Kind: alerts.KindOverage, BudgetID: large.ID, Basis: alerts.BasisForecast,
			Recipients: []string{"ops@x.test"}})
		if _, err := f.svc.CreateRule(f.ctx, f.owner, f.who, alerts.RuleInput{Name: "x", Kind: alerts.KindOverage, BudgetID: "bud_nope"}); domain.ErrorField(err) != "budget_id" {
			t.Errorf("unknown budget: %v", err)
		}
		for range 2 {
			if _, err := f.svc.Evaluate(f.ctx, f.owner.Org.ID); err != nil {
				t.Fatal(err)
			}
		}
		got := map[string]alerts.Alert{}
		for _, a := range f.inbox(t) {
			got[a.RuleName] = a
		}
		cap, plan := got["Cap spent"], got["Plan forecast"]
		if len(got) != 2 || cap.Day != "2026-11-01" || cap.Severity != alerts.SeverityCritical || plan.Severity != alerts.SeverityWarning {
			t.Fatalf("alerts %+v", got)
		}
		if want := "Budget Nov cap (1 Nov to 30 Nov 2026): spent 2861.20 USD, 143.1 % of its 2000.00 USD."; cap.Message != want {
			t.Errorf("message %q, want %q", cap.Message, want)
		}
		if !strings.HasPrefix(plan.Message, "Budget Nov plan (1 Nov to 30 Nov 2026): forecast to spend ") {
			t.Errorf("forecast message %q", plan.Message)
		}
		msgs := smtp.WaitFor(t, "ops@x.test", 2, 30*time.Second)
		for deadline := time.Now().Add(30 * time.Second); len(rcv.received()) < 2; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("webhooks received %d", len(rcv.received()))
			}
		}
		idle(t, f, db)
		if n := len(smtp.Messages()); n != 2 || !strings.Contains(msgs[0].Subject+msgs[1].Subject, "[Canopy] Critical: Cap spent — Nov cap") {
			t.Errorf("%d e-mails: %+v", n, msgs)
		}
		bodies := rcv.received()
		var p struct {
			Kind string         `json:"kind"`
			Link string         `json:"link"`
			Data map[string]any `json:"data"`
		}
		if err := json.Unmarshal([]byte(bodies[0]), &p); err != nil || len(bodies) != 2 || p.Kind != alerts.KindAlertCreated ||
			!strings.HasPrefix(p.Link, "http://canopy.test/spend?") || p.Data["kind"] != alerts.KindOverage {
			t.Errorf("webhooks %v: %+v %v", bodies, p, err)
		}
	})
}

// idle waits until no job is waiting, running or due a retry.
func idle(t *testing.T, f *fixture, db *store.DB) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var n int
		if err := db.W.QueryRowContext(f.ctx, `SELECT count(*) FROM river_job WHERE state NOT IN ('completed', 'cancelled', 'discarded')`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d jobs still pending", n)
		}
	}
}
