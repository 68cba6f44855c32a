package connect

import (
	"context"
	"time"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// SyncNow queues a manual sync of a connection and audits it. A sync
// already queued or running is a conflict.
func (s *Service) SyncNow(ctx context.Context, p *auth.Principal, who audit.Actor, id string) (store.ConnectionSync, error) {
	if err := p.Require(auth.PermConnectionsManage); err != nil {
		return store.ConnectionSync{}, err
	}
	c, err := s.Store.GetConnection(ctx, p.Org.ID, id)
	if err != nil {
		return store.ConnectionSync{}, err
	}
	y, err := s.queue(ctx, c, store.TriggerManual, nil)
	if err == nil {
		audit.MustRecord(ctx, s.Store, who, audit.Entry{OrgID: c.OrgID, Action: "connection.sync", TargetType: "connection",
			TargetID: c.ID, Details: map[string]any{"sync": y.ID, "name": c.Name}})
	}
	return y, err
}

// queue inserts a sync of c and its job in one transaction, so a queued
// sync always has a job. A retry carries over the window and checkpoint
// of the sync it replaces; other syncs get a fresh window.
func (s *Service) queue(ctx context.Context, c Connection, trigger string, from *store.ConnectionSync) (store.ConnectionSync, error) {
	y := store.ConnectionSync{OrgID: c.OrgID, ConnectionID: c.ID, Trigger: trigger}
	if from != nil {
		y.WindowFrom, y.WindowTo, y.Checkpoint, y.Rows = from.WindowFrom, from.WindowTo, from.Checkpoint, from.Rows
	} else {
		rePull := DefaultRePullDays
		if conn, err := s.Connectors.Lookup(Kind(c.Kind)); err == nil {
			rePull = rePullDays(conn)
		}
		y.WindowFrom, y.WindowTo = windowFor(c, rePull, s.Now())
	}
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if y, err = tx.CreateSync(ctx, y); err != nil {
			return err
		}
		return s.Jobs.EnqueueTx(ctx, tx.SQLTx(), Args{OrgID: y.OrgID, ConnectionID: y.ConnectionID, SyncID: y.ID, Trigger: trigger}, nil)
	})
	return y, err
}

// Syncs pages a connection's sync history, newest first; cursor is the
// last sync ID of the previous page. next is "" on the last page.
func (s *Service) Syncs(ctx context.Context, p *auth.Principal, id string, limit int, cursor string) (list []store.ConnectionSync, next string, err error) {
	if err := p.Require(auth.PermConnectionsRead); err != nil {
		return nil, "", err
	}
	if _, err := s.Store.GetConnection(ctx, p.Org.ID, id); err != nil {
		return nil, "", err
	}
	var before *store.ConnectionSync
	if cursor != "" {
		b, err := s.Store.GetSync(ctx, p.Org.ID, id, cursor)
		if err != nil {
			return nil, "", &domain.Error{Code: domain.CodeInvalid, Field: "cursor", Message: "malformed cursor"}
		}
		before = &b
	}
	list, err = s.Store.ListSyncs(ctx, p.Org.ID, id, limit+1, before)
	if err != nil || len(list) <= limit {
		return list, "", err
	}
	return list[:limit], list[limit-1].ID, nil
}

// Sync returns one sync of a connection of the organisation.
func (s *Service) Sync(ctx context.Context, p *auth.Principal, id, syncID string) (store.ConnectionSync, error) {
	if err := p.Require(auth.PermConnectionsRead); err != nil {
		return store.ConnectionSync{}, err
	}
	return s.Store.GetSync(ctx, p.Org.ID, id, syncID)
}

// Doctor returns the connection's latest doctor results (empty before the
// first run).
func (s *Service) Doctor(ctx context.Context, p *auth.Principal, id string) ([]store.ConnectionCheck, error) {
	if err := p.Require(auth.PermConnectionsRead); err != nil {
		return nil, err
	}
	if _, err := s.Store.GetConnection(ctx, p.Org.ID, id); err != nil {
		return nil, err
	}
	return s.Store.ListChecks(ctx, p.Org.ID, id)
}

// probeTimeout bounds one doctor run.
const probeTimeout = 2 * time.Minute

// RunDoctor probes the connection now and stores the results. A probe
// that cannot run at all is stored as one failed "Connection" check.
func (s *Service) RunDoctor(ctx context.Context, p *auth.Principal, id string) ([]store.ConnectionCheck, error) {
	if err := p.Require(auth.PermConnectionsManage); err != nil {
		return nil, err
	}
	c, err := s.Store.GetConnection(ctx, p.Org.ID, id)
	if err != nil {
		return nil, err
	}
	checks, err := s.probe(ctx, c)
	if err != nil {
		checks = []Check{{Feature: "Connection", Needs: "Valid credentials and network access", Detail: err.Error()}}
	}
	now := s.Now()
	out := make([]store.ConnectionCheck, 0, len(checks))
	for _, ch := range checks {
		out = append(out, store.ConnectionCheck{Feature: ch.Feature, Needs: ch.Needs, Granted: ch.Granted,
			Detail: ch.Detail, Fix: ch.Fix, ProbedAt: now})
	}
	return out, s.Store.ReplaceChecks(ctx, c.OrgID, c.ID, out)
}

func (s *Service) probe(ctx context.Context, c Connection) ([]Check, error) {
	conn, err := s.Connectors.Lookup(Kind(c.Kind))
	if err != nil {
		return nil, err
	}
	secret, err := s.openSecret(c)
	if err != nil {
		return nil, err
	}
	defer clear(secret)
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	return conn.Probe(ctx, s.Env, c, secret)
}

// Overview is a connection with what its list row and page show.
type Overview struct {
	Connection
	Active   *store.ConnectionSync // queued or running
	Last     *store.ConnectionSync // newest sync
	NextSync time.Time
}

// Overviews returns the organisation's connections with their newest
// sync and next scheduled sync.
func (s *Service) Overviews(ctx context.Context, p *auth.Principal) ([]Overview, error) {
	list, err := s.List(ctx, p)
	out := make([]Overview, 0, len(list))
	for _, c := range list {
		o, err := s.overview(ctx, c)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, err
}

// GetOverview returns one connection's overview.
func (s *Service) GetOverview(ctx context.Context, p *auth.Principal, id string) (Overview, error) {
	c, err := s.Get(ctx, p, id)
	if err != nil {
		return Overview{}, err
	}
	return s.overview(ctx, c)
}

func (s *Service) overview(ctx context.Context, c Connection) (Overview, error) {
	o := Overview{Connection: c}
	last, err := s.Store.ListSyncs(ctx, c.OrgID, c.ID, 1, nil)
	if err != nil {
		return o, err
	}
	var lastQueued *time.Time
	if len(last) == 1 {
		o.Last, lastQueued = &last[0], &last[0].CreatedAt
		if !last[0].Finished() {
			o.Active = &last[0]
		}
	}
	o.NextSync = nextSync(c.SyncHour, lastQueued, s.Now())
	return o, nil
}
