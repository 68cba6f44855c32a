package imports

import (
	"context"
	"sync"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/store"
)

// Status is an upload's state: its row with the freshest progress, and
// the cost import once it succeeded.
type Status struct {
	store.CostUpload
	Import *costs.Import
}

// Percent is the share of the file read so far, 0 to 100.
func (s Status) Percent() int {
	if s.Finished() {
		return 100
	}
	if s.SizeBytes <= 0 {
		return 0
	}
	return int(min(100, s.BytesDone*100/s.SizeBytes))
}

// Status returns an upload of the principal's organisation.
func (s *Service) Status(ctx context.Context, p *auth.Principal, id string) (Status, error) {
	if err := p.Require(auth.PermCostsRead); err != nil {
		return Status{}, err
	}
	u, err := s.Store.GetUpload(ctx, p.Org.ID, id)
	if err != nil {
		return Status{}, err
	}
	st := Status{CostUpload: u}
	if u.Status == store.UploadRunning {
		if lp, ok := s.live.lookup(u.ID); ok && lp.rows >= u.RowsDone {
			st.RowsDone, st.BytesDone = lp.rows, lp.bytes
		}
	}
	if u.ImportID != "" {
		im, err := s.Costs.ImportByID(ctx, p.Org.ID, u.ImportID)
		if err != nil {
			return st, err
		}
		st.Import = &im
	}
	return st, nil
}

// History lists the organisation's imports (every source: uploads, the
// CLI, the demo), newest first.
func (s *Service) History(ctx context.Context, p *auth.Principal, limit int) ([]costs.Import, error) {
	if err := p.Require(auth.PermCostsRead); err != nil {
		return nil, err
	}
	return s.Costs.Imports(ctx, p.Org.ID, limit)
}

// Uploads lists the organisation's latest uploads (those still waiting or
// running, and those whose file was refused before an import started).
func (s *Service) Uploads(ctx context.Context, p *auth.Principal, limit int) ([]store.CostUpload, error) {
	if err := p.Require(auth.PermCostsRead); err != nil {
		return nil, err
	}
	return s.Store.ListUploads(ctx, p.Org.ID, limit)
}

type progress struct{ rows, bytes int64 }

// liveProgress holds the progress of the imports this process runs.
type liveProgress struct {
	mu sync.Mutex
	m  map[string]progress
}

func newLiveProgress() *liveProgress { return &liveProgress{m: map[string]progress{}} }

func (l *liveProgress) start(id string) { l.mu.Lock(); l.m[id] = progress{}; l.mu.Unlock() }
func (l *liveProgress) stop(id string)  { l.mu.Lock(); delete(l.m, id); l.mu.Unlock() }

func (l *liveProgress) set(id string, rows, bytes int64) {
	l.mu.Lock()
	l.m[id] = progress{rows, bytes}
	l.mu.Unlock()
}

func (l *liveProgress) get(id string) progress {
	p, _ := l.lookup(id)
	return p
}

func (l *liveProgress) lookup(id string) (progress, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p, ok := l.m[id]
	return p, ok
}
