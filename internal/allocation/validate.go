package allocation

import (
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/domain"
)

// hundred is 100 percent.
var hundred = apd.New(100, 0)

// Validate checks a rule set against the organisation's groups and gives
// new rules and splits their IDs. Errors name the rule or split.
func (rs *Ruleset) Validate(groups map[string]Group) error {
	splits := map[string]bool{}
	for i := range rs.Splits {
		s := &rs.Splits[i]
		if s.ID == "" {
			s.ID = domain.NewID("spl_")
		}
		if splits[s.ID] {
			return domain.FieldError("splits", "split %s appears twice", s.ID)
		}
		splits[s.ID] = true
		if err := s.validate(groups); err != nil {
			return err
		}
	}
	ids := map[string]bool{}
	for i := range rs.Rules {
		r := &rs.Rules[i]
		if r.ID == "" {
			r.ID = domain.NewID("rul_")
		}
		if ids[r.ID] {
			return domain.FieldError("rules", "rule %s appears twice", r.ID)
		}
		ids[r.ID] = true
		if err := r.validate(groups, splits); err != nil {
			return domain.FieldError("rules", "rule %d (%s): %s", i+1, r.label(), domain.ErrorMessage(err))
		}
	}
	return nil
}

func (r *Rule) label() string {
	if r.Name != "" {
		return r.Name
	}
	return r.ID
}

func (r *Rule) validate(groups map[string]Group, splits map[string]bool) error {
	r.Name = strings.TrimSpace(r.Name)
	switch {
	case r.Name == "":
		return fmt.Errorf("a rule needs a name")
	case (r.Group == "") == (r.Split == ""):
		return fmt.Errorf("a rule places its lines in one group or through one split")
	case r.Group != "" && groups[r.Group].ID == "":
		return fmt.Errorf("group %s does not exist", r.Group)
	case r.Split != "" && !splits[r.Split]:
		return fmt.Errorf("split %s does not exist", r.Split)
	case len(r.Conditions) == 0:
		return fmt.Errorf("a rule needs at least one condition")
	case r.ValidFrom != nil && r.ValidTo != nil && !r.ValidFrom.Before(*r.ValidTo):
		return fmt.Errorf("valid from %s is not before valid to %s", day(*r.ValidFrom), day(*r.ValidTo))
	}
	for _, p := range []**time.Time{&r.ValidFrom, &r.ValidTo} {
		if *p != nil {
			t := (*p).UTC().Truncate(24 * time.Hour)
			*p = &t
		}
	}
	for i := range r.Conditions {
		if err := r.Conditions[i].validate(); err != nil {
			return fmt.Errorf("condition %d: %w", i+1, err)
		}
	}
	return nil
}

func (c *Condition) validate() error {
	if !slices.Contains(Fields, c.Field) {
		return fmt.Errorf("unknown field %q (one of %s)", c.Field, strings.Join(Fields, ", "))
	}
	c.Key = strings.TrimSpace(c.Key)
	switch {
	case c.Field == FieldTag && c.Key == "":
		return fmt.Errorf("a tag condition names the tag key")
	case c.Field == FieldUserExtension:
		if n, err := strconv.Atoi(c.Key); err != nil || n < 1 || n > 15 {
			return fmt.Errorf("extension attribute %q: use a number from 1 to 15", c.Key)
		}
	case c.Field != FieldTag && c.Key != "":
		return fmt.Errorf("only tag and extension attribute conditions take a key")
	}
	values := c.Values[:0]
	for _, v := range c.Values {
		if v = strings.TrimSpace(v); v != "" {
			values = append(values, v)
		}
	}
	c.Values = values
	switch c.Op {
	case OpIn, OpNotIn, OpMatches:
		if len(c.Values) == 0 {
			return fmt.Errorf("%s needs at least one value", c.Op)
		}
	case OpExists:
		if len(c.Values) > 0 {
			return fmt.Errorf("exists takes no values")
		}
	default:
		return fmt.Errorf("unknown operator %q (in, not_in, matches or exists)", c.Op)
	}
	return nil
}

func (s *Split) validate(groups map[string]Group) error {
	s.Name = strings.TrimSpace(s.Name)
	if s.Name == "" {
		return domain.FieldError("splits", "a split needs a name")
	}
	fail := func(format string, args ...any) error {
		return domain.FieldError("splits", "split %q: %s", s.Name, fmt.Sprintf(format, args...))
	}
	if len(s.Shares) < 2 {
		return fail("a split needs at least two groups")
	}
	seen := map[string]bool{}
	sum := new(apd.Decimal)
	for _, sh := range s.Shares {
		if groups[sh.Group].ID == "" {
			return fail("group %s does not exist", sh.Group)
		}
		if seen[sh.Group] {
			return fail("group %s appears twice", groups[sh.Group].Name)
		}
		seen[sh.Group] = true
		if s.Method == SplitFixed {
			p, err := percent(sh.Percent)
			if err != nil {
				return fail("%s's percentage %q: %v", groups[sh.Group].Name, sh.Percent, err)
			}
			if _, err := apd.BaseContext.Add(sum, sum, p); err != nil {
				return fail("%v", err)
			}
		}
	}
	switch s.Method {
	case SplitFixed:
		if sum.Cmp(hundred) != 0 {
			return fail("the percentages add up to %s, not 100", sum.Text('f'))
		}
	case SplitProportional:
	default:
		return fail("unknown method %q (fixed or proportional)", s.Method)
	}
	return nil
}

// percent parses a share's percentage: a decimal in (0, 100] with at most
// six decimals.
func percent(s string) (*apd.Decimal, error) {
	d, _, err := apd.NewFromString(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%")))
	switch {
	case err != nil || d.Form != apd.Finite:
		return nil, fmt.Errorf("not a number")
	case d.Sign() <= 0 || d.Cmp(hundred) > 0:
		return nil, fmt.Errorf("must be more than 0 and at most 100")
	case d.Exponent < -6:
		return nil, fmt.Errorf("at most six decimals")
	}
	return d, nil
}

func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// scaled is a validated percentage times 10^6, as an integer.
func scaled(p *apd.Decimal) *big.Int {
	var q apd.Decimal
	_, _ = apd.BaseContext.WithPrecision(40).Quantize(&q, p, -6)
	return q.Coeff.MathBigInt()
}
