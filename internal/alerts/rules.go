package alerts

import (
	"context"
	"slices"
	"strings"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/budgets"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

func ruleOf(r store.AlertRule) Rule {
	if r.Recipients == nil {
		r.Recipients = []string{}
	}
	return Rule{ID: r.ID, Name: r.Name, Kind: r.Kind, Enabled: r.Enabled, ScopeDim: r.ScopeDim, ScopeValue: r.ScopeValue,
		SplitBy: r.Split, Sensitivity: r.Sensitivity, MinAmount: r.MinAmount, BudgetID: r.BudgetID, Basis: r.Basis,
		Threshold: r.Threshold, Reservation: r.Subject, Recipients: r.Recipients, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// Rules lists the organisation's alert rules by name.
func (s *Service) Rules(ctx context.Context, p *auth.Principal) ([]Rule, error) {
	if err := p.Require(auth.PermAlertsRead); err != nil {
		return nil, err
	}
	list, err := s.Store.ListAlertRules(ctx, p.Org.ID)
	out := make([]Rule, len(list))
	for i, r := range list {
		out[i] = ruleOf(r)
	}
	return out, err
}

// Rule returns one rule.
func (s *Service) Rule(ctx context.Context, p *auth.Principal, id string) (Rule, error) {
	if err := p.Require(auth.PermAlertsRead); err != nil {
		return Rule{}, err
	}
	r, err := s.Store.GetAlertRule(ctx, p.Org.ID, id)
	return ruleOf(r), err
}

// CreateRule adds a rule.
func (s *Service) CreateRule(ctx context.Context, p *auth.Principal, who audit.Actor, in RuleInput) (Rule, error) {
	if err := p.Require(auth.PermAlertsWrite); err != nil {
		return Rule{}, err
	}
	r := store.AlertRule{OrgID: p.Org.ID, CreatedBy: who.Email, Enabled: true}
	if err := s.apply(ctx, &r, in); err != nil {
		return Rule{}, err
	}
	r, err := s.Store.CreateAlertRule(ctx, r)
	if err == nil {
		audit.MustRecord(ctx, s.Store, who, audit.Entry{OrgID: r.OrgID, Action: "alert_rule.create", TargetType: "alert_rule",
			TargetID: r.ID, Details: ruleDetails(r)})
	}
	return ruleOf(r), err
}

// UpdateRule replaces a rule's settings.
func (s *Service) UpdateRule(ctx context.Context, p *auth.Principal, who audit.Actor, id string, in RuleInput) (Rule, error) {
	if err := p.Require(auth.PermAlertsWrite); err != nil {
		return Rule{}, err
	}
	r, err := s.Store.GetAlertRule(ctx, p.Org.ID, id)
	if err != nil {
		return Rule{}, err
	}
	if err := s.apply(ctx, &r, in); err != nil {
		return Rule{}, err
	}
	if err := s.Store.UpdateAlertRule(ctx, r); err != nil {
		return Rule{}, err
	}
	audit.MustRecord(ctx, s.Store, who, audit.Entry{OrgID: r.OrgID, Action: "alert_rule.update", TargetType: "alert_rule",
		TargetID: r.ID, Details: ruleDetails(r)})
	return s.Rule(ctx, p, id)
}

// DeleteRule removes a rule and its mutes; its alerts stay in the inbox.
func (s *Service) DeleteRule(ctx context.Context, p *auth.Principal, who audit.Actor, id string) error {
	if err := p.Require(auth.PermAlertsWrite); err != nil {
		return err
	}
	r, err := s.Store.GetAlertRule(ctx, p.Org.ID, id)
	if err != nil {
		return err
	}
	if err := s.Store.DeleteAlertRule(ctx, p.Org.ID, id); err != nil {
		return err
	}
	audit.MustRecord(ctx, s.Store, who, audit.Entry{OrgID: r.OrgID, Action: "alert_rule.delete", TargetType: "alert_rule",
		TargetID: r.ID, Details: map[string]any{"name": r.Name}})
	return nil
}

func ruleDetails(r store.AlertRule) map[string]any {
	return map[string]any{"name": r.Name, "kind": r.Kind, "enabled": r.Enabled, "scope": r.ScopeDim + "=" + r.ScopeValue,
		"split_by": r.Split, "sensitivity": r.Sensitivity, "min_amount": r.MinAmount, "budget": r.BudgetID,
		"basis": r.Basis, "threshold": r.Threshold, "reservation": r.Subject, "recipients": r.Recipients}
}

// apply validates in and copies it onto r; each kind keeps only its own
// fields, so a rule never carries settings that do nothing.
func (s *Service) apply(ctx context.Context, r *store.AlertRule, in RuleInput) error {
	in.Name = strings.TrimSpace(in.Name)
	switch {
	case in.Name == "":
		return domain.FieldError("name", "A rule needs a name.")
	case len(in.Name) > 200:
		return domain.FieldError("name", "The name is longer than 200 characters.")
	case !slices.Contains(Kinds, in.Kind):
		return domain.FieldError("kind", "Unknown kind %q (spike, overage or reservation).", in.Kind)
	}
	next := store.AlertRule{OrgID: r.OrgID, ID: r.ID, Name: in.Name, Kind: in.Kind, Enabled: r.Enabled,
		CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, MinAmount: "0"}
	if in.Enabled != nil {
		next.Enabled = *in.Enabled
	}
	var err error
	if next.Recipients, err = budgets.ValidateRecipients(in.Recipients); err != nil {
		return err
	}
	switch in.Kind {
	case KindSpike:
		err = applySpike(&next, in)
	case KindOverage:
		err = s.applyOverage(ctx, &next, in)
	case KindReservation:
		err = applyReservation(&next, in)
	}
	if err == nil {
		*r = next
	}
	return err
}

func applySpike(r *store.AlertRule, in RuleInput) error {
	in.ScopeValue = strings.TrimSpace(in.ScopeValue)
	switch {
	case in.ScopeDim != "" && !slices.Contains(ScopeDims, in.ScopeDim):
		return domain.FieldError("scope_dim", "Unknown scope %q (%s, or empty for the whole organisation).", in.ScopeDim, strings.Join(ScopeDims, ", "))
	case in.ScopeDim != "" && in.ScopeValue == "":
		return domain.FieldError("scope_value", "Name the %s the rule watches.", in.ScopeDim)
	case in.ScopeDim == "" && in.ScopeValue != "":
		return domain.FieldError("scope_dim", "Choose the dimension of the scope value.")
	case in.SplitBy != "" && !slices.Contains(ScopeDims, in.SplitBy):
		return domain.FieldError("split_by", "Unknown dimension %q (%s, or empty).", in.SplitBy, strings.Join(ScopeDims, ", "))
	case in.SplitBy != "" && in.SplitBy == in.ScopeDim:
		return domain.FieldError("split_by", "The scope already fixes the %s; split by another dimension.", in.SplitBy)
	}
	if in.Sensitivity == "" {
		in.Sensitivity = SensitivityMedium
	}
	if _, err := sigmas(in.Sensitivity); err != nil {
		return err
	}
	min, err := nonNegative("min_amount", in.MinAmount, "0")
	if err != nil {
		return err
	}
	r.ScopeDim, r.ScopeValue, r.Split, r.Sensitivity, r.MinAmount = in.ScopeDim, in.ScopeValue, in.SplitBy, strings.TrimSpace(in.Sensitivity), min
	return nil
}

func (s *Service) applyOverage(ctx context.Context, r *store.AlertRule, in RuleInput) error {
	in.BudgetID = strings.TrimSpace(in.BudgetID)
	if in.Basis == "" {
		in.Basis = BasisActual
	}
	switch {
	case in.BudgetID == "":
		return domain.FieldError("budget_id", "Choose the budget the rule watches.")
	case in.Basis != BasisActual && in.Basis != BasisForecast:
		return domain.FieldError("basis", "Basis is actual or forecast.")
	case s.Budgets == nil:
		return domain.FieldError("budget_id", "Budgets are not available here.")
	}
	if _, err := s.Budgets.BudgetName(ctx, r.OrgID, in.BudgetID); err != nil {
		if domain.ErrorCode(err) == domain.CodeNotFound {
			return domain.FieldError("budget_id", "Budget %s does not exist in this organisation.", in.BudgetID)
		}
		return err
	}
	r.BudgetID, r.Basis = in.BudgetID, in.Basis
	return nil
}

func applyReservation(r *store.AlertRule, in RuleInput) error {
	t, err := nonNegative("threshold", in.Threshold, DefaultThreshold)
	if err != nil {
		return err
	}
	if d, _, _ := apd.NewFromString(t); d.Cmp(apd.New(100, 0)) > 0 || d.Sign() == 0 {
		return domain.FieldError("threshold", "The threshold is a utilisation percentage above 0 and at most 100.")
	}
	r.Threshold, r.Subject = t, strings.TrimSpace(in.Reservation)
	return nil
}

// nonNegative checks an exact decimal field ("" is def).
func nonNegative(field, v, def string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return def, nil
	}
	d, _, err := apd.NewFromString(v)
	if err != nil || d.Sign() < 0 || d.Form != apd.Finite {
		return "", domain.FieldError(field, "%s must be a number of 0 or more, like 50 or 12.5.", field)
	}
	return d.Text('f'), nil
}
