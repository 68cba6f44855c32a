package imports

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// The leader's sweep does not wait out an import that holds the partition
// lock (it holds it until it commits, which a large import does minutes
// later, past the job's timeout): it sweeps, leaves the partitions to the
// next tick, and succeeds; with the lock free it creates them.
func TestSweepDoesNotWaitOutThePartitionLock(t *testing.T) {
	if storetest.PostgresURL(t) == "" {
		t.Skip("partitions exist on PostgreSQL only; CANOPY_TEST_POSTGRES not set")
	}
	old := partitionWait
	partitionWait = 300 * time.Millisecond
	t.Cleanup(func() { partitionWait = old })
	db := storetest.Open(t, store.Postgres)
	ctx := context.Background()
	st := store.New(db)
	w := &sweepWorker{svc: New(st, nil, 0, slog.New(slog.NewTextHandler(t.Output(), nil)))}
	month := domain.Now().Format("2006-01")
	has := func() bool {
		t.Helper()
		ms, err := st.Costs().Months(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.Month.Format("2006-01") == month {
				return true
			}
		}
		return false
	}
	if has() {
		t.Fatalf("a fresh database already has the partitions of %s", month)
	}

	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('canopy-cost-partitions:' || current_schema(), 0))`); err != nil {
		t.Fatal(err)
	}
	// As river's job timeout would, bound the call: a sweep that waits
	// for the lock fails here instead of hanging the test.
	jctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := w.Work(jctx, &river.Job[SweepArgs]{}); err != nil {
		t.Fatalf("sweep while an import holds the partition lock: %v, want success (partitions postponed)", err)
	}
	if has() {
		t.Fatalf("partitions of %s created while the lock was held", month)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if err := w.Work(ctx, &river.Job[SweepArgs]{}); err != nil {
		t.Fatal(err)
	}
	if !has() {
		t.Fatalf("the sweep did not create the partitions of %s with the lock free", month)
	}
}
