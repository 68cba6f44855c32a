package azbilling

import (
	"fmt"
	"strings"
)

// filterExpr is QueryFilter: and/or/not of dimension or tag comparisons.
type filterExpr struct {
	And        []*filterExpr `json:"and"`
	Or         []*filterExpr `json:"or"`
	Not        *filterExpr   `json:"not"`
	Dimensions *comparison   `json:"dimensions"`
	Tags       *comparison   `json:"tags"`
}

type comparison struct {
	Name     string   `json:"name"`
	Operator string   `json:"operator"`
	Values   []string `json:"values"`
}

// validate checks the expression; field is its path for error messages.
func (f *filterExpr) validate(field string) error {
	if f == nil {
		return nil
	}
	n := 0
	for _, set := range []bool{len(f.And) > 0, len(f.Or) > 0, f.Not != nil, f.Dimensions != nil, f.Tags != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return badf("'%s' must have exactly one of and, or, not, dimensions, tags.", field)
	}
	for name, list := range map[string][]*filterExpr{"and": f.And, "or": f.Or} {
		if len(list) == 1 {
			return badf("'%s.%s' must have at least 2 elements.", field, name)
		}
		for i, sub := range list {
			if err := sub.validate(fmt.Sprintf("%s.%s[%d]", field, name, i)); err != nil {
				return err
			}
		}
	}
	if len(f.And) > 0 || len(f.Or) > 0 {
		return nil
	}
	if f.Not != nil {
		return f.Not.validate(field + ".not")
	}
	if f.Dimensions != nil {
		return f.Dimensions.validate(field+".dimensions", true)
	}
	return f.Tags.validate(field+".tags", false)
}

func (c *comparison) validate(field string, dim bool) error {
	if c.Name == "" {
		return badf("'%s.name' is required.", field)
	}
	if dim {
		if _, ok := lookupDimension(c.Name); !ok {
			return badf("'%s.name' has an invalid dimension '%s'.", field, c.Name)
		}
	}
	if !strings.EqualFold(c.Operator, "In") {
		return badf("'%s.operator' has an invalid value '%s'; use In.", field, c.Operator)
	}
	if len(c.Values) == 0 {
		return badf("'%s.values' must not be empty.", field)
	}
	return nil
}

// match reports whether l passes the filter (values compare case-insensitively).
func (f *filterExpr) match(l *line) bool {
	switch {
	case f == nil:
		return true
	case len(f.And) > 0:
		for _, s := range f.And {
			if !s.match(l) {
				return false
			}
		}
		return true
	case len(f.Or) > 0:
		for _, s := range f.Or {
			if s.match(l) {
				return true
			}
		}
		return false
	case f.Not != nil:
		return !f.Not.match(l)
	case f.Dimensions != nil:
		d, _ := lookupDimension(f.Dimensions.Name)
		return in(d.value(l), f.Dimensions.Values)
	}
	v, ok := tagValue(l.Tags, f.Tags.Name)
	return ok && in(v, f.Tags.Values)
}

func in(v string, list []string) bool {
	for _, x := range list {
		if strings.EqualFold(v, x) {
			return true
		}
	}
	return false
}

// tagValue looks a tag up by key, case-insensitively as Azure treats tag names.
func tagValue(tags map[string]string, key string) (string, bool) {
	for k, v := range tags {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return "", false
}
