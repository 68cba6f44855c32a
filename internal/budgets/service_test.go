package budgets_test

import (
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/allocation"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/budgets"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

var (
	feb1  = time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	mar15 = time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
)

func subBudget(name, amount string, th ...budgets.Threshold) budgets.Input {
	return budgets.Input{Name: name, ScopeKind: budgets.ScopeSubAccount, ScopeValue: "sub-a", Period: budgets.Monthly,
		Amount: amount, Currency: "USD", Thresholds: th, Recipients: []string{"alerts@x.test"}}
}

// March so far (1–14) cost 1160 (ten weekdays at 100, four weekend days
// at 40); the weekly pattern continues to the 31st (twelve weekdays, five
// weekend days: 1400), so the forecast is 2560.
func TestStatusSpentForecastAndThresholds(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		h.importLines(t, h.org, "feb-mar", pattern(feb1, mar15))
		b := h.create(t, subBudget("Sub A", "2000", budgets.Threshold{Percent: "80", Basis: "actual"},
			budgets.Threshold{Percent: "100", Basis: "forecast"}, budgets.Threshold{Percent: "50", Basis: "actual"}))
		st := h.get(t, b.ID)
		if st.Spent.String() != "1160" || st.Forecast.String() != "2560" || st.PercentSpent != "58.0" || st.PercentForecast != "128.0" {
			t.Fatalf("spent %s (%s%%), forecast %s (%s%%)", st.Spent, st.PercentSpent, st.Forecast, st.PercentForecast)
		}
		if st.Method != budgets.MethodSeasonal || st.DataThrough == nil || !st.DataThrough.Equal(mar15.AddDate(0, 0, -1)) {
			t.Fatalf("method %q, data through %v", st.Method, st.DataThrough)
		}
		if st.State != budgets.StateAtRisk || st.PeriodStart.Day() != 1 || st.PeriodEnd.Month() != time.April {
			t.Fatalf("state %s, period [%s, %s)", st.State, st.PeriodStart, st.PeriodEnd)
		}
		crossed := []bool{st.Thresholds[0].Crossed, st.Thresholds[1].Crossed, st.Thresholds[2].Crossed}
		if crossed[0] || !crossed[1] || !crossed[2] {
			t.Fatalf("crossed %v, want 80%% actual no, 100%% forecast yes, 50%% actual yes", crossed)
		}
		if len(st.Days) != 31 || st.Days[13].Actual.String() != "1160" || st.Days[14].Actual != nil || st.Days[30].Forecast.String() != "2560" {
			t.Fatalf("chart: %d days, 14th %+v, 15th %+v, 31st %+v", len(st.Days), st.Days[13], st.Days[14], st.Days[30])
		}
		billed := h.create(t, budgets.Input{Name: "Billed", ScopeKind: budgets.ScopeProvider, ScopeValue: "Azure", Period: budgets.Quarterly,
			Amount: "5000", Currency: "USD", Metric: budgets.MetricBilled})
		if st := h.get(t, billed.ID); st.Spent.String() != "3900" { // six weeks of 5·110 + 2·50
			t.Fatalf("billed quarter spent %s", st.Spent)
		}
	})
}

// Spend converts to the budget currency at each day's rate; without a
// rate the status is an error that says which, never a guess.
func TestStatusConvertsAndRefusesMissingRates(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		h.importLines(t, h.org, "feb-mar", pattern(feb1, mar15))
		for d := feb1; d.Before(mar15); d = d.AddDate(0, 0, 1) {
			h.rate(t, h.org, d, "EUR", "USD", "2")
		}
		eur := h.create(t, budgets.Input{Name: "Org EUR", Period: budgets.Monthly, Amount: "1000", Currency: "eur"})
		if st := h.get(t, eur.ID); st.Spent.String() != "580" || st.Forecast.String() != "1280" || st.Budget.ScopeKind != budgets.ScopeOrg {
			t.Fatalf("EUR budget: spent %s forecast %s scope %s (%s)", st.Spent, st.Forecast, st.Budget.ScopeKind, st.Error)
		}
		gbp := h.create(t, budgets.Input{Name: "Org GBP", Period: budgets.Monthly, Amount: "1000", Currency: "GBP"})
		st := h.get(t, gbp.ID)
		if st.State != budgets.StateError || !strings.Contains(st.Error, "no exchange rate from USD to GBP") {
			t.Fatalf("GBP budget without rates: state %s, error %q", st.State, st.Error)
		}
		if _, err := h.svc.Evaluate(h.ctx, h.org.ID); err == nil {
			t.Fatal("evaluation passed over a budget it could not compute")
		}
	})
}

// A custom group's budget counts the groups below it, as the explorer's
// custom-group dimension does.
func TestGroupBudgetIncludesDescendants(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		h.importLines(t, h.org, "feb-mar", pattern(feb1, mar15))
		alloc := allocation.New(h.st)
		parent, err := alloc.CreateGroup(h.ctx, h.fin, h.who, allocation.GroupInput{Name: "Digital", Kind: allocation.KindBusinessUnit})
		if err != nil {
			t.Fatal(err)
		}
		child, err := alloc.CreateGroup(h.ctx, h.fin, h.who, allocation.GroupInput{Name: "Web", ParentID: parent.ID, Kind: allocation.KindBusinessUnit})
		if err != nil {
			t.Fatal(err)
		}
		rs := allocation.Ruleset{Splits: []allocation.Split{}, Rules: []allocation.Rule{{Name: "web", Group: child.ID,
			Conditions: []allocation.Condition{{Field: allocation.FieldTag, Key: "team", Op: allocation.OpIn, Values: []string{"web"}}}}}}
		if _, err := alloc.SaveRuleset(h.ctx, h.fin, h.who, 0, rs, "t"); err != nil {
			t.Fatal(err)
		}
		b := h.create(t, budgets.Input{Name: "Digital", ScopeKind: budgets.ScopeGroup, ScopeValue: parent.ID, Period: budgets.Monthly,
			Amount: "1500", Currency: "USD"})
		if st := h.get(t, b.ID); st.Spent.String() != "1160" || st.Budget.ScopeLabel != "Digital" {
			t.Fatalf("group budget spent %s, label %q (%s)", st.Spent, st.Budget.ScopeLabel, st.Error)
		}
	})
}

// Bad input is refused with the field named and nothing stored.
func TestValidationNamesTheField(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		four := []budgets.Threshold{{Percent: "50"}, {Percent: "60"}, {Percent: "70"}, {Percent: "80"}}
		for field, in := range map[string]budgets.Input{
			"name":        {Period: budgets.Monthly, Amount: "1", Currency: "USD"},
			"amount":      {Name: "x", Period: budgets.Monthly, Amount: "-5", Currency: "USD"},
			"currency":    {Name: "x", Period: budgets.Monthly, Amount: "5", Currency: "XXY"},
			"period":      {Name: "x", Period: "weekly", Amount: "5", Currency: "USD"},
			"end_date":    {Name: "x", Period: budgets.Custom, StartDate: "2026-03-01", EndDate: "2026-03-01", Amount: "5", Currency: "USD"},
			"thresholds":  {Name: "x", Period: budgets.Monthly, Amount: "5", Currency: "USD", Thresholds: four},
			"scope_value": {Name: "x", ScopeKind: budgets.ScopeGroup, ScopeValue: "grp_nope", Period: budgets.Monthly, Amount: "5", Currency: "USD"},
			"recipients":  {Name: "x", Period: budgets.Monthly, Amount: "5", Currency: "USD", Recipients: []string{"not an address"}},
		} {
			_, err := h.svc.Create(h.ctx, h.fin, h.who, in)
			if !isCode(err, domain.CodeInvalid) || domain.ErrorField(err) != field {
				t.Errorf("%s: %v (field %q)", field, err, domain.ErrorField(err))
			}
		}
		if list, err := h.svc.List(h.ctx, h.fin); err != nil || len(list) != 0 {
			t.Fatalf("stored %d budgets from bad input: %v", len(list), err)
		}
		custom := h.create(t, budgets.Input{Name: "Launch", Period: budgets.Custom, StartDate: "2026-03-10", EndDate: "2026-03-20", Amount: "700", Currency: "USD"})
		if st := h.get(t, custom.ID); st.PeriodStart.Day() != 10 || st.PeriodEnd.Day() != 20 || len(st.Days) != 10 {
			t.Fatalf("custom period [%s, %s) with %d days", st.PeriodStart, st.PeriodEnd, len(st.Days))
		}
	})
}

// Members without budgets.write cannot change budgets; another
// organisation's budgets do not exist for them.
func TestPermissionsAndTenancy(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		b := h.create(t, subBudget("Sub A", "2000"))
		viewer := h.principal(h.org, "usr_v", "v@x.test", auth.RoleViewer)
		if _, err := h.svc.Create(h.ctx, viewer, h.who, subBudget("V", "1")); !isCode(err, domain.CodeForbidden) {
			t.Fatalf("viewer create: %v", err)
		}
		if _, err := h.svc.EvaluateNow(h.ctx, viewer, h.who, b.ID); !isCode(err, domain.CodeForbidden) {
			t.Fatalf("viewer evaluate: %v", err)
		}
		if _, err := h.svc.Get(h.ctx, viewer, b.ID); err != nil {
			t.Fatalf("viewer read: %v", err)
		}
		other := h.principal(h.newOrg(t, "other"), "usr_o", "o@y.test", auth.RoleOwner)
		if _, err := h.svc.Get(h.ctx, other, b.ID); !isCode(err, domain.CodeNotFound) {
			t.Fatalf("other org read: %v", err)
		}
		if _, err := h.svc.Update(h.ctx, other, h.who, b.ID, subBudget("Stolen", "1")); !isCode(err, domain.CodeNotFound) {
			t.Fatalf("other org update: %v", err)
		}
		if err := h.svc.Delete(h.ctx, other, h.who, b.ID); !isCode(err, domain.CodeNotFound) {
			t.Fatalf("other org delete: %v", err)
		}
		if list, _ := h.svc.List(h.ctx, other); len(list) != 0 {
			t.Fatalf("other org lists %d budgets", len(list))
		}
	})
}
