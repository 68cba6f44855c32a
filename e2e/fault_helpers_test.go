package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/app"
	"github.com/canopyhq/canopy/internal/loadgen"
	"github.com/canopyhq/canopy/internal/store"
)

// The fault suite (issue 11) kills processes, restarts PostgreSQL and
// fills disks; it runs only when asked, as it takes minutes:
//
//	CANOPY_FAULTS=1 go test ./e2e -run 'Fault|SyncResumes' -v
//
// Its cheap members (session expiry) run in the regular suite.
const faultsEnv = "CANOPY_FAULTS"

func needFaultSuite(t *testing.T) {
	t.Helper()
	if os.Getenv(faultsEnv) != "1" {
		t.Skip("fault suite: set " + faultsEnv + "=1 (minutes; see docs/reliability.md)")
	}
}

// faultRig is an organisation seeded as `canopy bench load` seeds it,
// and the canopy processes serving it.
type faultRig struct {
	t    *testing.T
	dsn  string
	key  string
	seed *app.LoadSeed
}

// newFaultRig seeds the database at dsn: generated cost lines with known
// totals, the demo's budgets/allocation/inventory, and users (half with
// API tokens).
func newFaultRig(t *testing.T, dsn string, rows, users int) *faultRig {
	t.Helper()
	r := &faultRig{t: t, dsn: dsn, key: filepath.Join(t.TempDir(), "canopy.key")}
	seed, err := app.SeedLoad(context.Background(), dsn, r.key, app.LoadSize{Rows: rows, Days: 30, Users: users, APIShare: 0.5})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	for _, a := range seed.Accounts {
		noteSecret(a.Password)
		if a.Token != "" {
			noteSecret(a.Token)
		}
	}
	r.seed = seed
	return r
}

func (r *faultRig) env() []string {
	return []string{"CANOPY_KEY_FILE=" + r.key}
}

// serve starts a `canopy serve` node; killable ones are not expected to
// shut down gracefully.
func (r *faultRig) serve(name string, killable bool) (*proc, string) {
	r.t.Helper()
	addr := freeAddr(r.t)
	url := "http://" + addr
	args := []string{"serve", "--db", r.dsn, "--addr", addr, "--base-url", url}
	var p *proc
	if killable {
		p = startKillable(r.t, name, r.env(), args...)
	} else {
		p = startProc(r.t, name, r.env(), args...)
	}
	p.waitReady(r.t, url)
	return p, url
}

// load drives the seeded users against urls for d (after they signed
// in; started is called then) and returns the report. It may run on
// another goroutine than the test's.
func (r *faultRig) load(urls []string, d time.Duration, started func()) (*loadgen.Report, error) {
	rep, err := loadgen.Run(context.Background(), loadgen.Options{Targets: urls, Accounts: r.seed.Accounts,
		Duration: d, Think: 200 * time.Millisecond, From: r.seed.From, To: r.seed.To, Seed: 7,
		Timeout: 30 * time.Second, Started: started})
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	rep.Write(&b)
	r.t.Logf("load report:\n%s", b.String())
	return rep, nil
}

// check asserts the faults left the data whole: the generated lines'
// totals equal the generator's, nothing else changed, the audit chain
// verifies; and `canopy audit verify` says so too.
func (r *faultRig) check() {
	r.t.Helper()
	summary, err := r.seed.Check(context.Background(), r.dsn, r.key)
	if err != nil {
		r.t.Fatalf("after the fault: %v", err)
	}
	r.t.Log("after the fault:", summary)
	res := mustCLI(r.t, []string{"CANOPY_KEY_FILE=" + r.key}, "audit", "verify", "--db", r.dsn)
	if !strings.Contains(res.Stdout, "audit log intact") {
		r.t.Fatalf("canopy audit verify: %s", res.Stdout)
	}
}

// probe sends n API requests to each url; all must succeed.
func (r *faultRig) probe(urls []string, n int) {
	r.t.Helper()
	var token string
	for _, a := range r.seed.Accounts {
		if a.Token != "" {
			token = a.Token
			break
		}
	}
	for _, u := range urls {
		for i := range n {
			p := fetch(r.t, "GET", u+"/api/v1/costs/explore?group_by=service", nil, nil, token)
			if p.Status != http.StatusOK {
				r.t.Fatalf("probe %d of %s after the fault: status %d %s", i+1, u, p.Status, p.Body)
			}
		}
	}
}

// runningJobs lists the river jobs now running.
func runningJobs(t *testing.T, db *sql.DB) map[int64]string {
	t.Helper()
	rows, err := db.Query(`SELECT id, kind FROM river_job WHERE state = 'running'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var kind string
		if err := rows.Scan(&id, &kind); err != nil {
			t.Fatal(err)
		}
		out[id] = kind
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkNoStuckJob waits until every running river job is one a killed
// process held when it died (held; River's rescuer retries those after
// its RescueStuckJobsAfter, an hour) and no job is overdue in the queue.
func checkNoStuckJob(t *testing.T, dsn string, held map[int64]string) {
	t.Helper()
	db := openRaw(t, dsn)
	defer db.Close()
	var last string
	waitFor(t, "every job finished or retried", func() bool {
		last = ""
		for id, kind := range runningJobs(t, db) {
			if _, ok := held[id]; !ok {
				last += fmt.Sprintf(" running %s #%d;", kind, id)
			}
		}
		if n := overdueJobs(t, db); n > 0 {
			last += fmt.Sprintf(" %d overdue;", n)
		}
		return last == ""
	})
	if len(held) > 0 {
		t.Logf("jobs the killed process held (River rescues them after an hour): %v", held)
	}
}

// overdueJobs counts jobs waiting in the queue for more than 20 s past
// their time (workers poll every second).
func overdueJobs(t *testing.T, db *sql.DB) int {
	t.Helper()
	rows, err := db.Query(`SELECT scheduled_at FROM river_job WHERE state IN ('available', 'retryable')`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n, cutoff := 0, time.Now().Add(-20*time.Second)
	for rows.Next() {
		var at time.Time
		if err := rows.Scan(&at); err != nil {
			t.Fatal(err)
		}
		if at.Before(cutoff) {
			n++
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

// openRaw opens the database at dsn with database/sql directly.
func openRaw(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	return db.W
}
