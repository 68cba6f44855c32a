package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/mail/mailtest"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

const throttled = "Too many failed attempts."

// TestTwoNodesOnOnePostgres runs two `canopy serve` processes on one
// PostgreSQL schema and key file, as a scaled-out deployment does.
func TestTwoNodesOnOnePostgres(t *testing.T) {
	t.Parallel()
	if storetest.PostgresURL(t) == "" { // fails under CI when unset
		t.Skip("CANOPY_TEST_POSTGRES not set")
	}
	dsn := storetest.DSN(t, store.Postgres)
	key := filepath.Join(t.TempDir(), "canopy.key")
	mail := mailtest.Start(t)
	// One after the other, so only the first creates the key file.
	a := startNode(t, nodeConfig{Name: "node A", DB: dsn, KeyFile: key, Mail: mail})
	b := startNode(t, nodeConfig{Name: "node B", DB: dsn, KeyFile: key, Mail: mail})

	t.Run("session", func(t *testing.T) { sessionSharedAcrossNodes(t, a, b) })
	t.Run("throttle", func(t *testing.T) { throttleSharedAcrossNodes(t, a, b) })
	t.Run("mail once", func(t *testing.T) { resetMailSentOnce(t, a, dsn) })
}

func sessionSharedAcrossNodes(t *testing.T, a, b *node) {
	const email = "kim@acme.test"
	pw := a.addUser(t, email, "Acme", "owner")
	cookie := sessionCookie(t, a.URL, email, pw)

	onB := fetch(t, "GET", b.URL+"/profile", nil, cookie, "")
	if onB.Status != http.StatusOK || !strings.Contains(onB.Body, email) {
		t.Fatalf("node A's session on node B: GET /profile status %d (location %q), want 200 with the profile", onB.Status, onB.Location)
	}
	out := fetch(t, "POST", b.URL+"/signout", url.Values{}, cookie, "")
	if out.Status != http.StatusSeeOther || out.Location != "/signin" {
		t.Fatalf("sign out on node B: status %d location %q", out.Status, out.Location)
	}
	onA := fetch(t, "GET", a.URL+"/profile", nil, cookie, "")
	if onA.Status != http.StatusSeeOther || !strings.HasPrefix(onA.Location, "/signin") {
		t.Errorf("after sign-out on node B the cookie still works on node A: status %d location %q", onA.Status, onA.Location)
	}
}

func throttleSharedAcrossNodes(t *testing.T, a, b *node) {
	const email = "lee@acme.test"
	pw := a.addUser(t, email, "Acme", "owner")
	nodes := []*node{a, b, a, b, a}
	for i, n := range nodes {
		p := signInHTTP(t, n.URL, email, fmt.Sprintf("wrong password number %d", i+1))
		if p.Status != http.StatusUnauthorized || !strings.Contains(p.Body, badCredentials) {
			t.Fatalf("failure %d: status %d, want 401 with %q", i+1, p.Status, badCredentials)
		}
	}
	for _, n := range []*node{a, b} {
		p := signInHTTP(t, n.URL, email, pw)
		if p.Status != http.StatusTooManyRequests || !strings.Contains(p.Body, throttled) {
			t.Errorf("right password after 5 failures spread over both nodes, on %s: status %d, want 429 with %q", n.URL, p.Status, throttled)
		}
	}
}

// resetMailSentOnce asks node A for a reset link while both nodes work
// jobs: the email arrives once, from one completed job.
func resetMailSentOnce(t *testing.T, a *node, dsn string) {
	const email = "kim@acme.test"
	p := fetch(t, "POST", a.URL+"/forgot", url.Values{"email": {email}}, nil, "")
	if p.Status != http.StatusOK {
		t.Fatalf("POST /forgot: status %d", p.Status)
	}
	msgs := a.Mail.WaitFor(t, email, 1, mailTimeout)
	if mailtest.FindLink(msgs[0].Text, a.URL+"/reset/") == "" {
		t.Fatalf("reset email without a link:\n%s", msgs[0].Text)
	}
	jobs := waitEmailJobsDone(t, dsn)
	if jobs != 1 {
		t.Errorf("%d email jobs, want 1", jobs)
	}
	if got := len(a.Mail.WaitFor(t, email, 1, mailTimeout)); got != 1 {
		t.Errorf("reset email delivered %d times, want once", got)
	}
}

// waitEmailJobsDone waits until no email job is pending or running and
// returns how many there are; once they are done no node can send again.
func waitEmailJobsDone(t *testing.T, dsn string) int {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), mailTimeout)
	defer cancel()
	for {
		var total, done int
		err := db.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE state = 'completed' AND attempt = 1)
			FROM river_job WHERE kind = 'email'`).Scan(&total, &done)
		if err != nil {
			t.Fatalf("read river_job: %v", err)
		}
		if total > 0 && done == total {
			return total
		}
		select {
		case <-ctx.Done():
			t.Fatalf("email jobs not completed (once, first attempt) within %v: %d of %d", mailTimeout, done, total)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
