package connect

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

const (
	// DefaultStaleAfter is how long a running sync may go without a
	// heartbeat before another worker may take it over (Service.StaleAfter,
	// CANOPY_SYNC_STALE_AFTER); a live sync beats every twelfth of it.
	DefaultStaleAfter = time.Minute
	// jobTimeout bounds one sync attempt; river rescues a job only after
	// it, so it must exceed the slowest legitimate sync.
	jobTimeout = 6 * time.Hour
)

// Args is the connection_sync job: which sync of which connection.
type Args struct {
	OrgID        string `json:"org_id" river:"unique"`
	ConnectionID string `json:"connection_id" river:"unique"`
	SyncID       string `json:"sync_id" river:"unique"`
	Trigger      string `json:"trigger"`
}

// Kind implements river.JobArgs.
func (Args) Kind() string { return "connection_sync" }

// InsertOpts: one job per sync while it is pending or running (river's
// unique jobs); the sync table allows one queued or running sync per
// connection, so a connection never syncs twice at once.
func (Args) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateRetryable, rivertype.JobStateScheduled}}}
}

// Worker returns the sync job's worker; register it in the jobs registry.
func (s *Service) Worker() river.Worker[Args] { return &worker{svc: s} }

type worker struct {
	river.WorkerDefaults[Args]
	svc *Service
}

func (w *worker) Timeout(*river.Job[Args]) time.Duration { return jobTimeout }

// Work runs the sync once. River runs a job at least once, so the sync's
// row decides: a finished sync is left alone, one running elsewhere (with
// a live heartbeat) is retried later, and only a claimed one runs.
func (w *worker) Work(ctx context.Context, job *river.Job[Args]) error {
	a := job.Args
	y, claimed, err := w.svc.Store.ClaimSync(ctx, a.OrgID, a.SyncID, domain.Now().Add(-w.svc.staleAfter()))
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return river.JobCancel(err) // the connection was deleted
	}
	if err != nil {
		return err
	}
	if !claimed {
		if !y.Finished() {
			return river.JobSnooze(w.svc.staleAfter())
		}
		return nil
	}
	return w.svc.runSync(ctx, y, job.Attempt < job.MaxAttempts)
}

// runSync runs a claimed sync and records its outcome. A stopped worker
// (cancelled context) or a Retryable error while attempts remain puts the
// sync back in the queue with its checkpoint and returns the error, so
// river retries it; anything else is the sync's outcome.
func (s *Service) runSync(ctx context.Context, y store.ConnectionSync, canRetry bool) error {
	c, err := s.Store.GetConnection(ctx, y.OrgID, y.ConnectionID)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	run := newRun(s, c, y)
	stop := s.heartbeat(ctx, run)
	err = s.callConnector(ctx, c, run)
	stop()
	if err != nil && (ctx.Err() != nil || (IsRetryable(err) && canRetry)) {
		s.Log.Warn("connection sync interrupted; it will resume from its checkpoint", "sync", y.ID, "err", err)
		run.persist()
		if rerr := s.Store.RequeueSync(context.WithoutCancel(ctx), y.ID); rerr != nil {
			s.Log.Error("requeue interrupted sync", "sync", y.ID, "err", rerr)
		}
		return err
	}
	if ferr := s.finish(context.WithoutCancel(ctx), c, run.snapshot(y), err); ferr != nil || err != nil {
		return ferr
	}
	if s.AfterSync != nil {
		s.AfterSync(context.WithoutCancel(ctx), c.OrgID)
	}
	if s.AfterConnectionSync != nil {
		s.AfterConnectionSync(context.WithoutCancel(ctx), c)
	}
	return nil
}

// callConnector runs the connector's Sync with the opened secret, turning
// a panic into the sync's error.
func (s *Service) callConnector(ctx context.Context, c Connection, run *Run) (err error) {
	conn, err := s.Connectors.Lookup(Kind(c.Kind))
	if err != nil {
		return err
	}
	secret, err := s.openSecret(c)
	if err != nil {
		return fmt.Errorf("the stored credentials cannot be opened (%w); enter them again", err)
	}
	defer clear(secret)
	defer func() {
		if p := recover(); p != nil {
			s.Log.Error("connector panicked", "sync", run.SyncID, "kind", c.Kind, "panic", p)
			err = fmt.Errorf("internal error in the %s connector (logged with sync %s)", c.Kind, run.SyncID)
		}
	}()
	return conn.Sync(ctx, c, secret, run)
}

// finish records the outcome on the sync and its connection together.
func (s *Service) finish(ctx context.Context, c Connection, y store.ConnectionSync, err error) error {
	y.State, y.Phase = store.SyncSucceeded, "done"
	status := store.ConnectionOK
	switch {
	case err != nil:
		y.State, y.Error, status = store.SyncFailed, err.Error(), store.ConnectionFailed
	case string(y.Warnings) != "[]":
		y.State, status = store.SyncPartial, store.ConnectionPartial
	}
	var through *time.Time
	if err == nil {
		through = &y.WindowTo
	} else {
		s.Log.Warn("connection sync failed", "sync", y.ID, "connection", c.ID, "kind", c.Kind, "err", err)
	}
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.FinishSync(ctx, y); err != nil {
			return err
		}
		return tx.FinishConnectionSync(ctx, c.OrgID, c.ID, status, through)
	})
}

// staleAfter is the configured staleness, or DefaultStaleAfter.
func (s *Service) staleAfter() time.Duration {
	if s.StaleAfter > 0 {
		return s.StaleAfter
	}
	return DefaultStaleAfter
}

// heartbeat writes the run's progress every twelfth of staleAfter on PostgreSQL,
// so a live sync is never taken for an abandoned one. On SQLite a cost
// import holds the one writer for its whole transaction, so no writes are
// made from another goroutine; it runs as one process, and the startup
// sweep takes every running sync there.
func (s *Service) heartbeat(ctx context.Context, run *Run) (stop func()) {
	if s.Store.DB().Engine != store.Postgres {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(s.staleAfter() / 12)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				run.persist()
			}
		}
	}()
	return func() { cancel(); <-done }
}

// SweepResult says what a startup sweep found.
type SweepResult struct {
	Retried int // syncs stuck running, marked failed and queued again
}

// Sweep tidies up after processes that stopped mid-sync; every serve,
// worker and demo process runs it at startup, and on PostgreSQL the
// leader at every schedule tick (Tick). A sync running with no
// heartbeat for StaleAfter (on SQLite: any, as nothing of an earlier
// process can be alive) is marked failed and a retry sync is queued with
// its window and checkpoint, so it resumes where it stopped.
func (s *Service) Sweep(ctx context.Context) (SweepResult, error) {
	var res SweepResult
	before := domain.Now().Add(-s.staleAfter())
	if s.Store.DB().Engine != store.Postgres {
		before = domain.Now().Add(time.Second)
	}
	stuck, err := s.Store.SyncsBefore(ctx, store.SyncRunning, before)
	if err != nil {
		return res, err
	}
	for _, y := range stuck {
		if err := s.retry(ctx, y); err != nil {
			return res, err
		}
		res.Retried++
	}
	return res, nil
}

// retry marks y failed, cancels the job its dead worker left running and
// queues its continuation (trigger retry).
func (s *Service) retry(ctx context.Context, y store.ConnectionSync) error {
	c, err := s.Store.GetConnection(ctx, y.OrgID, y.ConnectionID)
	if err != nil {
		return err
	}
	y.State, y.Error = store.SyncFailed, "Interrupted: the worker running this sync stopped; a retry continues from its checkpoint."
	if err := s.Store.FinishSync(ctx, y); err != nil {
		return err
	}
	if err := s.cancelAbandonedJob(ctx, y.ID); err != nil {
		return err
	}
	_, err = s.queue(ctx, c, store.TriggerRetry, &y)
	if domain.ErrorCode(err) == domain.CodeConflict {
		return nil // another sync of the connection is already queued
	}
	return err
}

// cancelAbandonedJob finalizes the job of a sync whose worker died: river
// would leave it running until its rescuer's horizon (jobTimeout plus an
// hour), and the retry sync has a job of its own.
func (s *Service) cancelAbandonedJob(ctx context.Context, syncID string) error {
	_, err := s.Jobs.CancelAbandoned(ctx, Args{}.Kind(), func(raw []byte) bool {
		var a Args
		return json.Unmarshal(raw, &a) == nil && a.SyncID == syncID
	})
	return err
}
