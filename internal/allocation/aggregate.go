package allocation

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/costs"
)

// DimGroup is the explorer's custom-group dimension: its values are group
// IDs, Unallocated ("") and UnassignedLicences.
const DimGroup = costs.DimGroup

// Aggregate answers an explorer query that groups or filters by custom
// group (filter values are group IDs; a group includes the groups below
// it) with the current rule set. Without other filters, grouped by
// custom group, it reads the stored results; otherwise it allocates the
// months' lines again and filters them, with the same engine, so both
// agree.
func (s *Service) Aggregate(ctx context.Context, orgID string, q costs.Query) ([]costs.AggRow, error) {
	v, err := s.current(ctx, orgID)
	if err != nil {
		return nil, err
	}
	groups, err := s.groupMap(ctx, orgID)
	if err != nil {
		return nil, err
	}
	var keep map[string]bool // nil: every group
	var others []costs.Filter
	for _, f := range q.Filters {
		if f.Dim == DimGroup {
			keep = intersect(keep, withDescendants(groups, f.Values))
		} else {
			others = append(others, f)
		}
	}
	from, to := monthStart(q.From), monthStart(q.To.Add(-time.Nanosecond)).AddDate(0, 1, 0)
	if len(others) == 0 && q.GroupBy == DimGroup {
		if err := s.fresh(ctx, orgID, v, from, to, true); err != nil {
			return nil, err
		}
		return s.storedAggregate(ctx, orgID, v.Number, q, keep, groups)
	}
	e, keys, rows, err := s.load(ctx, orgID, &v, from, to)
	if err != nil {
		return nil, err
	}
	ps, err := e.Allocate(keys, rows)
	if err != nil {
		return nil, err
	}
	acc := newAggAcc()
	for i, r := range rows {
		if r.Day.Before(q.From) || !r.Day.Before(q.To) || !matchesAll(&keys[r.Key], r.Currency, others) {
			continue
		}
		for _, p := range ps[i] {
			if keep != nil && !keep[p.Group] {
				continue
			}
			value, label := p.Group, GroupLabel(groups, p.Group)
			if q.GroupBy != DimGroup {
				value, label = dimValue(&keys[r.Key], r.Currency, q.GroupBy, q.GroupTag)
			}
			if err := acc.add(r.Day, value, label, r.Currency, r.Lines, p.Measures); err != nil {
				return nil, err
			}
		}
	}
	return acc.rows(), nil
}

func (s *Service) storedAggregate(ctx context.Context, orgID string, version int, q costs.Query, keep map[string]bool, groups map[string]Group) ([]costs.AggRow, error) {
	res, err := s.Store.AllocResults(ctx, orgID, version, q.From, q.To)
	if err != nil {
		return nil, err
	}
	acc := newAggAcc()
	for _, r := range res {
		if keep != nil && !keep[r.Group] {
			continue
		}
		if err := acc.add(r.Day, r.Group, GroupLabel(groups, r.Group), r.Currency, r.Lines, r.Measures); err != nil {
			return nil, err
		}
	}
	return acc.rows(), nil
}

// GroupLabel is a result group's name for people.
func GroupLabel(groups map[string]Group, id string) string {
	switch id {
	case Unallocated:
		return "Unallocated"
	case UnassignedLicences:
		return "Unassigned licences"
	}
	if g, ok := groups[id]; ok {
		return g.Name
	}
	return id
}

type aggKey struct {
	day             time.Time
	value, currency string
}

type aggAcc struct {
	m     map[aggKey]*costs.AggRow
	order []aggKey
}

func newAggAcc() *aggAcc { return &aggAcc{m: map[aggKey]*costs.AggRow{}} }

func (a *aggAcc) add(day time.Time, value, label, currency string, lines int64, m costs.Measures) error {
	k := aggKey{day, value, currency}
	r := a.m[k]
	if r == nil {
		r = &costs.AggRow{Day: day, Group: value, Label: label, Currency: currency}
		a.m[k] = r
		a.order = append(a.order, k)
	}
	r.Lines += lines
	return r.Measures.Add(m)
}

func (a *aggAcc) rows() []costs.AggRow {
	out := make([]costs.AggRow, len(a.order))
	for i, k := range a.order {
		out[i] = *a.m[k]
	}
	return out
}

// withDescendants is the set of ids and every group below them.
func withDescendants(groups map[string]Group, ids []string) map[string]bool {
	out := map[string]bool{}
	for _, id := range ids {
		out[id] = true
	}
	for changed := true; changed; {
		changed = false
		for id, g := range groups {
			if g.ParentID != "" && out[g.ParentID] && !out[id] {
				out[id], changed = true, true
			}
		}
	}
	return out
}

func intersect(a, b map[string]bool) map[string]bool {
	if a == nil {
		return b
	}
	out := map[string]bool{}
	for k := range a {
		if b[k] {
			out[k] = true
		}
	}
	return out
}

// dimValue is a key's value and label of an explorer dimension.
func dimValue(k *costs.AllocKey, currency string, d costs.Dim, tagKey string) (string, string) {
	switch d {
	case costs.DimProvider:
		return k.Provider, k.Provider
	case costs.DimBillingAccount:
		return k.BillingAccount, k.BillingAccount
	case costs.DimSubAccount:
		return k.SubAccount, cmpOr(k.SubAccountName, k.SubAccount)
	case costs.DimResourceGroup:
		return strings.ToLower(k.ResourceGroup), k.ResourceGroup
	case costs.DimService:
		return k.Service, k.Service
	case costs.DimServiceCategory:
		return k.Category, k.Category
	case costs.DimRegion:
		return k.Region, k.Region
	case costs.DimResource:
		return k.Resource, cmpOr(k.ResourceName, k.Resource)
	case costs.DimSKU:
		return k.SKU, k.SKU
	case costs.DimChargeCategory:
		return k.ChargeCategory, k.ChargeCategory
	case costs.DimBillingCurrency:
		return currency, currency
	case costs.DimTag:
		v := k.Tags[tagKey]
		return v, v
	}
	return "", ""
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// matchesAll applies the explorer's filters to a key as the cost store
// does: one of the values (NoValue for none; resource groups
// case-insensitively), or for a tag filter without values the key's
// presence.
func matchesAll(k *costs.AllocKey, currency string, fs []costs.Filter) bool {
	for _, f := range fs {
		if f.Dim == costs.DimTag && len(f.Values) == 0 {
			if _, ok := k.Tags[f.TagKey]; !ok {
				return false
			}
			continue
		}
		v, _ := dimValue(k, currency, f.Dim, f.TagKey)
		if !slices.ContainsFunc(f.Values, func(w string) bool {
			if f.Dim == costs.DimResourceGroup {
				w = strings.ToLower(w)
			}
			return w == v
		}) {
			return false
		}
	}
	return true
}

// GroupValues lists the groups as explorer filter values by name (with
// Unallocated), or only the given groups and those below them.
func (s *Service) GroupValues(ctx context.Context, orgID string, only []string) ([]costs.DimValue, error) {
	groups, err := s.groupMap(ctx, orgID)
	if err != nil {
		return nil, err
	}
	var keep map[string]bool
	if only != nil {
		keep = withDescendants(groups, only)
	}
	out := []costs.DimValue{}
	for _, g := range groups {
		if keep == nil || keep[g.ID] {
			out = append(out, costs.DimValue{Value: g.ID, Label: g.Name})
		}
	}
	slices.SortFunc(out, func(a, b costs.DimValue) int { return strings.Compare(a.Label, b.Label) })
	if keep == nil {
		out = append(out, costs.DimValue{Value: Unallocated, Label: "Unallocated"}, costs.DimValue{Value: UnassignedLicences, Label: "Unassigned licences"})
	}
	return out, nil
}
