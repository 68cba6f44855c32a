package allocation

import (
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
)

var testGroups = map[string]Group{
	"web": {ID: "web", Name: "Web"}, "data": {ID: "data", Name: "Data"}, "ops": {ID: "ops", Name: "Ops"},
	"sales": {ID: "sales", Name: "Sales"},
}

func amt(t *testing.T, s string) domain.Amount {
	t.Helper()
	var a domain.Amount
	if err := a.UnmarshalText([]byte(s)); err != nil {
		t.Fatal(err)
	}
	return a
}

func billed(t *testing.T, s string) costs.Measures {
	a := amt(t, s)
	return costs.Measures{Billed: a, Effective: a}
}

func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func datePtr(s string) *time.Time { t := date(s); return &t }

func tagRule(id, key, value, group string) Rule {
	return Rule{ID: id, Name: id, Group: group, Conditions: []Condition{{Field: FieldTag, Key: key, Op: OpIn, Values: []string{value}}}}
}

// sums adds the portions per group (billed).
func sums(t *testing.T, ps [][]Portion) map[string]string {
	t.Helper()
	acc := map[string]domain.Amount{}
	for _, row := range ps {
		for _, p := range row {
			s, err := acc[p.Group].Add(p.Measures.Billed)
			if err != nil {
				t.Fatal(err)
			}
			acc[p.Group] = s
		}
	}
	out := map[string]string{}
	for g, a := range acc {
		out[g] = a.String()
	}
	return out
}

func TestFirstMatchingRuleWinsAndOrderMatters(t *testing.T) {
	keys := []costs.AllocKey{
		{Service: "Virtual Machines", Tags: map[string]string{"team": "web", "env": "prod"}},
		{Service: "SQL Database", Tags: map[string]string{"Team": "data"}},
		{Service: "Storage"},
	}
	rows := []costs.AllocRow{{Day: date("2026-03-02"), Key: 0, Measures: billed(t, "10")},
		{Day: date("2026-03-02"), Key: 1, Measures: billed(t, "5")}, {Day: date("2026-03-03"), Key: 2, Measures: billed(t, "1.5")}}
	prod := Rule{ID: "prod", Name: "prod to ops", Group: "ops", Conditions: []Condition{{Field: FieldTag, Key: "env", Op: OpIn, Values: []string{"PROD"}}}}
	rs := Ruleset{Rules: []Rule{tagRule("r-web", "team", "web", "web"), tagRule("r-data", "TEAM", "data", "data"), prod}}
	if err := rs.Validate(testGroups); err != nil {
		t.Fatal(err)
	}
	ps, err := NewEngine(&rs, nil, nil).Allocate(keys, rows)
	if err != nil {
		t.Fatal(err)
	}
	got := sums(t, ps)
	if got["web"] != "10" || got["data"] != "5" || got[Unallocated] != "1.5" || got["ops"] != "" {
		t.Fatalf("overlapping rules: %v (the web rule comes first; tag keys match case-insensitively)", got)
	}
	if ps[0][0].Rule != "r-web" || ps[2][0].Via != ViaUnallocated {
		t.Fatalf("lineage: %+v %+v", ps[0][0], ps[2][0])
	}
	rs.Rules = []Rule{prod, rs.Rules[0], rs.Rules[1]} // prod first now
	ps, _ = NewEngine(&rs, nil, nil).Allocate(keys, rows)
	if got := sums(t, ps); got["ops"] != "10" || got["web"] != "" {
		t.Fatalf("after reordering: %v", got)
	}
}

func TestEffectiveDatesAcrossMonthBoundary(t *testing.T) {
	keys := []costs.AllocKey{{Service: "VM", SubAccount: "sub-1"}}
	var rows []costs.AllocRow
	for d := date("2026-03-28"); d.Before(date("2026-04-04")); d = d.AddDate(0, 0, 1) {
		rows = append(rows, costs.AllocRow{Day: d, Key: 0, Measures: billed(t, "1")})
	}
	sub := Condition{Field: FieldSubAccount, Op: OpIn, Values: []string{"sub-1"}}
	rs := Ruleset{Rules: []Rule{
		{ID: "old", Name: "old owner", Group: "web", Conditions: []Condition{sub}, ValidTo: datePtr("2026-03-31")},
		{ID: "new", Name: "new owner", Group: "data", Conditions: []Condition{sub}, ValidFrom: datePtr("2026-03-31")},
	}}
	if err := rs.Validate(testGroups); err != nil {
		t.Fatal(err)
	}
	ps, err := NewEngine(&rs, nil, nil).Allocate(keys, rows)
	if err != nil {
		t.Fatal(err)
	}
	if got := sums(t, ps); got["web"] != "3" || got["data"] != "4" {
		t.Fatalf("28–30 March to web, 31 March – 3 April to data: %v", got)
	}
}

func TestSplitsFixedProportionalExactWithLineage(t *testing.T) {
	keys := []costs.AllocKey{{Service: "Shared network"}, {Service: "App", Tags: map[string]string{"team": "web"}},
		{Service: "Warehouse", Tags: map[string]string{"team": "data"}}}
	rows := []costs.AllocRow{{Day: date("2026-05-01"), Key: 0, Measures: billed(t, "100.00")},
		{Day: date("2026-05-01"), Key: 1, Measures: billed(t, "300")}, {Day: date("2026-05-02"), Key: 2, Measures: billed(t, "100")}}
	shared := Condition{Field: FieldService, Op: OpMatches, Values: []string{"shared*"}}
	for _, tc := range []struct {
		split Split
		want  map[string]string
	}{
		{Split{ID: "s", Name: "thirds", Method: SplitFixed, Shares: []Share{{"web", "33.3333"}, {"data", "33.3333"}, {"ops", "33.3334"}}},
			map[string]string{"web": "333.3333", "data": "133.3333", "ops": "33.3334"}},
		{Split{ID: "s", Name: "by spend", Method: SplitProportional, Shares: []Share{{Group: "web"}, {Group: "data"}}},
			map[string]string{"web": "375", "data": "125"}},
	} {
		rs := Ruleset{Splits: []Split{tc.split}, Rules: []Rule{{ID: "shared", Name: "shared", Split: "s", Conditions: []Condition{shared}},
			tagRule("w", "team", "web", "web"), tagRule("d", "team", "data", "data")}}
		if err := rs.Validate(testGroups); err != nil {
			t.Fatal(err)
		}
		ps, err := NewEngine(&rs, nil, nil).Allocate(keys, rows)
		if err != nil {
			t.Fatal(err)
		}
		if got := sums(t, ps); !equalMaps(got, tc.want) {
			t.Fatalf("%s: %v, want %v", tc.split.Name, got, tc.want)
		}
		for _, p := range ps[0] {
			if p.Split != "s" || p.Rule != "shared" || p.Via != ViaSplit {
				t.Fatalf("split line's lineage: %+v", p)
			}
		}
	}
}

func TestDivideIsExactForAwkwardAmounts(t *testing.T) {
	rs := Ruleset{Splits: []Split{{ID: "s", Name: "thirds", Method: SplitFixed, Shares: []Share{{"web", "33.333333"}, {"data", "33.333333"}, {"ops", "33.333334"}}}},
		Rules: []Rule{{ID: "all", Name: "all", Split: "s", Conditions: []Condition{{Field: FieldProvider, Op: OpExists}}}}}
	if err := rs.Validate(testGroups); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"0.0000000001", "-7.0000000002", "1000000000.0000000001", "0.01"} {
		ps, err := NewEngine(&rs, nil, nil).Allocate([]costs.AllocKey{{Provider: "AWS"}},
			[]costs.AllocRow{{Day: date("2026-01-01"), Measures: billed(t, v)}})
		if err != nil {
			t.Fatal(err)
		}
		var sum domain.Amount
		for _, p := range ps[0] {
			sum, _ = sum.Add(p.Measures.Billed)
		}
		if sum.String() != amt(t, v).String() {
			t.Fatalf("%s split in three adds up to %s", v, sum)
		}
	}
}

func TestSplitsThatDoNotAddUpAreRejected(t *testing.T) {
	for _, tc := range []struct {
		shares []Share
		msg    string
	}{
		{[]Share{{"web", "50"}, {"data", "40"}}, "add up to 90, not 100"},
		{[]Share{{"web", "50"}, {"data", "50.5"}}, "add up to 100.5, not 100"},
		{[]Share{{"web", "100"}}, "at least two groups"},
		{[]Share{{"web", "50"}, {"web", "50"}}, "appears twice"},
		{[]Share{{"web", "abc"}, {"data", "50"}}, "not a number"},
		{[]Share{{"web", "50"}, {"nope", "50"}}, "does not exist"},
	} {
		rs := Ruleset{Splits: []Split{{Name: "x", Method: SplitFixed, Shares: tc.shares}}}
		err := rs.Validate(testGroups)
		if err == nil || !strings.Contains(domain.ErrorMessage(err), tc.msg) {
			t.Fatalf("%v: %v, want %q", tc.shares, err, tc.msg)
		}
	}
}

func TestLicenceCostByDirectoryAttributes(t *testing.T) {
	keys := []costs.AllocKey{{Provider: "Microsoft", Service: "Microsoft 365 E3", SKU: "CFQ7TTC0LFLX:0002"}}
	rows := []costs.AllocRow{{Day: date("2026-06-01"), Measures: billed(t, "360")}}
	seats := map[string]*SeatSet{"cfq7ttc0lflx:0002": {PartNumber: "SPE_E3", Purchased: 10, Users: []User{
		{ID: "u1", Department: "Sales", Country: "DE"}, {ID: "u2", Department: "Sales", Country: "FR"},
		{ID: "u3", Department: "Engineering"}, {ID: "u4", Extension: map[string]string{"3": "CC-42"}}, {ID: "u5"}}}}
	rs := Ruleset{Rules: []Rule{
		{ID: "de-sales", Name: "German sales", Group: "sales", Conditions: []Condition{
			{Field: FieldUserDepartment, Op: OpIn, Values: []string{"sales"}}, {Field: FieldUserCountry, Op: OpIn, Values: []string{"DE"}}}},
		{ID: "eng", Name: "Engineering", Group: "web", Conditions: []Condition{{Field: FieldUserDepartment, Op: OpIn, Values: []string{"Engineering"}}}},
		{ID: "cc", Name: "Cost centre 42", Group: "ops", Conditions: []Condition{{Field: FieldUserExtension, Key: "3", Op: OpIn, Values: []string{"CC-42"}}}},
	}}
	if err := rs.Validate(testGroups); err != nil {
		t.Fatal(err)
	}
	ps, err := NewEngine(&rs, nil, seats).Allocate(keys, rows)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"sales": "36", "web": "36", "ops": "36", Unallocated: "72", UnassignedLicences: "180"}
	if got := sums(t, ps); !equalMaps(got, want) {
		t.Fatalf("licence cost: %v, want %v (10 seats at 36; 2 users unplaced; 5 seats unassigned)", got, want)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
