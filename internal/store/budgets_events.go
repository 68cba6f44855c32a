package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// ThresholdEvent is a budget threshold that fired in one period.
type ThresholdEvent struct {
	OrgID, BudgetID    string
	PeriodStart        time.Time
	Threshold          int // its position in the budget when it fired
	Percent, Basis     string
	Amount, Spent      string
	Forecast, Currency string
	FiredAt            time.Time
}

// InsertThresholdEvent records that a threshold fired, unless it already
// fired in that period: it reports whether this call inserted the row.
// Run it in the transaction that enqueues the notifications, so only the
// winner of concurrent evaluations notifies.
func (q *Queries) InsertThresholdEvent(ctx context.Context, e ThresholdEvent) (bool, error) {
	res, err := q.w().exec(ctx, `INSERT INTO budget_threshold_events (org_id, budget_id, period_start, threshold, percent,
		basis, amount, spent, forecast, currency, fired_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (org_id, budget_id, period_start, percent, basis) DO NOTHING`, e.OrgID, e.BudgetID, e.PeriodStart.UTC(),
		e.Threshold, e.Percent, e.Basis, e.Amount, e.Spent, e.Forecast, e.Currency, e.FiredAt.UTC())
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ThresholdEvents lists a budget's fired thresholds, newest first.
func (q *Queries) ThresholdEvents(ctx context.Context, orgID, budgetID string) ([]ThresholdEvent, error) {
	rows, err := q.r().query(ctx, `SELECT org_id, budget_id, period_start, threshold, percent, basis, amount, spent, forecast,
		currency, fired_at FROM budget_threshold_events WHERE org_id = ? AND budget_id = ?
		ORDER BY fired_at DESC, threshold DESC`, orgID, budgetID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(s scanner) (ThresholdEvent, error) {
		var e ThresholdEvent
		err := s.Scan(&e.OrgID, &e.BudgetID, &e.PeriodStart, &e.Threshold, &e.Percent, &e.Basis, &e.Amount, &e.Spent,
			&e.Forecast, &e.Currency, &e.FiredAt)
		e.PeriodStart, e.FiredAt = e.PeriodStart.UTC(), e.FiredAt.UTC()
		return e, err
	})
}

// BudgetChange is one line of a budget's history.
type BudgetChange struct {
	OrgID, ID, BudgetID string
	At                  time.Time
	ActorEmail, Action  string
	OldAmount           string
	NewAmount           string
	Note                string
}

// AddBudgetChange appends a line to a budget's history.
func (q *Queries) AddBudgetChange(ctx context.Context, c BudgetChange) error {
	if c.ID == "" {
		c.ID = domain.NewID("bch_")
	}
	if c.At.IsZero() {
		c.At = domain.Now()
	}
	_, err := q.w().exec(ctx, `INSERT INTO budget_changes (org_id, id, budget_id, at, actor_email, action, old_amount,
		new_amount, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.OrgID, c.ID, c.BudgetID, c.At, c.ActorEmail, c.Action,
		c.OldAmount, c.NewAmount, c.Note)
	return err
}

// BudgetChanges lists a budget's history, newest first.
func (q *Queries) BudgetChanges(ctx context.Context, orgID, budgetID string) ([]BudgetChange, error) {
	rows, err := q.r().query(ctx, `SELECT org_id, id, budget_id, at, actor_email, action, old_amount, new_amount, note
		FROM budget_changes WHERE org_id = ? AND budget_id = ? ORDER BY at DESC, id DESC`, orgID, budgetID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(s scanner) (BudgetChange, error) {
		var c BudgetChange
		err := s.Scan(&c.OrgID, &c.ID, &c.BudgetID, &c.At, &c.ActorEmail, &c.Action, &c.OldAmount, &c.NewAmount, &c.Note)
		c.At = c.At.UTC()
		return c, err
	})
}

// ChangeRequest is a request for a different budget amount.
type ChangeRequest struct {
	OrgID, ID, BudgetID         string
	RequestedBy, RequestedEmail string
	CurrentAmount, Amount       string
	Currency, Reason, Status    string
	DecidedBy, DecidedEmail     string
	Comment                     string
	CreatedAt                   time.Time
	DecidedAt                   *time.Time
}

const changeRequestCols = `org_id, id, budget_id, requested_by, requested_email, current_amount, amount, currency, reason,
	status, decided_by, decided_email, comment, created_at, decided_at`

func scanChangeRequest(s scanner) (ChangeRequest, error) {
	var c ChangeRequest
	var decided sql.NullTime
	err := s.Scan(&c.OrgID, &c.ID, &c.BudgetID, &c.RequestedBy, &c.RequestedEmail, &c.CurrentAmount, &c.Amount, &c.Currency,
		&c.Reason, &c.Status, &c.DecidedBy, &c.DecidedEmail, &c.Comment, &c.CreatedAt, &decided)
	c.CreatedAt, c.DecidedAt = c.CreatedAt.UTC(), timePtr(decided)
	return c, err
}

// CreateChangeRequest inserts c (ID and time set here).
func (q *Queries) CreateChangeRequest(ctx context.Context, c ChangeRequest) (ChangeRequest, error) {
	c.ID, c.CreatedAt = domain.NewID("bcr_"), domain.Now()
	_, err := q.w().exec(ctx, `INSERT INTO budget_change_requests (`+changeRequestCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.OrgID, c.ID, c.BudgetID, c.RequestedBy, c.RequestedEmail,
		c.CurrentAmount, c.Amount, c.Currency, c.Reason, c.Status, c.DecidedBy, c.DecidedEmail, c.Comment, c.CreatedAt, nil)
	return c, err
}

// DecideChangeRequest moves a pending request to status; it fails with
// a conflict when the request was decided meanwhile.
func (q *Queries) DecideChangeRequest(ctx context.Context, c ChangeRequest) error {
	res, err := q.w().exec(ctx, `UPDATE budget_change_requests SET status = ?, decided_by = ?, decided_email = ?, comment = ?,
		decided_at = ? WHERE org_id = ? AND id = ? AND status = 'pending'`, c.Status, c.DecidedBy, c.DecidedEmail, c.Comment,
		optTime(c.DecidedAt), c.OrgID, c.ID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return domain.Errorf(domain.CodeConflict, "This request was already decided.")
	}
	return nil
}

// GetChangeRequest returns one request of a budget.
func (q *Queries) GetChangeRequest(ctx context.Context, orgID, budgetID, id string) (ChangeRequest, error) {
	c, err := scanChangeRequest(q.w().row(ctx, `SELECT `+changeRequestCols+` FROM budget_change_requests
		WHERE org_id = ? AND budget_id = ? AND id = ?`, orgID, budgetID, id))
	return c, notFound(err, "change request")
}

// ChangeRequests lists a budget's requests, newest first.
func (q *Queries) ChangeRequests(ctx context.Context, orgID, budgetID string) ([]ChangeRequest, error) {
	rows, err := q.r().query(ctx, `SELECT `+changeRequestCols+` FROM budget_change_requests WHERE org_id = ? AND budget_id = ?
		ORDER BY created_at DESC, id DESC`, orgID, budgetID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanChangeRequest)
}
