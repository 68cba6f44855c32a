package web

import (
	"time"

	"github.com/canopyhq/canopy/internal/budgets"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/notify"
)

func amt(units int64) *domain.Amount { return &domain.Amount{Units: units} }

func sampleBudgetStatus() budgets.Status {
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	fired := t0
	st := budgets.Status{
		Budget: budgets.Budget{ID: "bud_web", Name: "Web platform", ScopeKind: budgets.ScopeGroup, ScopeValue: "grp_web", ScopeLabel: "Web",
			Period: budgets.Monthly, Amount: domain.Amount{Units: 2000}, Currency: "USD", Metric: budgets.MetricEffective,
			Thresholds: []budgets.Threshold{{Percent: "80", Basis: "actual"}, {Percent: "100", Basis: "forecast"}},
			Recipients: []string{"web-leads@example.com"}, NotifyOwners: true},
		PeriodStart: start, PeriodEnd: start.AddDate(0, 1, 0), AsOf: t0, Spent: domain.Amount{Units: 1160}, Forecast: domain.Amount{Units: 2560},
		PercentSpent: "58.0", PercentForecast: "128.0", State: budgets.StateAtRisk, Method: budgets.MethodSeasonal,
		MethodNote: "Fitted on the last 6 full weeks (2026-02-01 to 2026-03-14).",
		Thresholds: []budgets.ThresholdStatus{{Threshold: budgets.Threshold{Percent: "80", Basis: "actual"}},
			{Threshold: budgets.Threshold{Percent: "100", Basis: "forecast"}, Crossed: true, FiredAt: &fired}},
	}
	through := start.AddDate(0, 0, 13)
	st.DataThrough = &through
	for i := range 31 {
		d := budgets.DayPoint{Day: start.AddDate(0, 0, i)}
		if i <= 13 {
			d.Actual = amt(int64(80 * (i + 1)))
		}
		if i >= 13 {
			d.Forecast = amt(int64(80 * (i + 1)))
		}
		st.Days = append(st.Days, d)
	}
	return st
}

func budgetSamplePages() []pageCase {
	l := sampleLayout(NavBudgets)
	l.Can["budgets.read"], l.Can["budgets.write"] = true, true
	st := sampleBudgetStatus()
	broken := sampleBudgetStatus()
	broken.Budget.ID, broken.Budget.Name, broken.State = "bud_gbp", "UK", budgets.StateError
	broken.Error = "no exchange rate from USD to GBP on or in the 7 days before 2026-03-14"
	decided := t0
	form := budgetFormOf(budgets.Input{Name: "Launch", ScopeKind: budgets.ScopeProvider, ScopeValue: "Azure", Period: budgets.Custom,
		StartDate: "2026-03-10", EndDate: "2026-04-10", Amount: "700", Currency: "EUR", Metric: budgets.MetricBilled,
		Thresholds: []budgets.Threshold{{Percent: "90", Basis: "forecast"}}, Recipients: []string{"a@example.com"}})
	hook := notify.Webhook{ID: "whk_ops", Name: "Ops chat", URL: "https://hooks.example.com/canopy", Enabled: true, Events: []string{notify.KindBudgetThreshold}}
	on := true
	return []pageCase{
		{BudgetsPage{Layout: l, CanWrite: true, Budgets: []budgets.Status{st, broken}},
			[]string{`href="/budgets/bud_web"`, `Web<span class="sub">Custom group</span>`, `1 Mar –<br>31 Mar 2026`, `2000 USD`, `1160`, `2560`, `style="width: 58%"`,
				`forecast 128.0%`, `Forecast over budget`, `no exchange rate from USD to GBP`, `href="/budgets/new"`, `amortised effective cost`}},
		{BudgetPage{Layout: l, Status: st, Chart: budgetChartOf(st), CanWrite: true, CanRequest: true, CanApprove: true,
			Events: []budgets.Event{{PeriodStart: st.PeriodStart, Percent: "100", Basis: "forecast", Spent: "1160", Forecast: "2560", Currency: "USD", FiredAt: t0}},
			Requests: []budgets.ChangeRequest{{ID: "bcr_1", RequestedEmail: "lead@example.com", CurrentAmount: domain.Amount{Units: 2000}, Amount: domain.Amount{Units: 2600}, Currency: "USD", Reason: "Launch traffic", Status: budgets.RequestPending, CreatedAt: t1},
				{ID: "bcr_0", RequestedEmail: "lead@example.com", CurrentAmount: domain.Amount{Units: 1500}, Amount: domain.Amount{Units: 2000}, Currency: "USD", Reason: "Growth", Status: budgets.RequestApproved, DecidedEmail: "cfo@example.com", Comment: "ok", CreatedAt: t1, DecidedAt: &decided}},
			History: []budgets.Change{{At: t0, ActorEmail: "cfo@example.com", Action: "request_approved", OldAmount: "1500", NewAmount: "2000", Note: "Requested by lead@example.com: Growth"}}},
			[]string{`1 March 2026 – 31 March 2026`, `1160 USD`, `2560 USD`, `Weekly seasonal`, `Fitted on the last 6 full weeks`, `id="budget-chart"`,
				`id="budget-chart-data"`, `"amount":"2000"`, `Crossed`, `action="/budgets/bud_web/requests/bcr_1/approve"`, `formaction="/budgets/bud_web/requests/bcr_1/reject"`,
				`by cfo@example.com: “ok”`, `action="/budgets/bud_web/requests"`, `1500 → 2000`, `action="/budgets/bud_web/evaluate"`, `web-leads@example.com`,
				`and the groups below it`, `budgets.js`}},
		{BudgetFormPage{Layout: l, Form: form, Groups: []Choice{{Value: "grp_web", Label: "Web"}}, Providers: []Choice{{Value: "Azure", Label: "Azure"}},
			ScopeKinds: []Choice{{Value: budgets.ScopeProvider, Label: "Provider", Selected: true}}, Periods: []Choice{{Value: budgets.Custom, Label: "Custom dates", Selected: true}},
			Bases:      []Choice{{Value: "actual", Label: "of actual spend"}, {Value: "forecast", Label: "of forecast spend"}},
			Ordinals:   []string{"First", "Second", "Third"},
			FormErrors: FormErrors{FieldErrors: FieldErrors{"amount": "The amount must be a positive number like 12000 or 12000.50."}}},
			[]string{`action="/budgets"`, `name="scope_provider" type="text" list="providers" value="Azure"`, `value="2026-03-10"`, `value="2026-04-10"`,
				`id="budget-amount-error"`, `name="threshold_percent"`, `Third threshold (% of the amount)`, `value="90"`, `a@example.com`, `Create budget`}},
		{WebhooksPage{Layout: l, Webhooks: []notify.Webhook{hook}, Selected: &hook, Kinds: notify.Kinds, NewSecret: "whsec_abc",
			Form:       notify.WebhookInput{Name: hook.Name, URL: hook.URL, Enabled: &on, Events: hook.Events},
			Deliveries: []notify.Delivery{{EventID: "evt_2", EventKind: "test", Attempt: 2, StatusCode: 200, OK: true, At: t0}, {EventID: "evt_2", EventKind: "test", Attempt: 1, StatusCode: 500, Error: "endpoint answered 500", At: t1}}},
			[]string{`whsec_abc`, `href="/settings/webhooks/whk_ops"`, `action="/settings/webhooks/whk_ops/test"`, `Send test event`, `endpoint answered 500`,
				`id="ev-budget.threshold" type="checkbox" name="events" value="budget.threshold" checked`, `Canopy-Signature`}},
	}
}
