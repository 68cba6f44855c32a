package imports

import (
	"context"
	"time"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/domain"
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
// still arriving or importing with no sign of life for staleAfter are
// removed (a body cut off by the stop) or queued again (the file is
// complete). On SQLite, which runs as one process, nothing of an earlier
// process can be alive at startup, so every such upload is taken.
func (s *Service) Sweep(ctx context.Context) (SweepResult, error) {
	var res SweepResult
	var err error
	if res.AbandonedImports, err = s.Costs.SweepAbandoned(ctx); err != nil {
		return res, err
	}
	before := domain.Now().Add(-staleAfter)
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

// requeue queues an interrupted upload's import again, with a new job:
// the old one stays "running" in river until its timeout, and when it is
// retried the upload's row tells it there is nothing left to do.
func (s *Service) requeue(ctx context.Context, u store.CostUpload) error {
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.RequeueUpload(ctx, u.ID); err != nil {
			return err
		}
		return s.Jobs.EnqueueTx(ctx, tx.SQLTx(), argsFor(u, audit.Actor{Email: u.CreatedBy}), nil)
	})
}
