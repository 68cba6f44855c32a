package budgets_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/budgets"
	"github.com/canopyhq/canopy/internal/notify"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// receiver is a webhook endpoint on loopback that checks every
// signature and fails the first failFirst deliveries with a 500.
type receiver struct {
	mu        sync.Mutex
	secret    string
	failFirst int
	calls     int
	ok        []string // bodies accepted
	bad       int      // bad signatures
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if err := notify.Verify(r.secret, req.Header.Get(notify.SignatureHeader), body, time.Now(), 5*time.Minute); err != nil {
		r.bad++
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	if r.calls <= r.failFirst {
		http.Error(w, "try again", http.StatusInternalServerError)
		return
	}
	r.ok = append(r.ok, string(body))
}

func (r *receiver) accepted() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.ok)
}

// Two job runners on one database and two direct callers evaluate the
// same crossed threshold at once: the unique event row lets exactly one
// of them notify, so one e-mail and one webhook delivery arrive (the
// webhook after a failed first attempt, retried with backoff).
func TestThresholdFiresOnceAcrossWorkers(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		h.importLines(t, h.org, "feb-mar", pattern(feb1, mar15))
		rcv := &receiver{failFirst: 1}
		srv := httptest.NewServer(rcv)
		t.Cleanup(srv.Close)
		admin := h.principal(h.org, "usr_adm", "adm@x.test", auth.RoleAdmin)
		hook, secret, err := h.ntf.CreateWebhook(h.ctx, admin, h.who, notify.WebhookInput{Name: "ops", URL: srv.URL + "/hook",
			Events: []string{notify.KindBudgetThreshold}})
		if err != nil {
			t.Fatal(err)
		}
		rcv.secret = secret
		b := h.create(t, subBudget("Sub A", "2000", budgets.Threshold{Percent: "50", Basis: "actual"}))

		r1, r2 := h.runner(t, true), h.runner(t, true)
		if err := r1.Enqueue(h.ctx, budgets.EvaluateArgs{}, nil); err != nil {
			t.Fatal(err)
		}
		if err := r2.Enqueue(h.ctx, budgets.EvaluateArgs{OrgID: h.org.ID}, nil); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				if _, err := h.svc.Evaluate(h.ctx, ""); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		h.smtp.WaitFor(t, "alerts@x.test", 1, 30*time.Second)
		for deadline := time.Now().Add(30 * time.Second); rcv.accepted() < 1; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("no webhook delivery accepted")
			}
		}
		h.idle(t)
		if n := len(h.smtp.Messages()); n != 1 {
			t.Fatalf("%d e-mails, want 1", n)
		}
		rcv.mu.Lock()
		calls, bad, ok := rcv.calls, rcv.bad, len(rcv.ok)
		rcv.mu.Unlock()
		if calls != 2 || bad != 0 || ok != 1 {
			t.Fatalf("webhook: %d calls, %d bad signatures, %d accepted; want 2, 0, 1", calls, bad, ok)
		}
		log, err := h.ntf.Deliveries(h.ctx, admin, hook.ID)
		if err != nil || len(log) != 2 || log[0].StatusCode != 200 || !log[0].OK || log[1].StatusCode != 500 || log[1].Attempt != 1 || log[0].Attempt != 2 {
			t.Fatalf("delivery log %+v %v", log, err)
		}
		events, err := h.svc.Events(h.ctx, h.fin, b.ID)
		if err != nil || len(events) != 1 || events[0].Spent != "1160" {
			t.Fatalf("events %+v %v", events, err)
		}
		if st := h.get(t, b.ID); st.Thresholds[0].FiredAt == nil {
			t.Fatal("status does not show when the threshold fired")
		}
		if n, err := h.svc.Evaluate(h.ctx, ""); err != nil || n != 0 {
			t.Fatalf("a second evaluation fired %d: %v", n, err)
		}
	})
}

// Only crossed thresholds fire, each once per period; the e-mail goes to
// the listed addresses and the custom group's owners.
func TestEvaluateFiresCrossedThresholdsOncePerPeriod(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		h.importLines(t, h.org, "feb-mar", pattern(feb1, mar15))
		b := h.create(t, subBudget("Sub A", "2000", budgets.Threshold{Percent: "80", Basis: "actual"},
			budgets.Threshold{Percent: "100", Basis: "forecast"}))
		n, err := h.svc.EvaluateNow(h.ctx, h.fin, h.who, b.ID)
		if err != nil || n != 1 {
			t.Fatalf("fired %d: %v (want the forecast threshold only)", n, err)
		}
		if n, err = h.svc.Evaluate(h.ctx, ""); err != nil || n != 0 {
			t.Fatalf("fired again: %d %v", n, err)
		}
		// April is a new period: its forecast (from March's pattern, no
		// April data yet) is over the amount again, so it fires once more.
		h.svc.Now = func() time.Time { return now.AddDate(0, 1, 0) }
		if n, err = h.svc.Evaluate(h.ctx, ""); err != nil || n != 1 {
			t.Fatalf("April fired %d: %v", n, err)
		}
		if n, err = h.svc.Evaluate(h.ctx, ""); err != nil || n != 0 {
			t.Fatalf("April fired again: %d %v", n, err)
		}
		h.runner(t, true)
		msgs := h.smtp.WaitFor(t, "alerts@x.test", 2, 30*time.Second)
		if msgs[0].Text == msgs[1].Text {
			t.Fatal("the two periods' e-mails are the same")
		}
		if !strings.Contains(msgs[0].Text, "Period: 2026-03-01") {
			msgs[0], msgs[1] = msgs[1], msgs[0]
		}
		if !containsAll(msgs[0].Subject, "Sub A", "forecast", "100%") || !containsAll(msgs[0].Text, "Spent so far: 1160 USD (58.0%)",
			"Forecast for the period: 2560 USD (128.0%)", "http://canopy.test/budgets/"+b.ID, "Amortised effective cost") {
			t.Fatalf("e-mail %q\n%s", msgs[0].Subject, msgs[0].Text)
		}
	})
}

// A threshold is its percent and basis: reordering fires nothing again,
// a changed threshold is new and fires in the same period.
func TestEditedThresholdIsNew(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		h.importLines(t, h.org, "feb-mar", pattern(feb1, mar15))
		in := subBudget("Sub A", "2000", budgets.Threshold{Percent: "50", Basis: "actual"}, budgets.Threshold{Percent: "90", Basis: "actual"})
		b := h.create(t, in)
		if n, err := h.svc.Evaluate(h.ctx, ""); err != nil || n != 1 {
			t.Fatalf("first: %d %v", n, err)
		}
		in.Thresholds = []budgets.Threshold{{Percent: "90", Basis: "actual"}, {Percent: "50", Basis: "actual"}}
		if _, err := h.svc.Update(h.ctx, h.fin, h.who, b.ID, in); err != nil {
			t.Fatal(err)
		}
		if n, err := h.svc.Evaluate(h.ctx, ""); err != nil || n != 0 {
			t.Fatalf("reordered: fired %d %v", n, err)
		}
		if st := h.get(t, b.ID); st.Thresholds[1].FiredAt == nil || st.Thresholds[0].FiredAt != nil {
			t.Fatalf("fired marks %+v", st.Thresholds)
		}
		in.Thresholds = []budgets.Threshold{{Percent: "55", Basis: "actual"}}
		if _, err := h.svc.Update(h.ctx, h.fin, h.who, b.ID, in); err != nil {
			t.Fatal(err)
		}
		if n, err := h.svc.Evaluate(h.ctx, ""); err != nil || n != 1 {
			t.Fatalf("changed: fired %d %v", n, err)
		}
	})
}
