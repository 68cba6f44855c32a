package budgets

import (
	"context"
	"log/slog"
	"time"

	"github.com/canopyhq/canopy/internal/allocation"
	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/fx"
	"github.com/canopyhq/canopy/internal/jobs"
	"github.com/canopyhq/canopy/internal/notify"
	"github.com/canopyhq/canopy/internal/store"
)

// Service holds the budget rules.
type Service struct {
	Store  *store.Store
	Costs  costs.Querier
	Groups GroupAggregator
	FX     *fx.Service
	Notify *notify.Service
	Jobs   *jobs.Runner // enqueues evaluations after imports (nil: none)
	Log    *slog.Logger
	Now    func() time.Time
}

// New returns the service over a store; n sends threshold notifications.
func New(st *store.Store, n *notify.Service, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{Store: st, Costs: st.Costs(), Groups: allocation.New(st), FX: &fx.Service{Store: st}, Notify: n,
		Log: log, Now: domain.Now}
}

// List returns the organisation's budgets with their current status.
func (s *Service) List(ctx context.Context, p *auth.Principal) ([]Status, error) {
	if err := p.Require(auth.PermBudgetsRead); err != nil {
		return nil, err
	}
	list, err := s.Store.ListBudgets(ctx, p.Org.ID)
	if err != nil {
		return nil, err
	}
	labels, err := s.scopeLabels(ctx, p.Org.ID)
	if err != nil {
		return nil, err
	}
	out := make([]Status, 0, len(list))
	now := s.Now()
	for _, b := range list {
		out = append(out, s.status(ctx, b, labels[b.ScopeKind+":"+b.ScopeValue], now))
	}
	return out, nil
}

// Get returns one budget's status with the thresholds fired this period.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id string) (Status, error) {
	if err := p.Require(auth.PermBudgetsRead); err != nil {
		return Status{}, err
	}
	b, err := s.Store.GetBudget(ctx, p.Org.ID, id)
	if err != nil {
		return Status{}, err
	}
	labels, err := s.scopeLabels(ctx, p.Org.ID)
	if err != nil {
		return Status{}, err
	}
	st := s.status(ctx, b, labels[b.ScopeKind+":"+b.ScopeValue], s.Now())
	events, err := s.Store.ThresholdEvents(ctx, p.Org.ID, id)
	for _, e := range events {
		for i, t := range st.Thresholds {
			if e.PeriodStart.Equal(st.PeriodStart) && e.Percent == t.Percent && e.Basis == t.Basis {
				at := e.FiredAt
				st.Thresholds[i].FiredAt = &at
			}
		}
	}
	return st, err
}

// scopeLabels names custom groups ("custom_group:<id>" → name).
func (s *Service) scopeLabels(ctx context.Context, orgID string) (map[string]string, error) {
	groups, err := s.Store.ListCostGroups(ctx, orgID)
	out := map[string]string{}
	for _, g := range groups {
		out[ScopeGroup+":"+g.ID] = g.Name
	}
	return out, err
}

// Create adds a budget.
func (s *Service) Create(ctx context.Context, p *auth.Principal, who audit.Actor, in Input) (Budget, error) {
	if err := p.Require(auth.PermBudgetsWrite); err != nil {
		return Budget{}, err
	}
	b, err := s.checked(ctx, p.Org.ID, in)
	if err != nil {
		return Budget{}, err
	}
	b.OrgID, b.CreatedBy = p.Org.ID, p.User.Email
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if b, err = tx.CreateBudget(ctx, b); err != nil {
			return err
		}
		if err := tx.AddBudgetChange(ctx, store.BudgetChange{OrgID: b.OrgID, BudgetID: b.ID, ActorEmail: who.Email,
			Action: "created", NewAmount: b.Amount}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: b.OrgID, Action: "budget.create", TargetType: "budget",
			TargetID: b.ID, Details: auditDetails(b)})
	})
	return view(b, ""), err
}

// Update replaces a budget's settings.
func (s *Service) Update(ctx context.Context, p *auth.Principal, who audit.Actor, id string, in Input) (Budget, error) {
	if err := p.Require(auth.PermBudgetsWrite); err != nil {
		return Budget{}, err
	}
	old, err := s.Store.GetBudget(ctx, p.Org.ID, id)
	if err != nil {
		return Budget{}, err
	}
	b, err := s.checked(ctx, p.Org.ID, in)
	if err != nil {
		return Budget{}, err
	}
	b.OrgID, b.ID, b.CreatedBy, b.CreatedAt = old.OrgID, old.ID, old.CreatedBy, old.CreatedAt
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.UpdateBudget(ctx, b); err != nil {
			return err
		}
		ch := store.BudgetChange{OrgID: b.OrgID, BudgetID: b.ID, ActorEmail: who.Email, Action: "updated"}
		if old.Amount != b.Amount {
			ch.OldAmount, ch.NewAmount = old.Amount, b.Amount
		}
		if err := tx.AddBudgetChange(ctx, ch); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: b.OrgID, Action: "budget.update", TargetType: "budget",
			TargetID: b.ID, Details: auditDetails(b)})
	})
	return view(b, ""), err
}

// Delete removes a budget with its history.
func (s *Service) Delete(ctx context.Context, p *auth.Principal, who audit.Actor, id string) error {
	if err := p.Require(auth.PermBudgetsWrite); err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		b, err := tx.GetBudget(ctx, p.Org.ID, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteBudget(ctx, p.Org.ID, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: "budget.delete", TargetType: "budget",
			TargetID: id, Details: map[string]any{"name": b.Name, "amount": b.Amount, "currency": b.Currency}})
	})
}

// checked validates input and that a custom group scope exists.
func (s *Service) checked(ctx context.Context, orgID string, in Input) (store.Budget, error) {
	b, err := validate(in)
	if err != nil {
		return b, err
	}
	if b.ScopeKind == ScopeGroup {
		if _, err := s.Store.GetCostGroup(ctx, orgID, b.ScopeValue); domain.ErrorCode(err) == domain.CodeNotFound {
			return b, domain.FieldError("scope_value", "No custom group %q in this organisation.", b.ScopeValue)
		} else if err != nil {
			return b, err
		}
	}
	return b, nil
}

func auditDetails(b store.Budget) map[string]any {
	return map[string]any{"name": b.Name, "scope": b.ScopeKind, "scope_value": b.ScopeValue, "period": b.Period,
		"amount": b.Amount, "currency": b.Currency, "metric": b.Metric, "thresholds": b.Thresholds, "recipients": b.Recipients}
}

// History lists a budget's changes, newest first.
func (s *Service) History(ctx context.Context, p *auth.Principal, id string) ([]Change, error) {
	if err := p.Require(auth.PermBudgetsRead); err != nil {
		return nil, err
	}
	if _, err := s.Store.GetBudget(ctx, p.Org.ID, id); err != nil {
		return nil, err
	}
	list, err := s.Store.BudgetChanges(ctx, p.Org.ID, id)
	out := make([]Change, 0, len(list))
	for _, c := range list {
		out = append(out, Change{At: c.At, ActorEmail: c.ActorEmail, Action: c.Action, OldAmount: c.OldAmount,
			NewAmount: c.NewAmount, Note: c.Note})
	}
	return out, err
}

// Events lists the thresholds a budget fired, newest first.
func (s *Service) Events(ctx context.Context, p *auth.Principal, id string) ([]Event, error) {
	if err := p.Require(auth.PermBudgetsRead); err != nil {
		return nil, err
	}
	if _, err := s.Store.GetBudget(ctx, p.Org.ID, id); err != nil {
		return nil, err
	}
	list, err := s.Store.ThresholdEvents(ctx, p.Org.ID, id)
	out := make([]Event, 0, len(list))
	for _, e := range list {
		out = append(out, Event{PeriodStart: e.PeriodStart, Threshold: e.Threshold, Percent: e.Percent, Basis: e.Basis,
			Amount: e.Amount, Spent: e.Spent, Forecast: e.Forecast, Currency: e.Currency, FiredAt: e.FiredAt})
	}
	return out, err
}
