package inventory

import (
	"context"
	"slices"
	"strings"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
)

// Grouping names a way to group resources for the coverage report: a
// label per resource ("" is shown as "(none)"). Custom groups of the
// allocation work plug in here.
type Grouping struct {
	Key, Name string
	Label     func(Resource) string
}

// The groupings the coverage report has without custom groups.
var (
	BySubAccount    = Grouping{"sub_account", "Subscription / account", func(r Resource) string { return r.SubAccount }}
	ByResourceGroup = Grouping{"resource_group", "Resource group", func(r Resource) string { return strings.ToLower(r.ResourceGroup) }}
)

// CoverageRow is the compliance of one group of resources: how many
// resources, and how much of their cost (per billing currency), meet
// every required-tag policy.
type CoverageRow struct {
	Group     string         `json:"group"`
	Resources int            `json:"resources"`
	Compliant int            `json:"compliant"`
	Cost      []CoverageCost `json:"cost"`
}

// CoverageCost is a group's total and compliant cost in one currency.
type CoverageCost struct {
	Currency  domain.Currency `json:"currency"`
	Total     domain.Amount   `json:"total"`
	Compliant domain.Amount   `json:"compliant"`
}

// ResourcePercent is the share of compliant resources, for display.
func (r CoverageRow) ResourcePercent() string {
	return Percent(domain.Amount{Units: int64(r.Compliant)}, domain.Amount{Units: int64(r.Resources)})
}

// Percent is part/whole as a percentage with one decimal ("" when whole
// is zero), computed exactly and rounded half up.
func Percent(part, whole domain.Amount) string {
	if whole.IsZero() {
		return ""
	}
	ctx := apd.BaseContext.WithPrecision(40)
	ctx.Rounding = apd.RoundHalfUp
	var q, pct apd.Decimal
	if _, err := ctx.Quo(&q, part.Decimal(), whole.Decimal()); err != nil {
		return ""
	}
	if _, err := ctx.Mul(&q, &q, apd.New(100, 0)); err != nil {
		return ""
	}
	if _, err := ctx.Quantize(&pct, &q, -1); err != nil {
		return ""
	}
	return pct.Text('f') + "%"
}

// GroupCoverage is the coverage per group of one grouping.
type GroupCoverage struct {
	Key  string        `json:"key"`
	Name string        `json:"name"`
	Rows []CoverageRow `json:"rows"`
}

// Coverage is the required-tag coverage report over a period.
type Coverage struct {
	Period   Period          `json:"-"`
	Policies []Policy        `json:"-"`
	Overall  CoverageRow     `json:"overall"`
	Groups   []GroupCoverage `json:"groups"`
	// PerPolicy counts, per policy key, the resources meeting it.
	PerPolicy []CoverageRow `json:"per_policy"`
}

// Coverage computes the share of the resources f selects, and of their
// cost in the period, that meet every required-tag policy, overall and
// per group of each grouping (by default subscription/account and
// resource group).
func (s *Service) Coverage(ctx context.Context, p *auth.Principal, period Period, f Filter, groupings ...Grouping) (*Coverage, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	if err := period.valid(); err != nil {
		return nil, err
	}
	if len(groupings) == 0 {
		groupings = []Grouping{BySubAccount, ByResourceGroup}
	}
	r, err := s.loadRules(ctx, p.Org.ID)
	if err != nil {
		return nil, err
	}
	var views []View
	if err := s.walk(ctx, p.Org.ID, f, r, "", walkBatch, func(v View) bool {
		views = append(views, v)
		return true
	}); err != nil {
		return nil, err
	}
	cost, err := s.costByResource(ctx, p.Org.ID, period)
	if err != nil {
		return nil, err
	}
	for i := range views {
		views[i].Cost = cost[strings.ToLower(views[i].ResourceID)]
	}
	return CoverageOf(views, r.policies, period, groupings)
}

// CoverageOf computes the report from views that carry their cost.
func CoverageOf(views []View, policies []Policy, period Period, groupings []Grouping) (*Coverage, error) {
	c := &Coverage{Period: period, Policies: policies}
	all := func(View) string { return "" }
	rows, err := coverageRows(views, all)
	if err != nil {
		return nil, err
	}
	c.Overall = rows[0]
	for _, g := range groupings {
		label := g.Label
		rows, err := coverageRows(views, func(v View) string { return label(v.Resource) })
		if err != nil {
			return nil, err
		}
		c.Groups = append(c.Groups, GroupCoverage{Key: g.Key, Name: g.Name, Rows: rows})
	}
	for _, pol := range policies {
		row, err := policyRow(views, pol.Key)
		if err != nil {
			return nil, err
		}
		c.PerPolicy = append(c.PerPolicy, row)
	}
	return c, nil
}

// policyRow is the share of the views, and of their cost, meeting the
// policy on key.
func policyRow(views []View, key string) (CoverageRow, error) {
	row := CoverageRow{Group: key, Resources: len(views)}
	byCur := map[domain.Currency]*CoverageCost{}
	for _, v := range views {
		ok := !slices.Contains(v.Missing, key)
		if ok {
			row.Compliant++
		}
		for _, m := range v.Cost {
			if err := addCoverageCost(byCur, m, ok); err != nil {
				return row, err
			}
		}
	}
	for _, cc := range byCur {
		row.Cost = append(row.Cost, *cc)
	}
	slices.SortFunc(row.Cost, func(a, b CoverageCost) int { return strings.Compare(string(a.Currency), string(b.Currency)) })
	return row, nil
}

// coverageRows groups views by label and sums each group, in label order.
func coverageRows(views []View, label func(View) string) ([]CoverageRow, error) {
	byGroup := map[string]*CoverageRow{}
	costs := map[string]map[domain.Currency]*CoverageCost{}
	for _, v := range views {
		g := label(v)
		row := byGroup[g]
		if row == nil {
			row = &CoverageRow{Group: g}
			byGroup[g], costs[g] = row, map[domain.Currency]*CoverageCost{}
		}
		row.Resources++
		ok := len(v.Missing) == 0
		if ok {
			row.Compliant++
		}
		for _, m := range v.Cost {
			if err := addCoverageCost(costs[g], m, ok); err != nil {
				return nil, err
			}
		}
	}
	if len(byGroup) == 0 {
		return []CoverageRow{{}}, nil
	}
	keys := make([]string, 0, len(byGroup))
	for k := range byGroup {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]CoverageRow, 0, len(keys))
	for _, k := range keys {
		row := *byGroup[k]
		for _, cc := range costs[k] {
			row.Cost = append(row.Cost, *cc)
		}
		slices.SortFunc(row.Cost, func(a, b CoverageCost) int { return strings.Compare(string(a.Currency), string(b.Currency)) })
		out = append(out, row)
	}
	return out, nil
}

func addCoverageCost(m map[domain.Currency]*CoverageCost, cost Money, compliant bool) error {
	cc := m[cost.Currency]
	if cc == nil {
		cc = &CoverageCost{Currency: cost.Currency}
		m[cost.Currency] = cc
	}
	var err error
	if cc.Total, err = cc.Total.Add(cost.Amount); err != nil {
		return err
	}
	if compliant {
		cc.Compliant, err = cc.Compliant.Add(cost.Amount)
	}
	return err
}

// Percent is the compliant share of the cost in this currency.
func (c CoverageCost) Percent() string { return Percent(c.Compliant, c.Total) }
