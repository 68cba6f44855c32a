package allocation

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
)

// Total is what one group (or Unallocated, or the unassigned licences)
// received in one billing currency, and through which rule or split
// (lineage rows; a group's total is the sum of its rows).
type Total struct {
	Group     string         `json:"group"`
	GroupName string         `json:"group_name"`
	Rule      string         `json:"rule,omitempty"`
	RuleName  string         `json:"rule_name,omitempty"`
	Split     string         `json:"split,omitempty"`
	SplitName string         `json:"split_name,omitempty"`
	Via       string         `json:"via"`
	Currency  string         `json:"currency"`
	Measures  costs.Measures `json:"measures"`
	Lines     int64          `json:"lines"`
	Seats     int64          `json:"seats,omitempty"`
}

// Results are a version's totals for [From, To).
type Results struct {
	Version  int       `json:"version"`
	Current  bool      `json:"current"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Totals   []Total   `json:"totals"`
	ByRule   bool      `json:"by_rule"`
	ForGroup string    `json:"group,omitempty"`
}

// ResultsQuery selects results: a version (0: current), days [From, To),
// one group ("" every group) and whether to keep rule/split rows apart.
type ResultsQuery struct {
	Version  int
	From, To time.Time
	Group    string
	ByRule   bool
}

// Results returns a version's group totals (with lineage rows when
// ByRule or for one group). The current version's months are brought up
// to date with the cost data first; an earlier version says what it said.
func (s *Service) Results(ctx context.Context, p *auth.Principal, rq ResultsQuery) (Results, error) {
	if err := p.Require(auth.PermAllocationRead); err != nil {
		return Results{}, err
	}
	if rq.From.IsZero() || !rq.From.Before(rq.To) {
		return Results{}, domain.FieldError("from", "The date range must have a start before its end.")
	}
	cur, err := s.current(ctx, p.Org.ID)
	if err != nil {
		return Results{}, err
	}
	v := cur
	if rq.Version > 0 && rq.Version != cur.Number {
		if v, err = s.version(ctx, p.Org.ID, rq.Version); err != nil {
			return Results{}, err
		}
	}
	from, to := monthStart(rq.From), monthStart(rq.To.Add(-time.Nanosecond)).AddDate(0, 1, 0)
	if err := s.fresh(ctx, p.Org.ID, v, from, to, v.Number == cur.Number); err != nil {
		return Results{}, err
	}
	rows, err := s.Store.AllocResults(ctx, p.Org.ID, v.Number, rq.From, rq.To)
	if err != nil {
		return Results{}, err
	}
	groups, err := s.groupMap(ctx, p.Org.ID)
	if err != nil {
		return Results{}, err
	}
	out := Results{Version: v.Number, Current: v.Number == cur.Number, From: rq.From, To: rq.To, ByRule: rq.ByRule || rq.Group != "", ForGroup: rq.Group}
	names := v.Ruleset.names()
	acc := map[Total]*Total{}
	var order []Total
	for _, r := range rows {
		if rq.Group != "" && r.Group != rq.Group {
			continue
		}
		k := Total{Group: r.Group, Currency: r.Currency, Via: r.Via}
		if out.ByRule {
			k.Rule, k.Split = r.Rule, r.Split
		} else {
			k.Via = ""
		}
		t := acc[k]
		if t == nil {
			t = &Total{Group: k.Group, GroupName: GroupLabel(groups, k.Group), Rule: k.Rule, RuleName: names[k.Rule],
				Split: k.Split, SplitName: names[k.Split], Via: k.Via, Currency: k.Currency}
			acc[k] = t
			order = append(order, k)
		}
		if err := t.Measures.Add(r.Measures); err != nil {
			return Results{}, err
		}
		t.Lines += r.Lines
		t.Seats += r.Seats
	}
	for _, k := range order {
		out.Totals = append(out.Totals, *acc[k])
	}
	slices.SortFunc(out.Totals, func(a, b Total) int {
		if c := b.Measures.Billed.Cmp(a.Measures.Billed); c != 0 {
			return c
		}
		return cmp.Compare(a.GroupName+a.RuleName+a.SplitName+a.Currency, b.GroupName+b.RuleName+b.SplitName+b.Currency)
	})
	return out, nil
}

// names maps rule and split IDs to their names.
func (rs *Ruleset) names() map[string]string {
	m := map[string]string{}
	for _, r := range rs.Rules {
		m[r.ID] = r.Name
	}
	for _, sp := range rs.Splits {
		m[sp.ID] = sp.Name
	}
	return m
}
