package imports

import (
	"context"
	"encoding/json"
	"time"

	"github.com/riverqueue/river"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/jobs"
	"github.com/canopyhq/canopy/internal/store"
)

// SweepResult says what a startup sweep found.
type SweepResult struct {
	AbandonedImports int // cost imports marked failed
	Requeued         int // uploads whose import was interrupted, queued again
	Removed          int // uploads whose body never finished arriving
}

// Sweep tidies up after processes that stopped mid-work; every serve,
// worker and demo process runs it at startup. Cost imports left running
// are marked failed (the store knows which are still alive). Uploads
// still arriving or importing with no sign of life for StaleAfter are
// removed (a body cut off by the stop) or queued again (the file is
// complete). On SQLite, which runs as one process, nothing of an earlier
// process can be alive at startup, so every such upload is taken.
func (s *Service) Sweep(ctx context.Context) (SweepResult, error) {
	var res SweepResult
	var err error
	if res.AbandonedImports, err = s.Costs.SweepAbandoned(ctx); err != nil {
		return res, err
	}
	before := domain.Now().Add(-s.staleAfter())
	if s.Store.DB().Engine != store.Postgres {
		before = domain.Now().Add(time.Second)
	}
	partial, err := s.Store.UploadsBefore(ctx, store.UploadUploading, before)
	if err != nil {
		return res, err
	}
	for _, u := range partial {
		if err := s.Store.DeleteUpload(ctx, u.OrgID, u.ID); err != nil {
			return res, err
		}
		res.Removed++
	}
	running, err := s.Store.UploadsBefore(ctx, store.UploadRunning, before)
	if err != nil {
		return res, err
	}
	for _, u := range running {
		if err := s.requeue(ctx, u); err != nil {
			return res, err
		}
		res.Requeued++
	}
	return res, nil
}

// requeue queues an interrupted upload's import again, with a new job.
// On PostgreSQL the dead worker's job is cancelled (river would leave it
// running until its timeout); were it retried anyway, the upload's row
// tells it there is nothing left to do.
func (s *Service) requeue(ctx context.Context, u store.CostUpload) error {
	if s.Store.DB().Engine == store.Postgres {
		_, err := s.Jobs.CancelAbandoned(ctx, Args{}.Kind(), func(raw []byte) bool {
			var a Args
			return json.Unmarshal(raw, &a) == nil && a.UploadID == u.ID
		})
		if err != nil {
			return err
		}
	}
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.RequeueUpload(ctx, u.ID); err != nil {
			return err
		}
		return s.Jobs.EnqueueTx(ctx, tx.SQLTx(), argsFor(u, audit.Actor{Email: u.CreatedBy}), nil)
	})
}

// SweepArgs is the leader's periodic sweep of imports abandoned by a
// worker that died (PostgreSQL), so another worker imports them within
// about twice StaleAfter instead of when a process next starts; it also
// creates the cost partitions of this month and the next.
type SweepArgs struct{}

// Kind implements river.JobArgs.
func (SweepArgs) Kind() string { return "cost_import_sweep" }

// InsertOpts: a tick missed is made up by the next one.
func (SweepArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 1} }

type sweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	svc *Service
}

func (w *sweepWorker) Work(ctx context.Context, _ *river.Job[SweepArgs]) error {
	res, err := w.svc.Sweep(ctx)
	if err != nil {
		return err
	}
	if res != (SweepResult{}) {
		w.svc.Log.Warn("imports abandoned by a stopped worker", "failed", res.AbandonedImports,
			"requeued_uploads", res.Requeued, "removed_partial_uploads", res.Removed)
	}
	// Partition maintenance: this month's and next month's cost
	// partitions exist before an import needs them. Creating one waits for
	// the partition lock, which an import that created a partition holds
	// until it commits; the sweep does not wait out a long import (the
	// job's own timeout would end it, and an import creates the
	// partitions it needs anyway): the next tick tries again.
	pctx, cancel := context.WithTimeout(ctx, partitionWait)
	defer cancel()
	now := domain.Now()
	err = w.svc.Store.Costs().EnsureMonths(pctx, now, now.AddDate(0, 1, 1-now.Day()))
	if err != nil && ctx.Err() == nil && pctx.Err() != nil {
		w.svc.Log.Info("cost partition maintenance postponed to the next sweep: an import holds the partition lock")
		return nil
	}
	return err
}

// partitionWait bounds the sweep's wait for the partition lock.
var partitionWait = 10 * time.Second

// Register adds the import worker to reg and, on PostgreSQL, the
// leader-only periodic sweep every StaleAfter. SQLite runs one process,
// which sweeps at startup only (a sweep there takes every running import).
func (s *Service) Register(reg *jobs.Registry) {
	jobs.Register(reg, s.Worker())
	if s.Store.DB().Engine != store.Postgres {
		return
	}
	jobs.Register(reg, river.Worker[SweepArgs](&sweepWorker{svc: s}))
	reg.AddPeriodic(s.staleAfter(), func() (river.JobArgs, *river.InsertOpts) { return SweepArgs{}, nil })
}
