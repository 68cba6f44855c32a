package budgets

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/jobs"
	"github.com/canopyhq/canopy/internal/notify"
	"github.com/canopyhq/canopy/internal/store"
)

// EvaluateEvery is how often the leader checks every budget.
const EvaluateEvery = 15 * time.Minute

// EvaluateArgs is the job that checks budgets' thresholds: every budget,
// or one organisation's (OrgID, after an import).
type EvaluateArgs struct {
	OrgID string `json:"org_id,omitempty"`
}

// Kind implements river.JobArgs.
func (EvaluateArgs) Kind() string { return "budget_evaluate" }

// InsertOpts: a missed tick is made up by the next one.
func (EvaluateArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 1} }

// Register adds the evaluation worker and its leader-only schedule.
func (s *Service) Register(reg *jobs.Registry) {
	jobs.Register(reg, river.Worker[EvaluateArgs](&evaluateWorker{svc: s}))
	reg.AddPeriodic(EvaluateEvery, func() (river.JobArgs, *river.InsertOpts) { return EvaluateArgs{}, nil })
}

type evaluateWorker struct {
	river.WorkerDefaults[EvaluateArgs]
	svc *Service
}

func (w *evaluateWorker) Work(ctx context.Context, job *river.Job[EvaluateArgs]) error {
	_, err := w.svc.Evaluate(ctx, job.Args.OrgID)
	return err
}

// AfterImport queues an evaluation of the organisation's budgets (new
// cost data may cross a threshold); failures are logged, not returned,
// since the import itself succeeded.
func (s *Service) AfterImport(ctx context.Context, orgID string) {
	if s.Jobs == nil {
		return
	}
	if err := s.Jobs.Enqueue(ctx, EvaluateArgs{OrgID: orgID}, nil); err != nil {
		s.Log.Warn("budgets: cannot queue an evaluation after an import", "org", orgID, "err", err)
	}
}

// Evaluate checks every budget (of orgID, or of every organisation when
// empty) and notifies each crossed threshold once per period; it
// returns how many thresholds fired. A budget whose spend cannot be
// computed is skipped and reported in the error after the others ran.
func (s *Service) Evaluate(ctx context.Context, orgID string) (int, error) {
	var list []store.Budget
	var err error
	if orgID == "" {
		list, err = s.Store.AllBudgets(ctx)
	} else {
		list, err = s.Store.ListBudgets(ctx, orgID)
	}
	if err != nil {
		return 0, err
	}
	fired, errs := 0, []error{}
	for _, b := range list {
		n, err := s.evaluate(ctx, b)
		fired += n
		if err != nil {
			s.Log.Warn("budgets: cannot evaluate a budget", "org", b.OrgID, "budget", b.ID, "err", err)
			errs = append(errs, fmt.Errorf("budget %s: %w", b.ID, err))
		}
	}
	return fired, errors.Join(errs...)
}

// EvaluateNow checks one budget at once ("Check thresholds now").
func (s *Service) EvaluateNow(ctx context.Context, p *auth.Principal, who audit.Actor, id string) (int, error) {
	if err := p.Require(auth.PermBudgetsWrite); err != nil {
		return 0, err
	}
	b, err := s.Store.GetBudget(ctx, p.Org.ID, id)
	if err != nil {
		return 0, err
	}
	n, err := s.evaluate(ctx, b)
	if err == nil {
		audit.MustRecord(ctx, s.Store, who, audit.Entry{OrgID: p.Org.ID, Action: "budget.evaluate", TargetType: "budget",
			TargetID: id, Details: map[string]any{"fired": n}})
	}
	return n, err
}

// evaluate fires b's crossed thresholds. The unique event row, inserted
// in the transaction that enqueues the notifications, decides the one
// winner when several workers evaluate at once.
func (s *Service) evaluate(ctx context.Context, b store.Budget) (int, error) {
	labels, err := s.scopeLabels(ctx, b.OrgID)
	if err != nil {
		return 0, err
	}
	st := s.status(ctx, b, labels[b.ScopeKind+":"+b.ScopeValue], s.Now())
	if st.State == StateError {
		return 0, st.cause
	}
	if st.State == StateNotStarted {
		return 0, nil
	}
	fired := 0
	for i, t := range st.Thresholds {
		if !t.Crossed {
			continue
		}
		ok, err := s.fire(ctx, b, st, i)
		if err != nil {
			return fired, err
		}
		if ok {
			fired++
		}
	}
	return fired, nil
}

func (s *Service) fire(ctx context.Context, b store.Budget, st Status, i int) (bool, error) {
	recipients, err := s.recipients(ctx, b)
	if err != nil {
		return false, err
	}
	t := st.Thresholds[i]
	e := store.ThresholdEvent{OrgID: b.OrgID, BudgetID: b.ID, PeriodStart: st.PeriodStart, Threshold: i, Percent: t.Percent,
		Basis: t.Basis, Amount: b.Amount, Spent: st.Spent.String(), Forecast: st.Forecast.String(), Currency: b.Currency, FiredAt: s.Now()}
	won := false
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if won, err = tx.InsertThresholdEvent(ctx, e); err != nil || !won {
			return err
		}
		return s.Notify.SendTx(ctx, tx, thresholdEvent(b.OrgID, st, t, i, recipients))
	})
	return won, err
}

// recipients are the budget's listed addresses plus, when asked, the
// owners of its custom group.
func (s *Service) recipients(ctx context.Context, b store.Budget) ([]string, error) {
	out := append([]string{}, b.Recipients...)
	if !b.NotifyOwners || b.ScopeKind != ScopeGroup {
		return out, nil
	}
	g, err := s.Store.GetCostGroup(ctx, b.OrgID, b.ScopeValue)
	if err != nil {
		return out, err
	}
	for _, id := range g.Owners {
		u, err := s.Store.GetUser(ctx, id)
		if err != nil {
			continue // an owner who left: the others still hear
		}
		out = append(out, u.Email)
	}
	return out, nil
}

func thresholdEvent(orgID string, st Status, t ThresholdStatus, i int, recipients []string) notify.Event {
	b := st.Budget
	basisAmount := st.Spent
	if t.Basis == BasisForecast {
		basisAmount = st.Forecast
	}
	subject := fmt.Sprintf("Budget %q: %s spend reached %s%% of %s %s", b.Name, t.Basis, t.Percent, b.Amount, b.Currency)
	var text strings.Builder
	fmt.Fprintf(&text, "The %s spend of budget %q (%s) reached %s%% of its amount.\n\n", t.Basis, b.Name, scopeText(b), t.Percent)
	fmt.Fprintf(&text, "Period: %s to %s (exclusive)\n", st.PeriodStart.Format(time.DateOnly), st.PeriodEnd.Format(time.DateOnly))
	fmt.Fprintf(&text, "Budget: %s %s\nSpent so far: %s %s (%s%%)\nForecast for the period: %s %s (%s%%)\n",
		b.Amount, b.Currency, st.Spent, b.Currency, st.PercentSpent, st.Forecast, b.Currency, st.PercentForecast)
	fmt.Fprintf(&text, "Measured as: %s\nForecast method: %s", MetricLabel(b.Metric), st.Method)
	return notify.Event{Kind: notify.KindBudgetThreshold, OrgID: orgID, Subject: subject, Text: text.String(),
		Link: "/budgets/" + b.ID, Emails: recipients, Data: map[string]any{
			"budget_id": b.ID, "budget_name": b.Name, "scope_kind": b.ScopeKind, "scope_value": b.ScopeValue,
			"period_start": st.PeriodStart.Format(time.DateOnly), "period_end": st.PeriodEnd.Format(time.DateOnly),
			"threshold": i, "percent": t.Percent, "basis": t.Basis, "basis_amount": basisAmount.String(),
			"amount": b.Amount.String(), "spent": st.Spent.String(), "forecast": st.Forecast.String(), "currency": b.Currency,
			"metric": b.Metric}}
}

func scopeText(b Budget) string {
	if b.ScopeKind == ScopeOrg {
		return "whole organisation"
	}
	return strings.ToLower(ScopeLabel(b.ScopeKind)) + " " + b.ScopeLabel
}
