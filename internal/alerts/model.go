// Package alerts watches an organisation's consumption: rules that look
// for a day's cost far above its trailing average (spike), a budget's
// actual or forecast spend over 100 % (overage) and reservations used
// below a threshold (reservation). A daily evaluation (leader-only, at a
// configured UTC hour) stores what it finds in an inbox, once per rule,
// day and subject, and notifies unless a mute covers it. People
// acknowledge and mute alerts; each alert links to the spend explorer.
package alerts

import (
	"time"
)

// Rule kinds.
const (
	KindSpike       = "spike"
	KindOverage     = "overage"
	KindReservation = "reservation"
)

// Kinds are the rule kinds in the order the UI offers them.
var Kinds = []string{KindSpike, KindOverage, KindReservation}

// Sensitivities of a spike rule: how many standard deviations above the
// trailing mean a day must be. A number may be given instead.
const (
	SensitivityLow    = "low"
	SensitivityMedium = "medium"
	SensitivityHigh   = "high"
)

// Sensitivities in the order the UI offers them.
var Sensitivities = []string{SensitivityLow, SensitivityMedium, SensitivityHigh}

// Overage bases: the budget's actual spend so far, or its forecast for
// the whole period.
const (
	BasisActual   = "actual"
	BasisForecast = "forecast"
)

// Severities of an alert.
const (
	SeverityInfo     = "info"
	SeverityWarning  = "warning"
	SeverityCritical = "critical"
)

// Scope dimensions a spike rule may narrow to or split by (the explorer's
// names); "" is the whole organisation.
var ScopeDims = []string{"provider", "billing_account", "sub_account", "service", "custom_group"}

// TrailingDays is the spike rule's baseline: the days before the day
// evaluated.
const TrailingDays = 14

// LookbackDays is how many complete days before the evaluation day are
// evaluated: cloud billing data arrives 24-48 hours late, so a day is
// looked at again on the next evaluations (the unique key keeps one alert
// per rule, day and subject).
const LookbackDays = 3

// DefaultThreshold is a reservation rule's threshold when none is given.
const DefaultThreshold = "80"

// Rule is an alert rule as the API shows it.
type Rule struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Kind        string    `json:"kind"`
	Enabled     bool      `json:"enabled"`
	ScopeDim    string    `json:"scope_dim"`
	ScopeValue  string    `json:"scope_value"`
	SplitBy     string    `json:"split_by"`
	Sensitivity string    `json:"sensitivity"`
	MinAmount   string    `json:"min_amount"`
	BudgetID    string    `json:"budget_id"`
	Basis       string    `json:"basis"`
	Threshold   string    `json:"threshold"`
	Reservation string    `json:"reservation"`
	Recipients  []string  `json:"recipients"`
	CreatedBy   string    `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// RuleInput is a new rule or a rule's new state. Fields that do not apply
// to the kind must be empty.
type RuleInput struct {
	Name        string `json:"name"`
	Kind        string `json:"kind"`
	Enabled     *bool  `json:"enabled"`
	ScopeDim    string `json:"scope_dim"`
	ScopeValue  string `json:"scope_value"`
	SplitBy     string `json:"split_by"`
	Sensitivity string `json:"sensitivity"`
	MinAmount   string `json:"min_amount"`
	BudgetID    string `json:"budget_id"`
	Basis       string `json:"basis"`
	Threshold   string `json:"threshold"`
	Reservation string `json:"reservation"`
	// Recipients are e-mail addresses told of each new alert (webhooks
	// subscribed to alert.created are told too).
	Recipients []string `json:"recipients"`
}

// Alert is one inbox entry as the API shows it.
type Alert struct {
	OrgID        string     `json:"-"`
	ID           string     `json:"id"`
	RuleID       string     `json:"rule_id"`
	RuleName     string     `json:"rule_name"`
	Kind         string     `json:"kind"`
	Day          string     `json:"day"`
	SubjectDim   string     `json:"subject_dim"`
	Subject      string     `json:"subject"`
	SubjectLabel string     `json:"subject_label"`
	Severity     string     `json:"severity"`
	Status       string     `json:"status"`
	Message      string     `json:"message"`
	Amount       string     `json:"amount"`
	Baseline     string     `json:"baseline"`
	Currency     string     `json:"currency"`
	ExploreURL   string     `json:"explore_url"`
	AckedBy      string     `json:"acked_by"`
	AckedAt      *time.Time `json:"acked_at"`
	CreatedAt    time.Time  `json:"created_at"`
}

// MuteInput silences a rule (RuleID) or a subject (SubjectDim and
// Subject) for Days days, or until removed (Days 0).
type MuteInput struct {
	RuleID     string `json:"rule_id"`
	SubjectDim string `json:"subject_dim"`
	Subject    string `json:"subject"`
	Days       int    `json:"days"`
}

// Mute is a mute in force.
type Mute struct {
	ID         string     `json:"id"`
	RuleID     string     `json:"rule_id"`
	SubjectDim string     `json:"subject_dim"`
	Subject    string     `json:"subject"`
	Until      *time.Time `json:"until"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
}

// Evaluation says what one evaluation found.
type Evaluation struct {
	Day     string `json:"day"`
	Rules   int    `json:"rules"`
	Created int    `json:"created"`
	Muted   int    `json:"muted"`
}
