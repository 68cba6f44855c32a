package allocation

import (
	"encoding/json"
	"testing"

	"github.com/canopyhq/canopy/internal/costs"
)

// FuzzRuleset feeds arbitrary rule-set JSON (what PUT /allocation/rules
// stores) through Validate and, when it is accepted, the engine over three
// cost lines whose tags also come from the fuzzer. Nothing may panic and
// every line is allocated exactly once: its portions add up to the line,
// to the nano, and name a known group or Unallocated.
func FuzzRuleset(f *testing.F) {
	for _, s := range rulesetSeeds {
		f.Add(s, "web", "prod", "7.333333333")
	}
	f.Fuzz(fuzzRuleset)
}

var rulesetSeeds = []string{
	`{"rules":[{"name":"web","group":"web","conditions":[{"field":"tag","key":"team","op":"in","values":["web"]}]}]}`,
	`{"rules":[{"name":"shared","split":"s1","conditions":[{"field":"service","op":"matches","values":["Virtual*"]}]}],` +
		`"splits":[{"id":"s1","name":"shared","method":"fixed","shares":[{"group":"web","percent":"33.3333"},{"group":"data","percent":"66.6667"}]}]}`,
	`{"rules":[{"name":"p","split":"s2","conditions":[{"field":"tag","key":"env","op":"exists"}]},` +
		`{"name":"d","group":"data","valid_from":"2026-03-01T00:00:00Z","valid_to":"2026-03-03T00:00:00Z","conditions":[{"field":"tag","key":"team","op":"in","values":["data"]}]}],` +
		`"splits":[{"id":"s2","name":"prop","method":"proportional","shares":[{"group":"web"},{"group":"data"}]}]}`,
	`{"rules":[],"splits":[]}`,
}

func fuzzRuleset(t *testing.T, in, team, env, amount string) {
	var rs Ruleset
	if json.Unmarshal([]byte(in), &rs) != nil || rs.Validate(testGroups) != nil {
		return
	}
	var m costs.Measures
	if m.Billed.UnmarshalText([]byte(amount)) != nil {
		return
	}
	m.Effective = m.Billed
	keys := []costs.AllocKey{{Service: "Virtual Machines", Tags: map[string]string{"team": team, "env": env}},
		{Service: "SQL Database", Tags: map[string]string{"Team": team}}, {Service: "Storage"}}
	rows := []costs.AllocRow{{Day: date("2026-03-02"), Key: 0, Measures: m}, {Day: date("2026-03-02"), Key: 1, Measures: m},
		{Day: date("2026-03-03"), Key: 2, Measures: m}}
	ps, err := NewEngine(&rs, nil, nil).Allocate(keys, rows)
	if err != nil {
		return // an amount too large to divide is refused, not wrapped
	}
	if len(ps) != len(rows) {
		t.Fatalf("%d rows allocated, want %d", len(ps), len(rows))
	}
	for i, row := range ps {
		var sum costs.Measures
		for _, p := range row {
			if p.Group != Unallocated && testGroups[p.Group].ID == "" {
				t.Fatalf("row %d: portion in unknown group %q", i, p.Group)
			}
			if sum.Billed, err = sum.Billed.Add(p.Measures.Billed); err != nil {
				t.Fatal(err)
			}
		}
		if sum.Billed.Cmp(rows[i].Measures.Billed) != 0 {
			t.Fatalf("row %d: portions add up to %s, the line is %s (%+v)", i, sum.Billed, rows[i].Measures.Billed, row)
		}
	}
}

// The seeds of FuzzRuleset are valid rule sets, so the fuzzer starts from
// inputs that reach the engine.
func TestFuzzRulesetSeedsValidate(t *testing.T) {
	for _, s := range rulesetSeeds {
		var rs Ruleset
		if err := json.Unmarshal([]byte(s), &rs); err != nil {
			t.Fatal(err)
		}
		if err := rs.Validate(testGroups); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
}
