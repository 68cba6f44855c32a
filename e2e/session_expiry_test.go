package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// Every session expired at once in the database (an operator's UPDATE,
// or a clock jump): signed-in people are sent to sign in, cleanly, and
// can sign in again; API tokens go on working; nothing is lost. Cheap,
// so part of the regular suite (and of the fault suite's list).
func TestFaultExpireEverySession(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			r := newFaultRig(t, storetest.DSN(t, e), 2000, 2)
			_, url := r.serve("canopy serve", false)
			web, api := r.seed.Accounts[0], r.seed.Accounts[1]
			if web.Token != "" || api.Token == "" {
				t.Fatalf("seeded accounts: want one web user and one with a token, got %+v", r.seed.Accounts)
			}
			cookie := sessionCookie(t, url, web.Email, web.Password)
			if p := fetch(t, "GET", url+"/spend", nil, cookie, ""); p.Status != http.StatusOK {
				t.Fatalf("GET /spend before the expiry: status %d", p.Status)
			}
			expireAllSessions(t, r.dsn)
			p := fetch(t, "GET", url+"/spend?group_by=service", nil, cookie, "")
			if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/signin") {
				t.Fatalf("GET /spend with an expired session: status %d location %q, want a redirect to /signin", p.Status, p.Location)
			}
			if s := fetch(t, "GET", url+p.Location, nil, nil, ""); s.Status != http.StatusOK || !strings.Contains(s.Body, "password") {
				t.Fatalf("the sign-in page after the expiry: status %d", s.Status)
			}
			if m := fetch(t, "GET", url+"/api/v1/me", nil, nil, api.Token); m.Status != http.StatusOK || !strings.Contains(m.Body, api.Email) {
				t.Fatalf("API token after every session expired: status %d %s", m.Status, m.Body)
			}
			again := sessionCookie(t, url, web.Email, web.Password)
			if p := fetch(t, "GET", url+"/spend", nil, again, ""); p.Status != http.StatusOK {
				t.Fatalf("GET /spend after signing in again: status %d", p.Status)
			}
			r.check()
		})
	}
}

// expireAllSessions moves every session's expiry an hour into the past.
func expireAllSessions(t *testing.T, dsn string) {
	t.Helper()
	db := openRaw(t, dsn)
	defer db.Close()
	q := `UPDATE sessions SET expiry = ?`
	if strings.HasPrefix(dsn, string(store.Postgres)) {
		q = `UPDATE sessions SET expiry = $1`
	}
	res, err := db.Exec(q, time.Now().UTC().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		t.Fatal("no session to expire")
	}
}
