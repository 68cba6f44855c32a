package connect

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/store"
)

// Run is one sync attempt as its connector sees it: the window to import,
// and the engine's services for progress, warnings, the resume checkpoint,
// cost imports and throttling. Its methods are safe for concurrent use.
type Run struct {
	// From and To are the half-open UTC day window [From, To) to import.
	From, To time.Time
	// Trigger is scheduled, manual or retry.
	Trigger string
	// SyncID names the sync in the history (for logs).
	SyncID string

	svc      *Service
	conn     Connection
	throttle *throttle

	mu         sync.Mutex
	done       int64
	total      int64
	phase      string
	rows       int64
	warnings   []string
	checkpoint []byte
}

func newRun(s *Service, conn Connection, y store.ConnectionSync) *Run {
	r := &Run{From: y.WindowFrom, To: y.WindowTo, Trigger: y.Trigger, SyncID: y.ID, svc: s, conn: conn,
		throttle: s.newThrottle(), rows: y.Rows, done: y.ProgressDone, total: y.ProgressTotal, phase: y.Phase,
		checkpoint: y.Checkpoint}
	_ = json.Unmarshal(y.Warnings, &r.warnings)
	return r
}

// newThrottle is a run's throttle: real time and timers, or, when Sleep
// is set, Sleep for the waits and Now for the buckets' time (a test's
// Sleep moves the clock Now reads).
func (s *Service) newThrottle() *throttle {
	if s.Sleep == nil {
		return newThrottle(nil, nil)
	}
	return newThrottle(s.Now, s.Sleep)
}

// Env is the installation's cloud identities, endpoints and HTTP client.
func (r *Run) Env() Env { return r.svc.Env }

// Store is the database, for connectors that import more than costs (the
// Microsoft 365 directory); they write only their connection's org rows.
func (r *Run) Store() *store.Store { return r.svc.Store }

// Progress reports done of total steps (pages, days, subscriptions) and
// what is being done; it is shown while the sync runs and persisted.
func (r *Run) Progress(done, total int64, phase string) {
	r.mu.Lock()
	r.done, r.total, r.phase = done, total, phase
	r.mu.Unlock()
	r.persist()
}

// Warn records something that did not work without failing the sync (a
// subscription without access, recommendations disabled): the sync ends
// partial and the history shows the warning.
func (r *Run) Warn(msg string) {
	r.mu.Lock()
	r.warnings = append(r.warnings, msg)
	r.mu.Unlock()
	r.persist()
}

// Checkpoint loads the resume point a previous attempt of this sync saved
// into v; it reports false when there is none (start from the beginning).
func (r *Run) Checkpoint(v any) (bool, error) {
	r.mu.Lock()
	cp := r.checkpoint
	r.mu.Unlock()
	if len(cp) == 0 {
		return false, nil
	}
	if err := json.Unmarshal(cp, v); err != nil {
		return false, fmt.Errorf("read sync checkpoint: %w", err)
	}
	return true, nil
}

// SetCheckpoint saves v (JSON) as the resume point, in the database at
// once: an attempt after a crash starts from the last one saved. Save it
// after the work it describes is stored (after ImportFOCUS returned).
func (r *Run) SetCheckpoint(ctx context.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("sync checkpoint: %w", err)
	}
	if err := r.svc.Store.SetSyncCheckpoint(ctx, r.SyncID, b); err != nil {
		return fmt.Errorf("save sync checkpoint: %w", err)
	}
	r.mu.Lock()
	r.checkpoint = b
	r.mu.Unlock()
	return nil
}

// ImportFOCUS imports a FOCUS CSV stream (plain or gzip) into the cost
// store as one all-or-nothing import. sourceKey names what the stream is
// a copy of within this connection (e.g. "costs/2026-03-14"): importing
// the same key again replaces the earlier lines, so re-pulls and resumed
// syncs never duplicate.
func (r *Run) ImportFOCUS(ctx context.Context, sourceKey string, rd io.Reader) (costs.ImportResult, error) {
	br, err := billing.Open(rd)
	if err != nil {
		return costs.ImportResult{}, fmt.Errorf("import %s: %w", sourceKey, err)
	}
	defer br.Close()
	res, err := r.svc.Costs.Import(ctx, r.conn.OrgID, br, costs.ImportMeta{
		FileName:  r.conn.Name + " · " + sourceKey,
		SourceKey: "connection:" + r.conn.ID + ":" + sourceKey,
		CreatedBy: "connection " + r.conn.Name,
	})
	if err != nil {
		return res, err
	}
	r.AddRows(int64(res.Rows))
	return res, nil
}

// AddRows counts rows a connector stored itself (directory users, ...)
// in the sync's history; cost lines imported through ImportFOCUS count
// themselves.
func (r *Run) AddRows(n int64) {
	r.mu.Lock()
	r.rows += n
	r.mu.Unlock()
}

// Limit sets scope's token bucket: burst requests at once, then one every
// interval. Call it before the first Wait of the scope.
func (r *Run) Limit(scope string, every time.Duration, burst int) {
	r.throttle.limit(scope, every, burst)
}

// Wait blocks until a request in scope may go (its bucket has a token
// and no Retry-After pause is pending) or ctx ends.
func (r *Run) Wait(ctx context.Context, scope string) error { return r.throttle.wait(ctx, scope) }

// Pause holds every request of scope for d: call it with a response's
// Retry-After before retrying.
func (r *Run) Pause(scope string, d time.Duration) { r.throttle.pause(scope, d) }

// Rows is how many cost lines the run's imports stored.
func (r *Run) Rows() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rows
}

// snapshot returns the run's figures as the sync row holds them.
func (r *Run) snapshot(y store.ConnectionSync) store.ConnectionSync {
	r.mu.Lock()
	defer r.mu.Unlock()
	y.ProgressDone, y.ProgressTotal, y.Phase, y.Rows = r.done, r.total, r.phase, r.rows
	y.Warnings, _ = json.Marshal(append([]string{}, r.warnings...))
	return y
}

// persist writes the progress (and so the heartbeat). A failure is logged,
// not fatal: progress is for people; the checkpoint is what resumes.
func (r *Run) persist() {
	y := r.snapshot(store.ConnectionSync{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.svc.Store.SetSyncProgress(ctx, r.SyncID, y.ProgressDone, y.ProgressTotal, y.Rows, y.Phase, y.Warnings); err != nil {
		r.svc.Log.Warn("record sync progress", "sync", r.SyncID, "err", err)
	}
}
