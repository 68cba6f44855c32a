package web

import (
	"strings"

	"github.com/canopyhq/canopy/internal/alerts"
)

// AlertInboxPage is the alert inbox with its filters and the mutes.
type AlertInboxPage struct {
	Layout
	FormErrors
	CanWrite               bool
	Status, Kind, Severity string
	RuleID                 string
	Rules                  []alerts.Rule // for the rule filter
	Alerts                 []alerts.Alert
	Mutes                  []alerts.Mute
}

func (AlertInboxPage) Template() string { return "alerts" }

// MuteDays are the mute lengths the inbox offers (0: until unmuted).
func (AlertInboxPage) MuteDays() []int { return []int{1, 7, 30, 0} }

// AlertRuleOptions are the rule form's choices.
type AlertRuleOptions struct {
	Kinds, Sensitivities, ScopeDims, Bases []string
}

// AlertRulesPage lists the rules, the schedule and the rule form (a new
// rule, or the one being edited).
type AlertRulesPage struct {
	Layout
	FormErrors
	CanWrite bool
	Rules    []alerts.Rule
	Schedule alerts.Schedule
	Options  AlertRuleOptions
	Form     alerts.Rule
	Editing  bool
}

func (AlertRulesPage) Template() string { return "alert_rules" }

// AlertField is one text field of the rule form.
type AlertField struct{ Name, Label, Value, Err string }

// Field is the rule form's text field name with its value and error.
func (p AlertRulesPage) Field(name, label string) AlertField {
	v := map[string]string{"name": p.Form.Name, "scope_value": p.Form.ScopeValue, "sensitivity": p.Form.Sensitivity,
		"min_amount": p.Form.MinAmount, "budget_id": p.Form.BudgetID, "threshold": p.Form.Threshold,
		"reservation": p.Form.Reservation, "recipients": strings.Join(p.Form.Recipients, ", ")}[name]
	return AlertField{Name: name, Label: label, Value: v, Err: p.FieldErrors.Get(name)}
}

// RuleName names a rule of the inbox's mutes (its ID if it is gone).
func (p AlertInboxPage) RuleName(id string) string {
	for _, r := range p.Rules {
		if r.ID == id {
			return r.Name
		}
	}
	return id
}
