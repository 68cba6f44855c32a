package connect_test

import (
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// Two river clients on one PostgreSQL database (two worker processes):
// a connection's sync runs once, never twice at once, even when its job
// is inserted again and "Sync now" is pressed while it runs.
func TestTwoWorkersNeverRunOneSyncTwice(t *testing.T) {
	t.Parallel()
	if storetest.PostgresURL(t) == "" {
		t.Skip("CANOPY_TEST_POSTGRES not set")
	}
	h := newHarness(t, storetest.Open(t, store.Postgres))
	h.runner(t, true)
	h.runner(t, true)
	release := make(chan struct{})
	h.fake.blockOnce = release
	c := h.create(t, h.owner, "Prod", "k")
	y, err := h.svc.SyncNow(h.ctx, h.owner, h.who, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.svc.Jobs.Enqueue(h.ctx, connect.Args{OrgID: y.OrgID, ConnectionID: c.ID, SyncID: y.ID, Trigger: y.Trigger}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.SyncNow(h.ctx, h.owner, h.who, c.ID); !isCode(err, domain.CodeConflict) {
		t.Fatalf("a second Sync now while one is queued: %v", err)
	}
	if n, err := h.svc.QueueDue(h.ctx); err != nil || n != 0 {
		t.Fatalf("the schedule queued %d beside a running sync: %v", n, err)
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if cur, _ := h.svc.Sync(h.ctx, h.owner, c.ID, y.ID); cur.State == store.SyncRunning {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the sync never started")
		}
	}
	time.Sleep(300 * time.Millisecond) // time for the other client to fetch the duplicate, if river let one in
	close(release)
	y = h.waitSync(t, h.owner, c.ID, y.ID)
	time.Sleep(300 * time.Millisecond)
	h.fake.mu.Lock()
	calls, most := h.fake.calls, h.fake.maxConc
	h.fake.mu.Unlock()
	if y.State != store.SyncSucceeded || calls != 1 || most != 1 {
		t.Fatalf("sync %s: connector called %d times, %d at once", y.State, calls, most)
	}
}

// The startup sweep marks a sync whose worker died (running, no
// heartbeat) failed and queues a retry with its window and checkpoint.
func TestSweepRetriesAStuckSyncFromItsCheckpoint(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		c := h.create(t, h.owner, "Prod", "k")
		y, err := h.svc.SyncNow(h.ctx, h.owner, h.who, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok, err := h.st.ClaimSync(h.ctx, c.OrgID, y.ID, time.Now()); !ok || err != nil {
			t.Fatalf("claim: %v %v", ok, err)
		}
		if err := h.st.SetSyncCheckpoint(h.ctx, y.ID, []byte(`{"next":"2026-03-12"}`)); err != nil {
			t.Fatal(err)
		}
		if db.Engine == store.Postgres { // a live heartbeat is left alone there
			if res, err := h.svc.Sweep(h.ctx); err != nil || res.Retried != 0 {
				t.Fatalf("sweep of a live sync: %+v %v", res, err)
			}
			if _, err := db.W.Exec(`UPDATE connection_syncs SET heartbeat_at = $1`, time.Now().Add(-time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		if res, err := h.svc.Sweep(h.ctx); err != nil || res.Retried != 1 {
			t.Fatalf("sweep: %+v %v", res, err)
		}
		list, _, _ := h.svc.Syncs(h.ctx, h.owner, c.ID, 10, "")
		if len(list) != 2 || list[1].State != store.SyncFailed || !strings.Contains(list[1].Error, "Interrupted") {
			t.Fatalf("history after the sweep: %+v", list)
		}
		r := list[0]
		if r.Trigger != store.TriggerRetry || r.State != store.SyncQueued || string(r.Checkpoint) != `{"next":"2026-03-12"}` ||
			!r.WindowFrom.Equal(y.WindowFrom) || !r.WindowTo.Equal(y.WindowTo) {
			t.Fatalf("retry sync %+v", r)
		}
		h.runner(t, true)
		if done := h.waitSync(t, h.owner, c.ID, r.ID); done.State != store.SyncSucceeded {
			t.Fatalf("retry %+v", done)
		}
		if n := len(h.fake.imported); n != 3 { // 12, 13, 14 March: after the checkpoint
			t.Fatalf("the retry imported %v, want the 3 days from the checkpoint", h.fake.imported)
		}
	})
}
