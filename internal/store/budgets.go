package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// Budget is one stored budget. Amount is an exact decimal text; the
// budgets package parses and checks every field before it is stored.
type Budget struct {
	OrgID, ID, Name          string
	ScopeKind, ScopeValue    string
	Period                   string
	StartDate, EndDate       *time.Time // custom periods only
	Amount, Currency, Metric string
	Thresholds               []BudgetThreshold
	Recipients               []string
	NotifyOwners             bool
	CreatedBy                string
	CreatedAt, UpdatedAt     time.Time
}

// BudgetThreshold is one alert level: Percent (decimal text) of the
// amount, compared with actual or forecast spend (Basis).
type BudgetThreshold struct {
	Percent string `json:"percent"`
	Basis   string `json:"basis"`
}

const budgetCols = `org_id, id, name, scope_kind, scope_value, period, start_date, end_date, amount, currency, metric,
	thresholds, recipients, notify_owners, created_by, created_at, updated_at`

func scanBudget(s scanner) (Budget, error) {
	var b Budget
	var start, end sql.NullTime
	var th, rc string
	err := s.Scan(&b.OrgID, &b.ID, &b.Name, &b.ScopeKind, &b.ScopeValue, &b.Period, &start, &end, &b.Amount, &b.Currency,
		&b.Metric, &th, &rc, &b.NotifyOwners, &b.CreatedBy, &b.CreatedAt, &b.UpdatedAt)
	if err != nil {
		return b, err
	}
	b.StartDate, b.EndDate = timePtr(start), timePtr(end)
	b.CreatedAt, b.UpdatedAt = b.CreatedAt.UTC(), b.UpdatedAt.UTC()
	if err := json.Unmarshal([]byte(th), &b.Thresholds); err != nil {
		return b, err
	}
	return b, json.Unmarshal([]byte(rc), &b.Recipients)
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func budgetNameConflict(err error) error {
	if isUniqueViolation(err) {
		return domain.FieldError("name", "Another budget already has this name.")
	}
	return err
}

// CreateBudget inserts b (ID and timestamps set here).
func (q *Queries) CreateBudget(ctx context.Context, b Budget) (Budget, error) {
	now := domain.Now()
	if b.ID == "" {
		b.ID = domain.NewID("bud_")
	}
	b.CreatedAt, b.UpdatedAt = now, now
	_, err := q.w().exec(ctx, `INSERT INTO budgets (`+budgetCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		b.OrgID, b.ID, b.Name, b.ScopeKind, b.ScopeValue, b.Period, optTime(b.StartDate), optTime(b.EndDate), b.Amount,
		b.Currency, b.Metric, jsonText(nonNilList(b.Thresholds)), jsonText(nonNilList(b.Recipients)), b.NotifyOwners, b.CreatedBy, now, now)
	return b, budgetNameConflict(err)
}

// UpdateBudget writes every field of b but its creation.
func (q *Queries) UpdateBudget(ctx context.Context, b Budget) error {
	res, err := q.w().exec(ctx, `UPDATE budgets SET name = ?, scope_kind = ?, scope_value = ?, period = ?, start_date = ?,
		end_date = ?, amount = ?, currency = ?, metric = ?, thresholds = ?, recipients = ?, notify_owners = ?, updated_at = ?
		WHERE org_id = ? AND id = ?`, b.Name, b.ScopeKind, b.ScopeValue, b.Period, optTime(b.StartDate), optTime(b.EndDate),
		b.Amount, b.Currency, b.Metric, jsonText(nonNilList(b.Thresholds)), jsonText(nonNilList(b.Recipients)), b.NotifyOwners,
		domain.Now(), b.OrgID, b.ID)
	return mustAffect(res, budgetNameConflict(err), "budget")
}

// SetBudgetAmount changes only the amount (an approved change request).
func (q *Queries) SetBudgetAmount(ctx context.Context, orgID, id, amount string) error {
	res, err := q.w().exec(ctx, `UPDATE budgets SET amount = ?, updated_at = ? WHERE org_id = ? AND id = ?`,
		amount, domain.Now(), orgID, id)
	return mustAffect(res, err, "budget")
}

// DeleteBudget removes a budget with its events, history and requests.
func (q *Queries) DeleteBudget(ctx context.Context, orgID, id string) error {
	for _, table := range []string{"budget_threshold_events", "budget_changes", "budget_change_requests"} {
		if _, err := q.w().exec(ctx, `DELETE FROM `+table+` WHERE org_id = ? AND budget_id = ?`, orgID, id); err != nil {
			return err
		}
	}
	res, err := q.w().exec(ctx, `DELETE FROM budgets WHERE org_id = ? AND id = ?`, orgID, id)
	return mustAffect(res, err, "budget")
}

// GetBudget returns one budget of the organisation.
func (q *Queries) GetBudget(ctx context.Context, orgID, id string) (Budget, error) {
	b, err := scanBudget(q.w().row(ctx, `SELECT `+budgetCols+` FROM budgets WHERE org_id = ? AND id = ?`, orgID, id))
	return b, notFound(err, "budget")
}

// ListBudgets returns the organisation's budgets by name.
func (q *Queries) ListBudgets(ctx context.Context, orgID string) ([]Budget, error) {
	rows, err := q.r().query(ctx, `SELECT `+budgetCols+` FROM budgets WHERE org_id = ? ORDER BY name, id`, orgID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanBudget)
}

// AllBudgets returns every organisation's budgets, for the evaluation job.
func (q *Queries) AllBudgets(ctx context.Context) ([]Budget, error) {
	rows, err := q.r().query(ctx, `SELECT `+budgetCols+` FROM budgets ORDER BY org_id, id`)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanBudget)
}

func nonNilList[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
