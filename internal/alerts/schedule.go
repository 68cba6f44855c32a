package alerts

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/jobs"
)

// DefaultHour is the daily evaluation's UTC hour unless configured.
const DefaultHour = 23

// TickEvery is how often the leader looks for organisations due their
// daily evaluation.
const TickEvery = 5 * time.Minute

// TickArgs is the periodic job that runs due evaluations.
type TickArgs struct{}

// Kind implements river.JobArgs.
func (TickArgs) Kind() string { return "alerts_tick" }

// InsertOpts: a tick missed is made up by the next one.
func (TickArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 1} }

type tickWorker struct {
	river.WorkerDefaults[TickArgs]
	svc *Service
}

func (w *tickWorker) Work(ctx context.Context, _ *river.Job[TickArgs]) error {
	_, err := w.svc.Tick(ctx)
	return err
}

// Register adds the tick worker and the leader-only periodic tick.
func (s *Service) Register(reg *jobs.Registry) {
	jobs.Register(reg, river.Worker[TickArgs](&tickWorker{svc: s}))
	reg.AddPeriodic(TickEvery, func() (river.JobArgs, *river.InsertOpts) { return TickArgs{}, nil })
}

// Tick evaluates every organisation whose evaluation hour has come today
// and that no process has evaluated today; it returns how many it
// evaluated. The claim in the database lets exactly one of several
// racing processes take each organisation's day.
func (s *Service) Tick(ctx context.Context) (int, error) {
	list, err := s.Store.AlertSchedules(ctx)
	if err != nil {
		return 0, err
	}
	now, n := s.Now().UTC(), 0
	today := now.Truncate(24 * time.Hour)
	for _, sc := range list {
		hour := s.Hour
		if sc.Hour != nil {
			hour = *sc.Hour
		}
		if now.Before(today.Add(time.Duration(hour)*time.Hour)) || (sc.LastRunDay != nil && !sc.LastRunDay.Before(today)) {
			continue
		}
		mine, err := s.Store.ClaimAlertRun(ctx, sc.OrgID, today)
		if err != nil || !mine {
			if err != nil {
				return n, err
			}
			continue
		}
		if _, err := s.Evaluate(ctx, sc.OrgID); err != nil {
			// The day stays claimed: the evaluation is logged, and
			// "Evaluate now" or tomorrow's run picks the days up again.
			s.Log.Error("alert evaluation failed", "org", sc.OrgID, "err", err)
			continue
		}
		n++
	}
	return n, nil
}

// Schedule is an organisation's evaluation hour and whether it is its own.
type Schedule struct {
	Hour       int     `json:"hour"`
	Default    bool    `json:"default"`
	LastRunDay *string `json:"last_run_day"`
}

// Schedule returns the organisation's evaluation hour.
func (s *Service) Schedule(ctx context.Context, p *auth.Principal) (Schedule, error) {
	if err := p.Require(auth.PermAlertsRead); err != nil {
		return Schedule{}, err
	}
	sc, err := s.Store.AlertSchedule(ctx, p.Org.ID)
	out := Schedule{Hour: s.Hour, Default: sc.Hour == nil}
	if sc.Hour != nil {
		out.Hour = *sc.Hour
	}
	if sc.LastRunDay != nil {
		d := sc.LastRunDay.Format(time.DateOnly)
		out.LastRunDay = &d
	}
	return out, err
}

// SetHour sets the organisation's evaluation hour (nil: the default).
func (s *Service) SetHour(ctx context.Context, p *auth.Principal, who audit.Actor, hour *int) (Schedule, error) {
	if err := p.Require(auth.PermAlertsWrite); err != nil {
		return Schedule{}, err
	}
	if hour != nil && (*hour < 0 || *hour > 23) {
		return Schedule{}, domain.FieldError("hour", "The hour is 0 to 23 (UTC).")
	}
	if err := s.Store.SetAlertHour(ctx, p.Org.ID, hour); err != nil {
		return Schedule{}, err
	}
	audit.MustRecord(ctx, s.Store, who, audit.Entry{OrgID: p.Org.ID, Action: "alerts.schedule", TargetType: "org",
		TargetID: p.Org.ID, Details: map[string]any{"hour": hour}})
	return s.Schedule(ctx, p)
}
