// Package budgets holds budgets: an amount per period for a scope (the
// organisation, a custom group with the groups below it, a provider or a
// subscription / account), the spend so far and its forecast to the end
// of the period, alert thresholds that notify once per period, and
// requests for a different amount that an approver accepts or rejects.
// The SQL lives in internal/store (budgets*.go).
package budgets

import (
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// Scope kinds.
const (
	ScopeOrg        = "organisation"
	ScopeGroup      = "custom_group"
	ScopeProvider   = "provider"
	ScopeSubAccount = "sub_account"
)

// ScopeKinds in the order the form offers them.
var ScopeKinds = []string{ScopeOrg, ScopeGroup, ScopeProvider, ScopeSubAccount}

// Periods.
const (
	Monthly   = "monthly"
	Quarterly = "quarterly"
	Yearly    = "yearly"
	Custom    = "custom"
)

// Periods in the order the form offers them.
var Periods = []string{Monthly, Quarterly, Yearly, Custom}

// Metrics a budget may track: amortised effective cost (default: reserved
// instances and savings plans spread over the days they cover) or the
// billed cost as invoiced.
const (
	MetricEffective = "effective"
	MetricBilled    = "billed"
)

// Threshold bases.
const (
	BasisActual   = "actual"
	BasisForecast = "forecast"
)

// MaxThresholds is how many alert thresholds a budget may have.
const MaxThresholds = 3

// Threshold is an alert level: Percent of the amount, compared with the
// actual or the forecast spend of the period.
type Threshold struct {
	Percent string `json:"percent"`
	Basis   string `json:"basis"`
}

// Input creates or replaces a budget. Dates are YYYY-MM-DD (UTC); a custom
// period is [start_date, end_date): end_date is the first day not covered.
type Input struct {
	Name         string      `json:"name"`
	ScopeKind    string      `json:"scope_kind"`
	ScopeValue   string      `json:"scope_value"`
	Period       string      `json:"period"`
	StartDate    string      `json:"start_date,omitempty"`
	EndDate      string      `json:"end_date,omitempty"`
	Amount       string      `json:"amount"`
	Currency     string      `json:"currency"`
	Metric       string      `json:"metric,omitempty"`
	Thresholds   []Threshold `json:"thresholds"`
	Recipients   []string    `json:"recipients"`
	NotifyOwners bool        `json:"notify_owners"`
}

// Budget is a budget as the UI and API show it.
type Budget struct {
	ID           string        `json:"id"`
	Name         string        `json:"name"`
	ScopeKind    string        `json:"scope_kind"`
	ScopeValue   string        `json:"scope_value"`
	ScopeLabel   string        `json:"scope_label"`
	Period       string        `json:"period"`
	StartDate    *time.Time    `json:"start_date"`
	EndDate      *time.Time    `json:"end_date"`
	Amount       domain.Amount `json:"amount"`
	Currency     string        `json:"currency"`
	Metric       string        `json:"metric"`
	Thresholds   []Threshold   `json:"thresholds"`
	Recipients   []string      `json:"recipients"`
	NotifyOwners bool          `json:"notify_owners"`
	CreatedBy    string        `json:"created_by"`
	CreatedAt    time.Time     `json:"created_at"`
	UpdatedAt    time.Time     `json:"updated_at"`
}

// MetricLabel names the cost measure for people.
func MetricLabel(m string) string {
	if m == MetricBilled {
		return "Billed cost (as invoiced)"
	}
	return "Amortised effective cost"
}

// ScopeLabel names a scope kind for people.
func ScopeLabel(kind string) string {
	switch kind {
	case ScopeGroup:
		return "Custom group"
	case ScopeProvider:
		return "Provider"
	case ScopeSubAccount:
		return "Subscription / account"
	}
	return "Whole organisation"
}

// validate turns input into a stored budget (without org, ID or times);
// errors name the field.
func validate(in Input) (store.Budget, error) {
	b := store.Budget{Name: strings.TrimSpace(in.Name), ScopeKind: in.ScopeKind, ScopeValue: strings.TrimSpace(in.ScopeValue),
		Period: in.Period, Metric: in.Metric, NotifyOwners: in.NotifyOwners}
	if b.Name == "" || len(b.Name) > 100 {
		return b, domain.FieldError("name", "Give the budget a name of 1 to 100 characters.")
	}
	if err := validateScope(&b); err != nil {
		return b, err
	}
	if err := validatePeriod(&b, in.StartDate, in.EndDate); err != nil {
		return b, err
	}
	amount, err := parsePositive("amount", in.Amount, "The amount must be a positive number like 12000 or 12000.50.")
	if err != nil {
		return b, err
	}
	b.Amount = amount.String()
	cur, err := domain.ParseCurrency(in.Currency)
	if err != nil {
		return b, err
	}
	b.Currency = string(cur)
	if b.Metric == "" {
		b.Metric = MetricEffective
	}
	if b.Metric != MetricEffective && b.Metric != MetricBilled {
		return b, domain.FieldError("metric", "The metric must be effective (amortised) or billed.")
	}
	if b.Thresholds, err = validateThresholds(in.Thresholds); err != nil {
		return b, err
	}
	b.Recipients, err = ValidateRecipients(in.Recipients)
	return b, err
}

func validateScope(b *store.Budget) error {
	if b.ScopeKind == "" {
		b.ScopeKind = ScopeOrg
	}
	if !slices.Contains(ScopeKinds, b.ScopeKind) {
		return domain.FieldError("scope_kind", "The scope must be one of %s.", strings.Join(ScopeKinds, ", "))
	}
	if b.ScopeKind == ScopeOrg {
		b.ScopeValue = ""
		return nil
	}
	if b.ScopeValue == "" || len(b.ScopeValue) > 500 {
		return domain.FieldError("scope_value", "Choose the %s the budget covers.", strings.ToLower(ScopeLabel(b.ScopeKind)))
	}
	return nil
}

func validatePeriod(b *store.Budget, start, end string) error {
	if !slices.Contains(Periods, b.Period) {
		return domain.FieldError("period", "The period must be one of %s.", strings.Join(Periods, ", "))
	}
	if b.Period != Custom {
		return nil
	}
	s, err := time.Parse(time.DateOnly, strings.TrimSpace(start))
	if err != nil {
		return domain.FieldError("start_date", "A custom period needs a start date like 2026-01-01.")
	}
	e, err := time.Parse(time.DateOnly, strings.TrimSpace(end))
	if err != nil {
		return domain.FieldError("end_date", "A custom period needs an end date like 2026-07-01 (the first day not covered).")
	}
	if !e.After(s) {
		return domain.FieldError("end_date", "The end date must be after the start date (it is the first day not covered).")
	}
	if e.Sub(s) > 3*366*24*time.Hour {
		return domain.FieldError("end_date", "A custom period may cover at most three years.")
	}
	b.StartDate, b.EndDate = &s, &e
	return nil
}

var hundredThousand = apd.New(100000, 0)

func validateThresholds(in []Threshold) ([]store.BudgetThreshold, error) {
	if len(in) > MaxThresholds {
		return nil, domain.FieldError("thresholds", "A budget may have at most %d alert thresholds.", MaxThresholds)
	}
	out := []store.BudgetThreshold{}
	for _, t := range in {
		p, err := parsePositive("thresholds", t.Percent, "Each threshold needs a positive percentage like 80 or 100.")
		if err != nil {
			return nil, err
		}
		if p.Decimal().Cmp(hundredThousand) > 0 {
			return nil, domain.FieldError("thresholds", "A threshold may be at most 100000 percent.")
		}
		basis := t.Basis
		if basis == "" {
			basis = BasisActual
		}
		if basis != BasisActual && basis != BasisForecast {
			return nil, domain.FieldError("thresholds", "A threshold compares with actual or forecast spend, not %q.", t.Basis)
		}
		st := store.BudgetThreshold{Percent: p.String(), Basis: basis}
		if slices.Contains(out, st) {
			return nil, domain.FieldError("thresholds", "The threshold %s%% of %s spend is listed twice.", st.Percent, basis)
		}
		out = append(out, st)
	}
	return out, nil
}

// ValidateRecipients checks e-mail recipients (field "recipients"): at
// most 20 addresses, duplicates dropped; alert rules use it too.
func ValidateRecipients(in []string) ([]string, error) {
	out := []string{}
	for _, r := range in {
		r = strings.TrimSpace(r)
		if r == "" {
			continue
		}
		a, err := mail.ParseAddress(r)
		if err != nil || a.Address != r {
			return nil, domain.FieldError("recipients", "%q is not an e-mail address.", r)
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	if len(out) > 20 {
		return nil, domain.FieldError("recipients", "List at most 20 recipients.")
	}
	return out, nil
}

// parsePositive reads an exact positive decimal.
func parsePositive(field, s, msg string) (domain.Amount, error) {
	d, _, err := apd.NewFromString(strings.TrimSpace(s))
	if err != nil || d.Form != apd.Finite || d.Sign() <= 0 {
		return domain.Amount{}, domain.FieldError(field, "%s", msg)
	}
	a, err := domain.AmountFromDecimal(d)
	if err != nil || a.IsZero() {
		return domain.Amount{}, domain.FieldError(field, "%s", msg)
	}
	return a, nil
}

// mustAmount parses a stored amount (validated when it was written).
func mustAmount(s string) domain.Amount {
	d, _, err := apd.NewFromString(s)
	if err != nil {
		return domain.Amount{}
	}
	a, _ := domain.AmountFromDecimal(d)
	return a
}

func view(b store.Budget, scopeLabel string) Budget {
	th := make([]Threshold, 0, len(b.Thresholds))
	for _, t := range b.Thresholds {
		th = append(th, Threshold(t))
	}
	rec := b.Recipients
	if rec == nil {
		rec = []string{}
	}
	if scopeLabel == "" {
		scopeLabel = b.ScopeValue
	}
	return Budget{ID: b.ID, Name: b.Name, ScopeKind: b.ScopeKind, ScopeValue: b.ScopeValue, ScopeLabel: scopeLabel,
		Period: b.Period, StartDate: b.StartDate, EndDate: b.EndDate, Amount: mustAmount(b.Amount), Currency: b.Currency,
		Metric: b.Metric, Thresholds: th, Recipients: rec, NotifyOwners: b.NotifyOwners, CreatedBy: b.CreatedBy,
		CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt}
}
