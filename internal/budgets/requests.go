package budgets

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// Change request statuses.
const (
	RequestPending  = "pending"
	RequestApproved = "approved"
	RequestRejected = "rejected"
)

// ChangeRequest is a request for a different budget amount.
type ChangeRequest struct {
	ID             string        `json:"id"`
	BudgetID       string        `json:"budget_id"`
	RequestedBy    string        `json:"requested_by"`
	RequestedEmail string        `json:"requested_email"`
	CurrentAmount  domain.Amount `json:"current_amount"`
	Amount         domain.Amount `json:"amount"`
	Currency       string        `json:"currency"`
	Reason         string        `json:"reason"`
	Status         string        `json:"status"`
	DecidedEmail   string        `json:"decided_email"`
	Comment        string        `json:"comment"`
	CreatedAt      time.Time     `json:"created_at"`
	DecidedAt      *time.Time    `json:"decided_at"`
}

// RequestInput asks for a new amount.
type RequestInput struct {
	Amount string `json:"amount"`
	Reason string `json:"reason"`
}

// Decision accepts or rejects a request.
type Decision struct {
	Comment string `json:"comment"`
}

func requestView(c store.ChangeRequest) ChangeRequest {
	return ChangeRequest{ID: c.ID, BudgetID: c.BudgetID, RequestedBy: c.RequestedBy, RequestedEmail: c.RequestedEmail,
		CurrentAmount: mustAmount(c.CurrentAmount), Amount: mustAmount(c.Amount), Currency: c.Currency, Reason: c.Reason,
		Status: c.Status, DecidedEmail: c.DecidedEmail, Comment: c.Comment, CreatedAt: c.CreatedAt, DecidedAt: c.DecidedAt}
}

// Requests lists a budget's change requests, newest first.
func (s *Service) Requests(ctx context.Context, p *auth.Principal, budgetID string) ([]ChangeRequest, error) {
	if err := p.Require(auth.PermBudgetsRead); err != nil {
		return nil, err
	}
	if _, err := s.Store.GetBudget(ctx, p.Org.ID, budgetID); err != nil {
		return nil, err
	}
	list, err := s.Store.ChangeRequests(ctx, p.Org.ID, budgetID)
	out := make([]ChangeRequest, 0, len(list))
	for _, c := range list {
		out = append(out, requestView(c))
	}
	return out, err
}

// CanRequest reports whether p may ask for a different amount: with
// budgets.write, or as an owner of the budget's custom group (or of a
// group above it).
func (s *Service) CanRequest(ctx context.Context, p *auth.Principal, b store.Budget) (bool, error) {
	if p.Can(auth.PermBudgetsWrite) {
		return true, nil
	}
	if b.ScopeKind != ScopeGroup || !p.Can(auth.PermBudgetsRead) {
		return false, nil
	}
	groups, err := s.Store.ListCostGroups(ctx, b.OrgID)
	if err != nil {
		return false, err
	}
	byID := map[string]store.CostGroup{}
	for _, g := range groups {
		byID[g.ID] = g
	}
	for id, hops := b.ScopeValue, 0; id != "" && hops <= len(groups); id, hops = byID[id].ParentID, hops+1 {
		if slices.Contains(byID[id].Owners, p.User.ID) {
			return true, nil
		}
	}
	return false, nil
}

// Requester returns the budget when p may request a change to it, so a
// handler can refuse before reading the request.
func (s *Service) Requester(ctx context.Context, p *auth.Principal, budgetID string) (store.Budget, error) {
	if err := p.Require(auth.PermBudgetsRead); err != nil {
		return store.Budget{}, err
	}
	b, err := s.Store.GetBudget(ctx, p.Org.ID, budgetID)
	if err != nil {
		return b, err
	}
	if ok, err := s.CanRequest(ctx, p, b); err != nil || !ok {
		return b, firstErr(err, domain.Errorf(domain.CodeForbidden,
			"Only an owner of the budget's custom group or a member with budgets.write may request a change."))
	}
	return b, nil
}

// RequestChange records a request for a different amount.
func (s *Service) RequestChange(ctx context.Context, p *auth.Principal, who audit.Actor, budgetID string, in RequestInput) (ChangeRequest, error) {
	b, err := s.Requester(ctx, p, budgetID)
	if err != nil {
		return ChangeRequest{}, err
	}
	amount, err := parsePositive("amount", in.Amount, "The requested amount must be a positive number like 15000.")
	if err != nil {
		return ChangeRequest{}, err
	}
	if amount.String() == b.Amount {
		return ChangeRequest{}, domain.FieldError("amount", "The budget is already %s %s.", b.Amount, b.Currency)
	}
	reason := strings.TrimSpace(in.Reason)
	if reason == "" || len(reason) > 2000 {
		return ChangeRequest{}, domain.FieldError("reason", "Give a reason of 1 to 2000 characters.")
	}
	c := store.ChangeRequest{OrgID: p.Org.ID, BudgetID: b.ID, RequestedBy: p.User.ID, RequestedEmail: p.User.Email,
		CurrentAmount: b.Amount, Amount: amount.String(), Currency: b.Currency, Reason: reason, Status: RequestPending}
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if c, err = tx.CreateChangeRequest(ctx, c); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: "budget.change_request", TargetType: "budget",
			TargetID: b.ID, Details: map[string]any{"request": c.ID, "from": b.Amount, "to": c.Amount, "reason": reason}})
	})
	return requestView(c), err
}

// Decide accepts (changing the budget's amount) or rejects a pending
// request. The requester cannot decide their own request.
func (s *Service) Decide(ctx context.Context, p *auth.Principal, who audit.Actor, budgetID, requestID string, approve bool, d Decision) (ChangeRequest, error) {
	if err := p.Require(auth.PermBudgetsApprove); err != nil {
		return ChangeRequest{}, err
	}
	comment := strings.TrimSpace(d.Comment)
	if len(comment) > 2000 {
		return ChangeRequest{}, domain.FieldError("comment", "Keep the comment under 2000 characters.")
	}
	var c store.ChangeRequest
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if c, err = tx.GetChangeRequest(ctx, p.Org.ID, budgetID, requestID); err != nil {
			return err
		}
		if c.RequestedBy == p.User.ID {
			return domain.Errorf(domain.CodeForbidden, "Someone other than the requester must decide this request.")
		}
		return s.decide(ctx, tx, p, who, &c, approve, comment)
	})
	return requestView(c), err
}

func (s *Service) decide(ctx context.Context, tx *store.Tx, p *auth.Principal, who audit.Actor, c *store.ChangeRequest, approve bool, comment string) error {
	now := domain.Now()
	c.Status, c.DecidedBy, c.DecidedEmail, c.Comment, c.DecidedAt = RequestRejected, p.User.ID, p.User.Email, comment, &now
	if approve {
		c.Status = RequestApproved
	}
	if err := tx.DecideChangeRequest(ctx, *c); err != nil {
		return err
	}
	if approve {
		b, err := tx.GetBudget(ctx, c.OrgID, c.BudgetID)
		if err != nil {
			return err
		}
		if err := tx.SetBudgetAmount(ctx, c.OrgID, c.BudgetID, c.Amount); err != nil {
			return err
		}
		if err := tx.AddBudgetChange(ctx, store.BudgetChange{OrgID: c.OrgID, BudgetID: c.BudgetID, ActorEmail: who.Email,
			Action: "request_approved", OldAmount: b.Amount, NewAmount: c.Amount,
			Note: "Requested by " + c.RequestedEmail + ": " + c.Reason}); err != nil {
			return err
		}
	}
	return audit.Record(ctx, tx, who, audit.Entry{OrgID: c.OrgID, Action: "budget.change_" + c.Status, TargetType: "budget",
		TargetID: c.BudgetID, Details: map[string]any{"request": c.ID, "amount": c.Amount, "comment": comment}})
}

func firstErr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

// Change is one line of a budget's history.
type Change struct {
	At         time.Time `json:"at"`
	ActorEmail string    `json:"actor_email"`
	Action     string    `json:"action"`
	OldAmount  string    `json:"old_amount"`
	NewAmount  string    `json:"new_amount"`
	Note       string    `json:"note"`
}

// Event is a threshold that fired.
type Event struct {
	PeriodStart time.Time `json:"period_start"`
	Threshold   int       `json:"threshold"`
	Percent     string    `json:"percent"`
	Basis       string    `json:"basis"`
	Amount      string    `json:"amount"`
	Spent       string    `json:"spent"`
	Forecast    string    `json:"forecast"`
	Currency    string    `json:"currency"`
	FiredAt     time.Time `json:"fired_at"`
}
