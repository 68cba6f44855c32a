package allocation

import (
	"context"
	"time"

	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/inventory"
)

// Placer says where the current rule set places a line with key k on a
// day: the group's name, the split's name, or "Unallocated". Reports that
// group other things than cost lines (resources, for tag coverage) use it.
type Placer func(k costs.AllocKey, day time.Time) string

// Placer compiles the organisation's current rule set for placing keys.
func (s *Service) Placer(ctx context.Context, orgID string) (Placer, error) {
	v, err := s.current(ctx, orgID)
	if err != nil {
		return nil, err
	}
	groups, err := s.groupMap(ctx, orgID)
	if err != nil {
		return nil, err
	}
	norm, err := s.normalizer(ctx, orgID)
	if err != nil {
		return nil, err
	}
	m := compile(&v.Ruleset, norm)
	names := v.Ruleset.names()
	return func(k costs.AllocKey, day time.Time) string {
		i := m.first(&k, nil, epochDay(day))
		switch {
		case i < 0:
			return GroupLabel(groups, Unallocated)
		case m.rules[i].rule.Split != "":
			return names[m.rules[i].rule.Split]
		}
		return GroupLabel(groups, m.rules[i].rule.Group)
	}, nil
}

// CoverageGrouping groups inventory resources by the custom group the
// current rule set places them in today, for the required-tag coverage
// report. Rules on services, SKUs or charge categories do not apply to a
// resource (it has none), nor do licence rules.
func (s *Service) CoverageGrouping(ctx context.Context, orgID string) (inventory.Grouping, error) {
	place, err := s.Placer(ctx, orgID)
	if err != nil {
		return inventory.Grouping{}, err
	}
	today := s.Now().UTC().Truncate(24 * time.Hour)
	return inventory.Grouping{Key: "custom_group", Name: "Custom group", Label: func(r inventory.Resource) string {
		return place(costs.AllocKey{Provider: r.Provider, SubAccount: r.SubAccount, ResourceGroup: r.ResourceGroup, Region: r.Region,
			Resource: r.ResourceID, ResourceName: r.Name, Tags: r.EffectiveTags()}, today)
	}}, nil
}
