package imports

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

const (
	// DefaultStaleAfter is how long a running upload may go without a
	// progress write before another worker may take it over (PostgreSQL
	// writes progress every heartbeatEvery while importing); see
	// Service.StaleAfter.
	DefaultStaleAfter = time.Minute
	heartbeatEvery    = 2 * time.Second
	// jobTimeout bounds one import attempt; river rescues (retries) a job
	// only after it, so it must exceed the slowest legitimate import.
	jobTimeout = 6 * time.Hour
)

// Args is the import job: which upload, and who asked (for the audit
// entry written when it finishes).
type Args struct {
	UploadID  string `json:"upload_id"`
	OrgID     string `json:"org_id"`
	UserID    string `json:"user_id,omitempty"`
	Email     string `json:"email"`
	IP        string `json:"ip,omitempty"`
	UserAgent string `json:"user_agent,omitempty"`
}

// Kind implements river.JobArgs.
func (Args) Kind() string { return "cost_import" }

// InsertOpts: an attempt only fails for infrastructure reasons (a bad
// file is an outcome, not a failure), so a few retries suffice.
func (Args) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 5} }

func argsFor(u store.CostUpload, who audit.Actor) Args {
	return Args{UploadID: u.ID, OrgID: u.OrgID, UserID: who.UserID, Email: who.Email, IP: who.IP, UserAgent: who.UserAgent}
}

func (a Args) actor() audit.Actor {
	return audit.Actor{UserID: a.UserID, Email: a.Email, IP: a.IP, UserAgent: a.UserAgent}
}

// Worker returns the job worker; register it in the jobs registry.
func (s *Service) Worker() river.Worker[Args] { return &worker{svc: s} }

type worker struct {
	river.WorkerDefaults[Args]
	svc *Service
}

func (w *worker) Timeout(*river.Job[Args]) time.Duration { return jobTimeout }

// Work imports the upload once. River runs a job at least once, so the
// upload's row decides: a finished upload is left alone, one running
// (with fresh progress) elsewhere is retried later, and only a claimed
// one is imported.
func (w *worker) Work(ctx context.Context, job *river.Job[Args]) error {
	a := job.Args
	u, claimed, err := w.svc.Store.ClaimUpload(ctx, a.OrgID, a.UploadID, domain.Now().Add(-w.svc.staleAfter()))
	var de *domain.Error
	if errors.As(err, &de) && de.Code == domain.CodeNotFound {
		return river.JobCancel(err) // the organisation or the upload was deleted
	}
	if err != nil {
		return err
	}
	if !claimed {
		if u.Status == store.UploadRunning || u.Status == store.UploadQueued {
			return river.JobSnooze(w.svc.staleAfter())
		}
		return nil
	}
	return w.svc.run(ctx, a, u, job.Attempt < job.MaxAttempts)
}

// run imports a claimed upload and records the outcome. A cancelled
// context (the process is stopping) or an internal failure (the database)
// while retries remain puts the upload back in the queue and returns the
// error, so river retries the job; nothing was stored, as the import is
// one transaction. A bad file is an outcome, recorded as failed.
func (s *Service) run(ctx context.Context, a Args, u store.CostUpload, canRetry bool) error {
	body := &countingReader{r: s.Store.OpenUpload(ctx, u.ID)}
	s.live.start(u.ID)
	defer s.live.stop(u.ID)
	stop := s.heartbeat(ctx, u.ID, body)
	res, err := s.ImportFile(ctx, u.OrgID, body, costs.ImportMeta{FileName: u.FileName, CreatedBy: u.CreatedBy,
		Progress: func(rows int) { s.live.set(u.ID, int64(rows), body.n.Load()) }})
	stop()
	if err != nil && !isFileError(err) {
		s.Log.Error("import of an upload failed", "upload", u.ID, "retry", canRetry, "err", err)
		if ctx.Err() != nil || canRetry {
			if rerr := s.Store.RequeueUpload(context.WithoutCancel(ctx), u.ID); rerr != nil {
				s.Log.Error("requeue interrupted import", "upload", u.ID, "err", rerr)
			}
			return err
		}
		err = fmt.Errorf("import %s: an internal error stopped the import (logged with upload ID %s); try again later", u.FileName, u.ID)
	}
	u.BytesDone = u.SizeBytes
	if err != nil {
		u.Status, u.Error, u.RowsDone = store.UploadFailed, err.Error(), s.live.get(u.ID).rows
	} else {
		u.Status, u.ImportID, u.RowsDone = store.UploadSucceeded, res.ImportID, int64(res.Rows)
		s.RecordImport(ctx, a.actor(), u.OrgID, u.FileName, res)
	}
	if ferr := s.Store.FinishUpload(ctx, u); ferr != nil || err != nil || s.AfterImport == nil {
		return ferr
	}
	s.AfterImport(ctx, u.OrgID)
	return nil
}

// heartbeat persists the progress every heartbeatEvery on PostgreSQL, so
// the status is visible from every node and a live import is never taken
// for an abandoned one. SQLite runs as one process: there the status
// endpoint reads the in-process figures, which saves the writer (shared
// with the import's own short transactions) a write every 2 s, and the
// row gets the final figures at the end.
func (s *Service) heartbeat(ctx context.Context, id string, body *countingReader) (stop func()) {
	if s.Store.DB().Engine != store.Postgres {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(min(heartbeatEvery, s.staleAfter()/6))
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				p := s.live.get(id)
				if err := s.Store.SetUploadProgress(ctx, id, p.rows, max(p.bytes, body.n.Load())); err != nil && ctx.Err() == nil {
					s.Log.Warn("record import progress", "upload", id, "err", err)
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}

// countingReader counts the (compressed) bytes the importer consumed.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// isFileError reports whether err is about the file's content (shown to
// the person as is) rather than an internal failure.
func isFileError(err error) bool {
	var pe *billing.ParseError
	return errors.As(err, &pe)
}
