package delegation_test

import (
	"testing"

	"github.com/canopyhq/canopy/internal/delegation"
	"github.com/canopyhq/canopy/internal/store"
)

// Each operator, case-insensitive and ignoring surrounding spaces as
// Entra does; conditions ANDed, rules ORed.
func TestRuleOperators(t *testing.T) {
	u := delegation.NewSubject(store.M365User{ObjectID: "u1", Department: "  Sales ", Country: "DE", City: "",
		UserPrincipalName: "ann@Contoso.COM", UserType: "Member", ExtensionAttributes: []byte(`{"extensionAttribute7":"CC-4711"}`)})
	cases := []struct {
		name  string
		rules []delegation.Rule
		want  bool
	}{
		{"equals ignores case and spaces", []delegation.Rule{rule(cond("department", "equals", "SALES"))}, true},
		{"equals differs", []delegation.Rule{rule(cond("department", "equals", "Sale"))}, false},
		{"not_equals", []delegation.Rule{rule(cond("country", "not_equals", "fr"))}, true},
		{"not_equals on empty", []delegation.Rule{rule(cond("city", "not_equals", "Berlin"))}, true},
		{"in", []delegation.Rule{rule(cond("country", "in", "at", "de", "ch"))}, true},
		{"in misses", []delegation.Rule{rule(cond("country", "in", "at", "ch"))}, false},
		{"starts_with on extension attribute", []delegation.Rule{rule(cond("extensionAttribute7", "starts_with", "cc-47"))}, true},
		{"is_empty", []delegation.Rule{rule(cond("city", "is_empty"))}, true},
		{"is_empty on set value", []delegation.Rule{rule(cond("country", "is_empty"))}, false},
		{"upnDomain", []delegation.Rule{rule(cond("upnDomain", "equals", "contoso.com"))}, true},
		{"AND within a rule", []delegation.Rule{rule(cond("country", "equals", "DE"), cond("userType", "equals", "Guest"))}, false},
		{"OR across rules", []delegation.Rule{rule(cond("userType", "equals", "Guest")), rule(cond("userType", "equals", "member"))}, true},
		{"no rules match nobody", nil, false},
	}
	for _, c := range cases {
		tr, err := delegation.NewTree([]delegation.OU{{ID: "ou", Name: "OU", Rules: c.rules}})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := len(tr.IDsOf(&u)) == 1; got != c.want {
			t.Errorf("%s: member %v, want %v", c.name, got, c.want)
		}
	}
}

// Hand picks win over rules, exclusions over both; a parent holds its
// children's members even when it excludes them.
func TestHandPicksAndNesting(t *testing.T) {
	sales := delegation.NewSubject(store.M365User{ObjectID: "s", Department: "Sales"})
	other := delegation.NewSubject(store.M365User{ObjectID: "o", Department: "IT"})
	tr, err := delegation.NewTree([]delegation.OU{
		{ID: "top", Name: "Top", Exclude: []string{"o"}},
		{ID: "mid", Name: "Mid", ParentID: "top", Rules: []delegation.Rule{rule(cond("department", "equals", "sales"))}, Exclude: []string{"s"}},
		{ID: "leaf", Name: "Leaf", ParentID: "mid", Include: []string{"o"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := tr.IDsOf(&sales); len(got) != 0 {
		t.Errorf("excluded sales user is in %v", got)
	}
	if got := tr.IDsOf(&other); len(got) != 3 {
		t.Errorf("hand-picked user is in %v, want leaf and both parents", got)
	}
	if !tr.Descends("leaf", "top") || tr.Descends("top", "leaf") {
		t.Error("Descends")
	}
}
