package allocation

import (
	"context"
	"time"

	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/inventory"
	"github.com/canopyhq/canopy/internal/store"
)

// Service holds the allocation rules: groups, rule set versions, their
// computed results, lineage, and the explorer's custom-group view.
type Service struct {
	Store *store.Store
	Costs costs.AllocKeyer
	// Normalizer loads an organisation's tag-key normaliser (aliases); nil
	// compares tag keys case-insensitively.
	Normalizer func(ctx context.Context, orgID string) (KeyNormalizer, error)
	Now        func() time.Time
}

// New returns a service over the store and its cost store; tag keys
// normalise through the organisation's aliases (the inventory's
// normaliser).
func New(st *store.Store) *Service {
	inv := inventory.New(st)
	return &Service{Store: st, Costs: st.Costs(), Now: domain.Now,
		Normalizer: func(ctx context.Context, orgID string) (KeyNormalizer, error) {
			n, err := inv.Normalizer(ctx, orgID)
			return n.Key, err
		}}
}

func (s *Service) normalizer(ctx context.Context, orgID string) (KeyNormalizer, error) {
	if s.Normalizer == nil {
		return FoldKeys, nil
	}
	n, err := s.Normalizer(ctx, orgID)
	if err != nil || n == nil {
		return FoldKeys, err
	}
	return func(k string) string { return FoldKeys(n(k)) }, nil
}
