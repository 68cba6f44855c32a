package awssandbox

import (
	"fmt"
	"strings"
)

// expression is Cost Explorer's Filter: exactly one of its fields is set.
type expression struct {
	And            []expression `json:"And,omitempty"`
	Or             []expression `json:"Or,omitempty"`
	Not            *expression  `json:"Not,omitempty"`
	Dimensions     *valuesMatch `json:"Dimensions,omitempty"`
	Tags           *valuesMatch `json:"Tags,omitempty"`
	CostCategories *valuesMatch `json:"CostCategories,omitempty"`
}

type valuesMatch struct {
	Key          string   `json:"Key"`
	Values       []string `json:"Values"`
	MatchOptions []string `json:"MatchOptions,omitempty"`
}

// validate reports the first problem the real service would refuse.
func (e *expression) validate() error {
	n := 0
	for _, set := range []bool{e.And != nil, e.Or != nil, e.Not != nil, e.Dimensions != nil, e.Tags != nil, e.CostCategories != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return fmt.Errorf("Expression has more than one roots. Only one root operator is allowed for each expression: And, Or, Not, Dimensions, Tags, CostCategories")
	}
	switch {
	case e.CostCategories != nil:
		return fmt.Errorf("Cost category %q does not exist", e.CostCategories.Key)
	case e.Dimensions != nil:
		if _, ok := (&series{}).dimension(e.Dimensions.Key); !ok {
			return fmt.Errorf("Dimension %s is not allowed. Allowed dimension(s): SERVICE, LINKED_ACCOUNT, REGION, USAGE_TYPE", e.Dimensions.Key)
		}
	case e.Tags != nil && e.Tags.Key == "":
		return fmt.Errorf("Tag key must not be empty")
	case e.Not != nil:
		return e.Not.validate()
	}
	for _, sub := range append(e.And, e.Or...) {
		if err := sub.validate(); err != nil {
			return err
		}
	}
	return nil
}

// matches evaluates the expression for one seeded line.
func (e *expression) matches(s *series) bool {
	switch {
	case e == nil:
		return true
	case e.Not != nil:
		return !e.Not.matches(s)
	case e.And != nil:
		for i := range e.And {
			if !e.And[i].matches(s) {
				return false
			}
		}
		return true
	case e.Or != nil:
		for i := range e.Or {
			if e.Or[i].matches(s) {
				return true
			}
		}
		return false
	case e.Dimensions != nil:
		v, _ := s.dimension(e.Dimensions.Key)
		return e.Dimensions.match(v, true)
	case e.Tags != nil:
		v, ok := s.tags[e.Tags.Key]
		return e.Tags.match(v, ok)
	}
	return false
}

// match applies MatchOptions (EQUALS by default; ABSENT for an unset tag).
func (m *valuesMatch) match(v string, present bool) bool {
	op, fold := "EQUALS", false
	for _, o := range m.MatchOptions {
		switch o {
		case "CASE_INSENSITIVE":
			fold = true
		case "CASE_SENSITIVE":
		default:
			op = o
		}
	}
	if op == "ABSENT" {
		return !present
	}
	for _, want := range m.Values {
		if compare(op, v, want, fold) {
			return true
		}
	}
	return false
}

func compare(op, v, want string, fold bool) bool {
	if fold {
		v, want = strings.ToLower(v), strings.ToLower(want)
	}
	switch op {
	case "STARTS_WITH":
		return strings.HasPrefix(v, want)
	case "ENDS_WITH":
		return strings.HasSuffix(v, want)
	case "CONTAINS":
		return strings.Contains(v, want)
	}
	return v == want
}
