package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// AlertRule is one consumption-alert rule of an organisation. The alerts
// package gives the fields their meaning per kind; amounts and percentages
// are exact decimals as text.
type AlertRule struct {
	OrgID, ID, Name, Kind       string
	Enabled                     bool
	ScopeDim, ScopeValue, Split string
	Sensitivity, MinAmount      string
	BudgetID, Basis             string
	Threshold, Subject          string
	Recipients                  []string // e-mail addresses told of each new alert
	CreatedBy                   string
	CreatedAt, UpdatedAt        time.Time
}

const alertRuleCols = `org_id, id, name, kind, enabled, scope_dim, scope_value, split_by, sensitivity, min_amount,
	budget_id, basis, threshold, subject, recipients, created_by, created_at, updated_at`

func scanAlertRule(s scanner) (AlertRule, error) {
	var r AlertRule
	var recipients string
	if err := s.Scan(&r.OrgID, &r.ID, &r.Name, &r.Kind, &r.Enabled, &r.ScopeDim, &r.ScopeValue, &r.Split, &r.Sensitivity,
		&r.MinAmount, &r.BudgetID, &r.Basis, &r.Threshold, &r.Subject, &recipients, &r.CreatedBy, &r.CreatedAt, &r.UpdatedAt); err != nil {
		return r, err
	}
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return r, json.Unmarshal([]byte(recipients), &r.Recipients)
}

func ruleNameConflict(err error) error {
	if isUniqueViolation(err) {
		return domain.FieldError("name", "Another alert rule already has this name.")
	}
	return err
}

// CreateAlertRule inserts r (ID and timestamps set here).
func (q *Queries) CreateAlertRule(ctx context.Context, r AlertRule) (AlertRule, error) {
	now := domain.Now()
	if r.ID == "" {
		r.ID = domain.NewID("alr_")
	}
	r.CreatedAt, r.UpdatedAt = now, now
	_, err := q.w().exec(ctx, `INSERT INTO alert_rules (`+alertRuleCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.OrgID, r.ID, r.Name, r.Kind, r.Enabled, r.ScopeDim, r.ScopeValue, r.Split, r.Sensitivity, r.MinAmount,
		r.BudgetID, r.Basis, r.Threshold, r.Subject, ownersText(r.Recipients), r.CreatedBy, now, now)
	return r, ruleNameConflict(err)
}

// UpdateAlertRule writes every editable field of r.
func (q *Queries) UpdateAlertRule(ctx context.Context, r AlertRule) error {
	res, err := q.w().exec(ctx, `UPDATE alert_rules SET name = ?, kind = ?, enabled = ?, scope_dim = ?, scope_value = ?,
		split_by = ?, sensitivity = ?, min_amount = ?, budget_id = ?, basis = ?, threshold = ?, subject = ?, recipients = ?,
		updated_at = ? WHERE org_id = ? AND id = ?`, r.Name, r.Kind, r.Enabled, r.ScopeDim, r.ScopeValue, r.Split, r.Sensitivity,
		r.MinAmount, r.BudgetID, r.Basis, r.Threshold, r.Subject, ownersText(r.Recipients), domain.Now(), r.OrgID, r.ID)
	return mustAffect(res, ruleNameConflict(err), "alert rule")
}

// DeleteAlertRule removes a rule and its mutes; its alerts stay in the
// inbox (they carry the rule's name).
func (q *Queries) DeleteAlertRule(ctx context.Context, orgID, id string) error {
	if _, err := q.w().exec(ctx, `DELETE FROM alert_mutes WHERE org_id = ? AND rule_id = ?`, orgID, id); err != nil {
		return err
	}
	res, err := q.w().exec(ctx, `DELETE FROM alert_rules WHERE org_id = ? AND id = ?`, orgID, id)
	return mustAffect(res, err, "alert rule")
}

// GetAlertRule returns one rule of the organisation.
func (q *Queries) GetAlertRule(ctx context.Context, orgID, id string) (AlertRule, error) {
	r, err := scanAlertRule(q.w().row(ctx, `SELECT `+alertRuleCols+` FROM alert_rules WHERE org_id = ? AND id = ?`, orgID, id))
	return r, notFound(err, "alert rule")
}

// ListAlertRules returns the organisation's rules by name.
func (q *Queries) ListAlertRules(ctx context.Context, orgID string) ([]AlertRule, error) {
	rows, err := q.w().query(ctx, `SELECT `+alertRuleCols+` FROM alert_rules WHERE org_id = ? ORDER BY name, id`, orgID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanAlertRule)
}
