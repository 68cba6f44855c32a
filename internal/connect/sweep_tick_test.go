package connect_test

import (
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// On PostgreSQL the leader's schedule tick (Service.Tick) sweeps too: a sync whose
// worker died and came back before the sync went stale (so its startup
// sweep left it) is retried within a tick, not when river rescues its
// job hours later. A live sync is left alone.
func TestScheduleTickRetriesAStaleSyncOnPostgres(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, store.Postgres)
	h := newHarness(t, db)
	h.svc.StaleAfter = time.Minute
	c := h.create(t, h.owner, "Prod", "k")
	y, err := h.svc.SyncNow(h.ctx, h.owner, h.who, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := h.st.ClaimSync(h.ctx, c.OrgID, y.ID, time.Now()); !ok || err != nil {
		t.Fatalf("claim: %v %v", ok, err)
	}
	if err := h.svc.Tick(h.ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := h.st.GetSync(h.ctx, c.OrgID, c.ID, y.ID); got.State != store.SyncRunning {
		t.Fatalf("a live sync after the tick: %s, want still running", got.State)
	}
	if _, err := db.W.Exec(`UPDATE connection_syncs SET heartbeat_at = $1`, time.Now().Add(-2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := h.svc.Tick(h.ctx); err != nil {
		t.Fatal(err)
	}
	list, _, _ := h.svc.Syncs(h.ctx, h.owner, c.ID, 10, "")
	if len(list) != 2 || list[1].State != store.SyncFailed || list[0].Trigger != store.TriggerRetry || list[0].State != store.SyncQueued {
		t.Fatalf("history after the tick: %+v", list)
	}
}
