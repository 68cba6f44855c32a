package spend

import (
	"context"
	"slices"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/costs"
)

// scoped narrows q to what p may read: everything with an org-wide
// costs.read, else only the custom groups p's scoped grants name (their
// share of each line). Filters combine, so adding one's own custom-group
// filter can only narrow further.
func scoped(p *auth.Principal, q costs.Query) (costs.Query, error) {
	if p.Can(auth.PermCostsRead) {
		return q, nil
	}
	ids := p.ScopeIDs(auth.ScopeCostGroup, auth.PermCostsRead)
	if len(ids) == 0 {
		return q, p.Require(auth.PermCostsRead)
	}
	q.Filters = append(slices.Clone(q.Filters), costs.Filter{Dim: costs.DimGroup, Values: ids})
	return q, nil
}

// GroupLister lists an organisation's custom groups for the filter.
type GroupLister interface {
	GroupValues(ctx context.Context, orgID string, only []string) ([]costs.DimValue, error)
}

// groupValues lists the custom groups p may filter by (all, and
// Unallocated, with an org-wide costs.read).
func (s *Service) groupValues(ctx context.Context, p *auth.Principal) ([]costs.DimValue, error) {
	gl, ok := s.Groups.(GroupLister)
	if !ok {
		return []costs.DimValue{}, nil
	}
	var only []string
	if !p.Can(auth.PermCostsRead) {
		only = p.ScopeIDs(auth.ScopeCostGroup, auth.PermCostsRead)
	}
	return gl.GroupValues(ctx, p.Org.ID, only)
}
