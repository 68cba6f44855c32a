package allocation

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
)

// Explanation says why a cost line is where it is: for one allocation key
// (the line's dimensions and tags) and currency over the days asked, the
// rule that matched (its position and version) and the portions it went
// to, with the split or the licence seats that divided it.
type Explanation struct {
	Version  int               `json:"version"`
	Key      costs.AllocKey    `json:"key"`
	Currency string            `json:"currency"`
	Measures costs.Measures    `json:"measures"`
	Lines    int64             `json:"lines"`
	Rule     *Rule             `json:"rule,omitempty"`
	Position int               `json:"position,omitempty"` // 1-based place of the rule in the order
	Split    *Split            `json:"split,omitempty"`
	Portions []Portion         `json:"portions"`
	Names    map[string]string `json:"group_names"`
	FirstDay time.Time         `json:"first_day"`
	LastDay  time.Time         `json:"last_day"`
}

// Explain answers "why is this here" for the lines of one resource (or,
// with resource "", every line matching the filters) charged in [from,
// to) under the current rule set: one explanation per distinct key,
// currency and rule. At most 50 are returned, the largest first.
func (s *Service) Explain(ctx context.Context, p *auth.Principal, resource string, filters []costs.Filter, from, to time.Time) ([]Explanation, error) {
	if err := p.Require(auth.PermAllocationRead); err != nil {
		return nil, err
	}
	if from.IsZero() || !from.Before(to) {
		return nil, domain.FieldError("from", "The date range must have a start before its end.")
	}
	if resource != "" {
		filters = append(filters, costs.Filter{Dim: costs.DimResource, Values: []string{resource}})
	}
	v, err := s.current(ctx, p.Org.ID)
	if err != nil {
		return nil, err
	}
	// Whole months: a proportional split's shares depend on the month.
	e, keys, rows, err := s.load(ctx, p.Org.ID, &v, monthStart(from), monthStart(to.Add(-time.Nanosecond)).AddDate(0, 1, 0))
	if err != nil {
		return nil, err
	}
	ps, err := e.Allocate(keys, rows)
	if err != nil {
		return nil, err
	}
	groups, err := s.groupMap(ctx, p.Org.ID)
	if err != nil {
		return nil, err
	}
	return explanations(e, v.Number, keys, rows, ps, groups, filters, from, to)
}

type explainKey struct {
	key      int
	currency string
	rule     string
}

func explanations(e *Engine, version int, keys []costs.AllocKey, rows []costs.AllocRow, ps [][]Portion, groups map[string]Group,
	filters []costs.Filter, from, to time.Time) ([]Explanation, error) {
	acc := map[explainKey]*Explanation{}
	var order []explainKey
	for i, r := range rows {
		if r.Day.Before(from) || !r.Day.Before(to) || !matchesAll(&keys[r.Key], r.Currency, filters) {
			continue
		}
		rule := ""
		if len(ps[i]) > 0 {
			rule = ps[i][0].Rule
		}
		k := explainKey{r.Key, r.Currency, rule}
		x := acc[k]
		if x == nil {
			x = &Explanation{Version: version, Key: keys[r.Key], Currency: r.Currency, FirstDay: r.Day, LastDay: r.Day, Names: map[string]string{}}
			e.describe(x, rule)
			acc[k], order = x, append(order, k)
		}
		if err := x.add(r, ps[i], groups); err != nil {
			return nil, err
		}
	}
	out := make([]Explanation, 0, len(order))
	for _, k := range order {
		out = append(out, *acc[k])
	}
	sortExplanations(out)
	if len(out) > 50 {
		out = out[:50]
	}
	return out, nil
}

// describe fills in the rule (and split) by ID.
func (e *Engine) describe(x *Explanation, ruleID string) {
	for i := range e.rs.Rules {
		if r := &e.rs.Rules[i]; r.ID == ruleID {
			x.Rule, x.Position = r, i+1
			if r.Split != "" {
				x.Split = e.splits[r.Split]
			}
		}
	}
}

// add counts a row in the explanation, merging its portions by group,
// via and split.
func (x *Explanation) add(r costs.AllocRow, ps []Portion, groups map[string]Group) error {
	if r.Day.Before(x.FirstDay) {
		x.FirstDay = r.Day
	}
	if r.Day.After(x.LastDay) {
		x.LastDay = r.Day
	}
	x.Lines += r.Lines
	if err := x.Measures.Add(r.Measures); err != nil {
		return err
	}
	for _, p := range ps {
		x.Names[p.Group] = GroupLabel(groups, p.Group)
		found := false
		for j := range x.Portions {
			q := &x.Portions[j]
			if q.Group == p.Group && q.Via == p.Via && q.Split == p.Split && q.Rule == p.Rule {
				if err := q.Measures.Add(p.Measures); err != nil {
					return err
				}
				q.Seats = max(q.Seats, p.Seats)
				found = true
			}
		}
		if !found {
			x.Portions = append(x.Portions, p)
		}
	}
	return nil
}

// sortExplanations puts the largest amounts first.
func sortExplanations(xs []Explanation) {
	slices.SortStableFunc(xs, func(a, b Explanation) int {
		if c := abs(b.Measures.Billed).Cmp(abs(a.Measures.Billed)); c != 0 {
			return c
		}
		return strings.Compare(a.Key.Resource+a.Currency, b.Key.Resource+b.Currency)
	})
}

func abs(a domain.Amount) domain.Amount {
	if a.Units < 0 || a.Nanos < 0 {
		return domain.Amount{Units: -a.Units, Nanos: -a.Nanos}
	}
	return a
}
