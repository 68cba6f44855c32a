package allocation

import (
	"context"
	"time"

	"github.com/canopyhq/canopy/internal/costs"
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
			return groupLabel(groups, Unallocated)
		case m.rules[i].rule.Split != "":
			return names[m.rules[i].rule.Split]
		}
		return groupLabel(groups, m.rules[i].rule.Group)
	}, nil
}
