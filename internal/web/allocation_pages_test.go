package web

import (
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/allocation"
)

var (
	march = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	april = march.AddDate(0, 1, 0)
)

func allocationSamplePages() []pageCase {
	l := sampleLayout(NavAllocation)
	l.Can["allocation.read"], l.Can["allocation.write"] = true, true
	period := periodView("/allocation", nil, march, april, march.AddDate(0, 1, 5))
	rules := AllocRulesPage{Layout: l, CanWrite: true, Version: 3, Fields: fieldChoices(), Ops: opChoices(), Methods: methodChoices(),
		Targets: []Choice{{Value: "group:grp_web", Label: "Group: Web"}}, Groups: []Choice{{Value: "grp_web", Label: "Web"}},
		Rules: []RuleRow{{ID: "rul_1", Name: "web team", Position: 1, Conditions: []string{"tag team in [web]"}, Target: "Web",
			TargetURL: "/allocation/groups/grp_web", ValidFrom: "always", ValidTo: "open", First: true, Last: true}},
		Splits:   []SplitRow{{ID: "spl_1", Name: "network", Method: "Fixed percentages", Shares: []string{"Web 60 %", "Data 40 %"}}},
		RuleForm: emptyRuleForm(), SplitForm: emptySplitForm(), SplitErr: `split "network": the percentages add up to 90, not 100`}
	return []pageCase{
		{AllocationPage{Layout: l, Period: period, Currency: "EUR", CanWrite: true, Total: "410.00", Unallocated: "77.50", Unassigned: "0.00",
			Rows: []GroupTreeRow{{ID: "grp_bu", Name: "Digital", Total: "300.00", Own: "0.00", URL: "/allocation/groups/grp_bu"},
				{ID: "grp_web", Name: "Web", Depth: 1, Own: "300.00", Total: "300.00", URL: "/allocation/groups/grp_web"}},
			ExplorerURL: "/spend?group_by=custom_group", UnallocatedURL: "/spend?filter=custom_group%3A&group_by=resource"},
			[]string{`March 2026`, `class="tree-d1"`, `href="/allocation/groups/grp_web"`, `77.50`, `href="/allocation/groups/new"`,
				`href="/spend?filter=custom_group%3A&amp;group_by=resource"`, `name="month" type="month" value="2026-03"`}},
		{AllocGroupPage{Layout: l, CanWrite: true, Group: allocation.Group{ID: "grp_web", Name: "Web"}, Period: period, Kinds: kindChoices(),
			Form:    GroupForm{Name: "Web", Kind: "project", Owners: []string{"usr_ada"}},
			Members: []Choice{{Value: "usr_ada", Label: "Ada Lovelace (ada@example.com)"}, {Value: "usr_bob", Label: "bob@example.com"}},
			Totals:  []string{"300.00 USD"}, WithChildren: "412.00 USD",
			Lineage:   []LineageRow{{Via: "Rule", Rule: "web team", Currency: "USD", Amount: "300.00", Lines: 2}},
			Resources: []TopResource{{Label: "vm1", ID: "/subscriptions/s1/vm1", Amount: "300.00", WhyURL: "/allocation/explain?resource=vm1"}}},
			[]string{`action="/allocation/groups/grp_web"`, `<option value="usr_ada" selected>`, `<option value="project" selected>`,
				`web team`, `412.00 USD`, `href="/allocation/explain?resource=vm1"`, `action="/allocation/groups/grp_web/delete"`, `data-confirm=`}},
		{AllocGroupPage{Layout: l, New: true, CanWrite: true, Kinds: kindChoices(), FormErrors: FormErrors{FieldErrors: FieldErrors{"name": "A group needs a name."}}},
			[]string{`action="/allocation/groups"`, `A group needs a name.`, `Create group`}},
		{rules,
			[]string{`tag team in [web]`, `action="/allocation/rules"`, `name="base" value="3"`, `name="cond_field_3"`, `name="share_percent_6"`,
				`the percentages add up to 90, not 100`, `action="/allocation/splits/spl_1/delete"`, `name="note"`}},
		{AllocExplainPage{Layout: l, Resource: "/subscriptions/s1/vm1", Period: periodView("/allocation/explain", nil, march, april, march),
			Explanations: []ExplainView{{Resource: "/subscriptions/s1/vm1", ResourceName: "vm1", Amount: "100.00", Currency: "USD", Matched: true,
				Position: 1, RuleName: "web team", Conditions: []string{"tag team in [web]"}, Tags: []Fact{{"team", "web"}},
				Portions: []PortionView{{Group: "Web", GroupURL: "/allocation/groups/grp_web", Via: "Rule", Amount: "100.00"}}},
				{Resource: "/x/st1", Amount: "7.50", Currency: "USD", Portions: []PortionView{{Group: "Unallocated", Via: "No rule matched", Amount: "7.50"}}}}},
			[]string{`Rule 1, <strong class="rule-name">web team</strong>`, `No rule matched (Unallocated).`, `<code>team=web</code>`}},
		{AllocVersionsPage{Layout: l, Versions: []VersionRow{{Number: 2, When: "14 Mar 2026 09:26 UTC", Who: "ada@example.com", Note: "network", Affects: "affects days from 2026-04-01 on", Current: true}}},
			[]string{`href="/allocation/versions/2"`, `affects days from 2026-04-01`, `current`}},
		{AllocVersionPage{Layout: l, Version: VersionRow{Number: 1, Affects: "changed nothing"}, Period: period,
			Totals: []VersionTotal{{Group: "Web", Currency: "USD", Amount: "300.00"}}},
			[]string{`Version 1`, `What this version said`, `300.00`}},
		{AllocLicencesPage{Layout: l, CanWrite: true, Prices: []allocation.LicencePrice{{SkuPartNumber: "SPE_E3", CostSKU: "CFQ7TTC0LFLX:0002", UnitPrice: "36", Currency: "EUR"}}},
			[]string{`SPE_E3`, `36 EUR`, `action="/allocation/licences"`, `action="/allocation/licences/delete"`}},
	}
}

func TestConditionWords(t *testing.T) {
	for _, c := range []struct {
		c    allocation.Condition
		want string
	}{
		{allocation.Condition{Field: allocation.FieldTag, Key: "team", Op: allocation.OpIn, Values: []string{"web", "data"}}, "tag team in [web, data]"},
		{allocation.Condition{Field: allocation.FieldService, Op: allocation.OpMatches, Values: []string{"shared *"}}, "service matches [shared *]"},
		{allocation.Condition{Field: allocation.FieldTag, Key: "env", Op: allocation.OpExists}, "tag env exists"},
	} {
		if got := conditionWords(c.c); got != c.want {
			t.Errorf("%+v: %q, want %q", c.c, got, c.want)
		}
	}
}

func TestAffectedDays(t *testing.T) {
	from, to := march, april
	for _, c := range []struct {
		from, to *time.Time
		want     string
	}{{nil, nil, "affects every day"}, {&from, nil, "affects days from 2026-03-01 on"},
		{nil, &to, "affects days up to 2026-03-31"}, {&from, &to, "affects days from 2026-03-01 to 2026-03-31"}} {
		if got := affectedDays(c.from, c.to); got != c.want {
			t.Errorf("%v–%v: %q, want %q", c.from, c.to, got, c.want)
		}
	}
}
