package e2e

import (
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/loadgen"
)

// Load while a fault strikes: the seeded users browse two web nodes on
// one PostgreSQL (the loadgen rotates over them as a load balancer) for
// faultLoad; the fault comes after faultAt.
const (
	faultLoad  = 25 * time.Second
	faultAt    = 8 * time.Second
	faultRows  = 50_000
	faultUsers = 16
)

// One of two web nodes killed with SIGKILL under load: the other goes on
// answering (requests the balancer sends to the dead node fail over),
// only requests in flight on the dead node fail, sessions live on in the
// database, and the node started again serves at once.
func TestFaultKillWebNodeUnderLoad(t *testing.T) {
	needFaultSuite(t)
	pg := startOwnPostgres(t)
	r := newFaultRig(t, pg.URL, faultRows, faultUsers)
	_, urlA := r.serve("node A", false)
	b, urlB := r.serve("node B", true)
	var held map[int64]string
	rep := r.loadWithFault([]string{urlA, urlB}, func() {
		b.kill(t)
		db := openRaw(t, r.dsn)
		held = runningJobs(t, db)
		db.Close()
	})
	if rep.Failovers == 0 {
		t.Errorf("no request was sent to node A after node B died: the test did not exercise the failover")
	}
	if rep.Errors > len(r.seed.Accounts) {
		t.Errorf("%d errors: more than the requests that can have been in flight on node B (one per user)", rep.Errors)
	}
	if rep.SignedOut != 0 {
		t.Errorf("%d pages sent users to sign in: sessions made on node B were lost", rep.SignedOut)
	}
	_, urlB2 := r.serve("node B again", false)
	r.probe([]string{urlA, urlB2}, 5)
	checkNoStuckJob(t, r.dsn, held)
	r.check()
}

// PostgreSQL restarted under load: requests during the restart may fail,
// but only with 503 and Retry-After (the database is unavailable: come
// back), both nodes stay up, reconnect on their own and then answer every
// request; no data is lost and no job is stuck.
func TestFaultRestartPostgresUnderLoad(t *testing.T) {
	needFaultSuite(t)
	pg := startOwnPostgres(t)
	r := newFaultRig(t, pg.URL, faultRows, faultUsers)
	a, urlA := r.serve("node A", false)
	b, urlB := r.serve("node B", false)
	rep := r.loadWithFault([]string{urlA, urlB}, pg.restart)
	if a.exited() || b.exited() {
		t.Fatalf("a node exited when PostgreSQL restarted")
	}
	t.Logf("requests failed during the restart: %d of %d (%d with 503)", rep.Errors, rep.Requests, rep.Shed)
	if rep.Errors != rep.Shed {
		t.Errorf("%d requests failed during the restart with another status than 503", rep.Errors-rep.Shed)
	}
	r.probe([]string{urlA, urlB}, 10)
	checkNoStuckJob(t, r.dsn, nil)
	r.check()
}

// loadWithFault runs the load and strikes faultAt after the users have
// signed in.
func (r *faultRig) loadWithFault(urls []string, fault func()) *loadgen.Report {
	r.t.Helper()
	type outcome struct {
		rep *loadgen.Report
		err error
	}
	done, started := make(chan outcome, 1), make(chan struct{})
	go func() {
		rep, err := r.load(urls, faultLoad, func() { close(started) })
		done <- outcome{rep, err}
	}()
	select {
	case o := <-done:
		r.t.Fatalf("the load ended before it started: %v", o.err)
	case <-started:
	}
	time.Sleep(faultAt)
	struck := time.Now()
	fault()
	r.t.Logf("fault struck %.0f s into the load and took %.1f s", faultAt.Seconds(), time.Since(struck).Seconds())
	o := <-done
	if o.err != nil {
		r.t.Fatal(o.err)
	}
	return o.rep
}
