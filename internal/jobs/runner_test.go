package jobs

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/canopyhq/canopy/internal/mail"
	"github.com/canopyhq/canopy/internal/mail/mailtest"
)

type tickArgs struct{}

func (tickArgs) Kind() string { return "test_tick" }

func TestPeriodicJobRuns(t *testing.T) {
	eachEngine(t, func(t *testing.T, tdb testDB) {
		var ticks atomic.Int32
		reached := make(chan struct{})
		reg := NewRegistry()
		Register(reg, river.WorkFunc(func(ctx context.Context, job *river.Job[tickArgs]) error {
			if ticks.Add(1) == 2 {
				close(reached)
			}
			return nil
		}))
		reg.AddPeriodic(30*time.Millisecond, func() (river.JobArgs, *river.InsertOpts) { return tickArgs{}, nil })
		startRunner(t, tdb, reg)
		select {
		case <-reached:
		case <-time.After(30 * time.Second):
			t.Fatalf("periodic job ran %d times, want at least 2", ticks.Load())
		}
	})
}

func TestEnqueueTxFollowsTransaction(t *testing.T) {
	eachEngine(t, func(t *testing.T, tdb testDB) {
		ctx := context.Background()
		srv, kv := mailtest.Start(t), testVault(t)
		// An insert-only Runner, as in a process that does not work jobs.
		inserter, err := New(tdb.engine, tdb.db, Options{})
		if err != nil {
			t.Fatal(err)
		}
		inTx := func(m mail.Message, commit bool) {
			tx, err := tdb.db.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := EnqueueEmailTx(ctx, inserter, tx, kv, m); err != nil {
				t.Fatal(err)
			}
			finish := tx.Rollback
			if commit {
				finish = tx.Commit
			}
			if err := finish(); err != nil {
				t.Fatal(err)
			}
		}
		inTx(mail.Message{To: "rolled@example.test", Subject: "never", Text: "x"}, false)
		waitCount(t, tdb.db, `SELECT count(*) FROM river_job`, 0)
		inTx(mail.Message{To: "kept@example.test", Subject: "kept", Text: "x"}, true)
		startRunner(t, tdb, emailRegistry(t, srv, kv))
		srv.WaitFor(t, "kept@example.test", 1, 30*time.Second)
		waitCount(t, tdb.db, countCompleted, 1)
		if n := len(srv.Messages()); n != 1 {
			t.Fatalf("received %d messages, want 1", n)
		}
	})
}

func TestMigrateIsIdempotentAndConcurrencySafe(t *testing.T) {
	eachEngine(t, func(t *testing.T, tdb testDB) {
		var wg sync.WaitGroup
		errs := make(chan error, 3)
		for range 3 {
			wg.Go(func() { errs <- Migrate(context.Background(), tdb.engine, tdb.db) })
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("Migrate again: %v", err)
			}
		}
	})
}

func TestMigrateConcurrentFreshPostgres(t *testing.T) {
	// Several processes starting at once on an empty database.
	tdb := testDB{EnginePostgres, openEmptyPostgres(t)}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() { errs <- Migrate(context.Background(), EnginePostgres, tdb.db) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent Migrate: %v", err)
		}
	}
	waitCount(t, tdb.db, `SELECT count(*) FROM river_job`, 0)
}

func TestUnknownEngine(t *testing.T) {
	if err := Migrate(context.Background(), "mysql", &sql.DB{}); err == nil {
		t.Fatal("Migrate accepted engine mysql")
	}
	if _, err := New("mysql", &sql.DB{}, Options{}); err == nil {
		t.Fatal("New accepted engine mysql")
	}
}
