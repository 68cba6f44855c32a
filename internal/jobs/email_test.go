package jobs

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/keyvault"
	"github.com/canopyhq/canopy/internal/mail"
	"github.com/canopyhq/canopy/internal/mail/mailtest"
)

const (
	countCompleted = `SELECT count(*) FROM river_job WHERE kind = 'email' AND state = 'completed'`
	countCancelled = `SELECT count(*) FROM river_job WHERE kind = 'email' AND state = 'cancelled'`
)

func emailRegistry(t *testing.T, srv *mailtest.Server, kv keyvault.KeyVault) *Registry {
	t.Helper()
	reg := NewRegistry()
	Register(reg, NewEmailWorker(smtpTo(t, srv), kv, WithEmailRetry(10*time.Millisecond, 50*time.Millisecond)))
	return reg
}

func TestEmailDeliveredAndSealedAtRest(t *testing.T) {
	eachEngine(t, func(t *testing.T, tdb testDB) {
		srv, kv := mailtest.Start(t), testVault(t)
		r := startRunner(t, tdb, emailRegistry(t, srv, kv))
		link := "https://canopy.example.test/reset?token=SECRET-TOKEN-123&u=usr_1"
		m := mail.Message{To: "alice@example.test", Subject: "Reset your password", Text: "Reset: " + link + "\n", HTML: `<a href="` + link + `">Reset</a>`}
		if err := EnqueueEmail(context.Background(), r, kv, m); err != nil {
			t.Fatalf("EnqueueEmail: %v", err)
		}
		got := srv.WaitFor(t, "alice@example.test", 1, 30*time.Second)[0]
		if got.Subject != m.Subject || mailtest.FindLink(got.Text, "https://canopy.example.test/reset") != link {
			t.Fatalf("received subject %q text %q", got.Subject, got.Text)
		}
		waitCount(t, tdb.db, countCompleted, 1)
		var args string
		if err := tdb.db.QueryRow(`SELECT CAST(args AS TEXT) FROM river_job WHERE kind = 'email'`).Scan(&args); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(args, "SECRET-TOKEN") || !strings.Contains(args, "alice@example.test") {
			t.Fatalf("job args at rest = %s", args)
		}
	})
}

func TestEmailRetriedUntilDeliveredOnce(t *testing.T) {
	eachEngine(t, func(t *testing.T, tdb testDB) {
		srv, kv := mailtest.Start(t), testVault(t)
		srv.FailNext(2)
		r := startRunner(t, tdb, emailRegistry(t, srv, kv))
		m := mail.Message{To: "bob@example.test", Subject: "Welcome", Text: "hello"}
		if err := EnqueueEmail(context.Background(), r, kv, m); err != nil {
			t.Fatal(err)
		}
		waitCount(t, tdb.db, countCompleted, 1)
		if n := len(srv.Messages()); n != 1 {
			t.Fatalf("received %d messages, want exactly 1", n)
		}
		var attempt int
		if err := tdb.db.QueryRow(`SELECT attempt FROM river_job WHERE kind = 'email'`).Scan(&attempt); err != nil {
			t.Fatal(err)
		}
		if attempt != 3 {
			t.Fatalf("delivered on attempt %d, want 3 (two injected 451s)", attempt)
		}
	})
}

func TestUndecryptableEmailIsCancelledNotRetried(t *testing.T) {
	eachEngine(t, func(t *testing.T, tdb testDB) {
		srv, kv := mailtest.Start(t), testVault(t)
		r := startRunner(t, tdb, emailRegistry(t, srv, kv))
		args, err := NewEmailArgs(kv, mail.Message{To: "eve@example.test", Subject: "x", Text: "x"})
		if err != nil {
			t.Fatal(err)
		}
		args.To = "mallory@example.test" // a redirected recipient must not get the body
		if err := r.Enqueue(context.Background(), args, nil); err != nil {
			t.Fatal(err)
		}
		waitCount(t, tdb.db, countCancelled, 1)
		if n := len(srv.Messages()); n != 0 {
			t.Fatalf("received %d messages", n)
		}
	})
}

func TestTwoRunnersDeliverEachEmailOnce(t *testing.T) {
	tdb := testDB{EnginePostgres, openPostgres(t)}
	srv, kv := mailtest.Start(t), testVault(t)
	r1 := startRunner(t, tdb, emailRegistry(t, srv, kv))
	startRunner(t, tdb, emailRegistry(t, srv, kv))
	const n = 20
	for i := range n {
		m := mail.Message{To: "team@example.test", Subject: fmt.Sprintf("mail %02d", i), Text: "body"}
		if err := EnqueueEmail(context.Background(), r1, kv, m); err != nil {
			t.Fatal(err)
		}
	}
	srv.WaitFor(t, "team@example.test", n, 30*time.Second)
	waitCount(t, tdb.db, countCompleted, n)
	seen := map[string]int{}
	for _, m := range srv.Messages() {
		seen[m.Subject]++
	}
	for i := range n {
		if s := fmt.Sprintf("mail %02d", i); seen[s] != 1 {
			t.Errorf("%q delivered %d times", s, seen[s])
		}
	}
	if len(seen) != n {
		t.Errorf("got %d distinct subjects, want %d", len(seen), n)
	}
}

func TestBackoff(t *testing.T) {
	want := []time.Duration{5, 10, 20, 40, 80, 160, 320, 600, 600, 600}
	for i, w := range want {
		if got := Backoff(i+1, 5*time.Second, 600*time.Second); got != w*time.Second {
			t.Errorf("attempt %d: %v, want %v", i+1, got, w*time.Second)
		}
	}
	w := NewEmailWorker(nil, nil).(*emailWorker)
	if w.retryBase != DefaultEmailRetryBase || w.retryMax != DefaultEmailRetryMax {
		t.Fatalf("defaults = %v, %v", w.retryBase, w.retryMax)
	}
}
