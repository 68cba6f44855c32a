package connect

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/jobs"
	"github.com/canopyhq/canopy/internal/store"
)

// ScheduleEvery is how often the leader looks for connections due a sync.
const ScheduleEvery = 5 * time.Minute

// ScheduleArgs is the periodic job that queues due daily syncs.
type ScheduleArgs struct{}

// Kind implements river.JobArgs.
func (ScheduleArgs) Kind() string { return "connection_schedule" }

// InsertOpts: a tick missed is made up by the next one.
func (ScheduleArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 1} }

// Register adds the sync and schedule workers and the leader-only
// periodic schedule to reg.
func (s *Service) Register(reg *jobs.Registry) {
	jobs.Register(reg, s.Worker())
	jobs.Register(reg, river.Worker[ScheduleArgs](&scheduleWorker{svc: s}))
	reg.AddPeriodic(ScheduleEvery, func() (river.JobArgs, *river.InsertOpts) { return ScheduleArgs{}, nil })
}

type scheduleWorker struct {
	river.WorkerDefaults[ScheduleArgs]
	svc *Service
}

func (w *scheduleWorker) Work(ctx context.Context, _ *river.Job[ScheduleArgs]) error {
	return w.svc.Tick(ctx)
}

// Tick is the leader's periodic pass: it queues due syncs. On PostgreSQL
// it first sweeps syncs abandoned by a worker that died: one restarted
// before its sync went stale (or never restarted) leaves it to no startup
// sweep, and river rescues its job only hours later. On SQLite the one
// process sweeps at startup only (a sweep there takes every running sync).
func (s *Service) Tick(ctx context.Context) error {
	if s.Store.DB().Engine == store.Postgres {
		if res, err := s.Sweep(ctx); err != nil {
			return err
		} else if res.Retried > 0 {
			s.Log.Warn("connection syncs abandoned by a stopped worker, queued again", "syncs", res.Retried)
		}
	}
	_, err := s.QueueDue(ctx)
	return err
}

// QueueDue queues a scheduled sync of every enabled connection whose
// daily sync hour has come today and that has had no sync since; it
// returns how many it queued.
func (s *Service) QueueDue(ctx context.Context) (int, error) {
	list, err := s.Store.EnabledConnections(ctx)
	if err != nil {
		return 0, err
	}
	now, n := s.Now(), 0
	for _, c := range list {
		if !due(c.SyncHour, c.LastQueuedAt, now) {
			continue
		}
		_, err := s.queue(ctx, c.Connection, store.TriggerScheduled, nil)
		switch domain.ErrorCode(err) {
		case "":
			n++
		case domain.CodeConflict: // a sync is already queued or running
		default:
			return n, err
		}
	}
	return n, nil
}

// slot is today's sync time for hour.
func slot(hour int, now time.Time) time.Time {
	return now.UTC().Truncate(24 * time.Hour).Add(time.Duration(hour) * time.Hour)
}

// due reports whether today's sync hour has passed with no sync since.
func due(hour int, lastQueued *time.Time, now time.Time) bool {
	at := slot(hour, now)
	return !now.Before(at) && (lastQueued == nil || lastQueued.Before(at))
}

// nextSync is when the scheduler will next queue the connection (now or
// soon after, when it is due).
func nextSync(hour int, lastQueued *time.Time, now time.Time) time.Time {
	at := slot(hour, now)
	switch {
	case now.Before(at):
		return at
	case due(hour, lastQueued, now):
		return now
	}
	return at.AddDate(0, 0, 1)
}
