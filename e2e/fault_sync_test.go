package e2e

import (
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/canopyhq/canopy/internal/connect"
	awssandbox "github.com/canopyhq/canopy/internal/sandbox/aws"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// Cost Explorer answers an AWS sync's reads with 503, 500, 429 (with
// Retry-After), 502 and throttles (LimitExceededException), in its own
// error format:
// the sync retries (the SDK's retryer, then the job's) and ends
// succeeded with Cost Explorer's exact totals month by month, and no
// sync job is left running or queued.
func TestFaultCloudErrorsDuringSync(t *testing.T) {
	needFaultSuite(t)
	k := newKillRun(t, storetest.DSN(t, store.SQLite))
	k.gate.release()
	k.gate.failCostReads(503, 500, 429, 502)
	k.cloud.AWS.Throttle("GetCostAndUsage", 2)
	addr := freeAddr(t)
	p := startProc(t, "canopy serve", k.env, "serve", "--db", k.dsn, "--addr", addr)
	p.waitReady(t, "http://"+addr)
	var list []store.ConnectionSync
	waitFor(t, "the sync to finish", func() bool {
		var err error
		list, err = k.app.Store.ListSyncs(k.ctx, k.sync.OrgID, k.sync.ConnectionID, 10, nil)
		if err != nil {
			t.Fatal(err)
		}
		return len(list) > 0 && list[0].Finished()
	})
	y := list[0]
	if y.State != store.SyncSucceeded {
		t.Fatalf("sync after the cloud's errors: %s (%s), want succeeded; history %+v", y.State, y.Error, list)
	}
	if left := k.gate.failuresLeft(); left != 0 {
		t.Fatalf("%d injected errors were never served", left)
	}
	if ce := k.cloud.AWS.Requests("GetCostAndUsage"); ce <= len(k.months) {
		t.Errorf("Cost Explorer saw %d requests for %d months: the throttled ones were not retried", ce, len(k.months))
	}
	t.Logf("%d syncs; AWS requests %d, Cost Explorer requests %d", len(list), k.cloud.Faults.Count(awssandbox.Service, ""), k.cloud.AWS.Requests("GetCostAndUsage"))
	k.checkMonthTotals(y.WindowTo)
	waitFor(t, "no sync job running or queued", func() bool {
		res, err := k.app.Jobs.Client().JobList(k.ctx, river.NewJobListParams().Kinds(connect.Args{}.Kind()).
			States(rivertype.JobStateRunning, rivertype.JobStateAvailable, rivertype.JobStateRetryable))
		if err != nil {
			t.Fatal(err)
		}
		return len(res.Jobs) == 0
	})
	res := mustCLI(t, k.env, "audit", "verify", "--db", k.dsn)
	t.Log(res.Stdout)
}
