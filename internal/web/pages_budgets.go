package web

import (
	"github.com/canopyhq/canopy/internal/budgets"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/notify"
)

// BudgetsPage lists the budgets with their current period.
type BudgetsPage struct {
	Layout
	Budgets  []budgets.Status
	CanWrite bool
}

func (BudgetsPage) Template() string { return "budgets" }

// BudgetPage is one budget: status, chart, thresholds, requests, history.
type BudgetPage struct {
	Layout
	FormErrors
	Status     budgets.Status
	Events     []budgets.Event
	Requests   []budgets.ChangeRequest
	History    []budgets.Change
	CanWrite   bool
	CanRequest bool
	CanApprove bool
	Request    budgets.RequestInput // the request form's values after an error
	Chart      budgetChart          // what budgets.js draws (JSON-encoded by the template)
}

func (BudgetPage) Template() string { return "budget" }

// BudgetFormPage creates or edits a budget.
type BudgetFormPage struct {
	Layout
	FormErrors
	ID         string // "" for a new budget
	Form       BudgetForm
	Groups     []Choice
	Providers  []Choice
	SubAccts   []Choice
	ScopeKinds []Choice
	Periods    []Choice
	Metrics    []Choice
	Bases      []Choice
	Ordinals   []string // labels of the threshold rows
}

func (BudgetFormPage) Template() string { return "budget_form" }

// BudgetForm is the budget form's values.
type BudgetForm struct {
	budgets.Input
	// Rows are always three threshold rows (empty ones are ignored).
	Rows []budgets.Threshold
	// RecipientsText is the recipients one per line.
	RecipientsText string
}

// WebhooksPage is Settings → Webhooks: the endpoints, one endpoint's
// form and delivery log, and a new secret shown once.
type WebhooksPage struct {
	Layout
	FormErrors
	Webhooks   []notify.Webhook
	Selected   *notify.Webhook
	Deliveries []notify.Delivery
	Form       notify.WebhookInput
	Kinds      []notify.Kind
	NewSecret  string
}

func (WebhooksPage) Template() string { return "settings_webhooks" }

// Subscribed reports whether the form subscribes to kind.
func (p WebhooksPage) Subscribed(kind string) bool {
	for _, k := range p.Form.Events {
		if k == kind {
			return true
		}
	}
	return false
}

// budgetChart is what budgets.js draws: cumulative actual, forecast and
// the amount per day, as exact decimal strings (null where none).
type budgetChart struct {
	Currency string    `json:"currency"`
	Amount   string    `json:"amount"`
	Days     []string  `json:"days"`
	Actual   []*string `json:"actual"`
	Forecast []*string `json:"forecast"`
}

func budgetChartOf(st budgets.Status) budgetChart {
	c := budgetChart{Currency: st.Budget.Currency, Amount: st.Budget.Amount.String()}
	for _, d := range st.Days {
		c.Days = append(c.Days, d.Day.Format("2006-01-02"))
		c.Actual = append(c.Actual, amountText(d.Actual))
		c.Forecast = append(c.Forecast, amountText(d.Forecast))
	}
	return c
}

func amountText(a *domain.Amount) *string {
	if a == nil {
		return nil
	}
	s := a.String()
	return &s
}
