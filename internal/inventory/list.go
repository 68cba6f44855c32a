package inventory

import (
	"context"
	"slices"
	"strings"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// Page is one page of the inventory.
type Page struct {
	Items      []View
	NextCursor string // "" on the last page
}

// List returns a page of the resources matching f (by name), each with
// its cost over the period.
func (s *Service) List(ctx context.Context, p *auth.Principal, f Filter, period Period, cursor string, limit int) (Page, error) {
	if err := p.Require(PermRead); err != nil {
		return Page{}, err
	}
	if err := period.valid(); err != nil {
		return Page{}, err
	}
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	r, err := s.loadRules(ctx, p.Org.ID)
	if err != nil {
		return Page{}, err
	}
	var out Page
	err = s.walk(ctx, p.Org.ID, f, r, cursor, limit+1, func(v View) bool {
		out.Items = append(out.Items, v)
		return len(out.Items) <= limit
	})
	if err != nil {
		return out, err
	}
	if len(out.Items) > limit {
		out.Items = out.Items[:limit]
		out.NextCursor = store.ResourceCursor(out.Items[limit-1].Resource)
	}
	return out, s.addCosts(ctx, p.Org.ID, period, out.Items)
}

// Get returns one resource of the organisation with its cost.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id string, period Period) (View, error) {
	if err := p.Require(PermRead); err != nil {
		return View{}, err
	}
	if err := period.valid(); err != nil {
		return View{}, err
	}
	res, err := s.Store.GetResource(ctx, p.Org.ID, id)
	if err != nil {
		return View{}, err
	}
	r, err := s.loadRules(ctx, p.Org.ID)
	if err != nil {
		return View{}, err
	}
	views := []View{r.view(res)}
	err = s.addCosts(ctx, p.Org.ID, period, views)
	return views[0], err
}

// Facets lists the values the inventory's filters offer.
func (s *Service) Facets(ctx context.Context, p *auth.Principal) (store.ResourceFacets, error) {
	if err := p.Require(PermRead); err != nil {
		return store.ResourceFacets{}, err
	}
	return s.Store.ResourceFacets(ctx, p.Org.ID)
}

// addCosts sums each view's billed cost in the period from the cost store
// (the lines whose resource ID is the resource's, in any case: exports
// spell Azure IDs either way, so the sums are taken over every resource
// and matched in lower case rather than filtered by exact ID).
func (s *Service) addCosts(ctx context.Context, orgID string, period Period, views []View) error {
	if len(views) == 0 {
		return nil
	}
	sums, err := s.costByResource(ctx, orgID, period)
	if err != nil {
		return err
	}
	for i := range views {
		views[i].Cost = sums[strings.ToLower(views[i].ResourceID)]
	}
	return nil
}

// costByResource sums the billed cost per lowercased resource ID and
// currency.
func (s *Service) costByResource(ctx context.Context, orgID string, period Period) (map[string][]Money, error) {
	var q costs.Querier = s.Costs
	if s.Reads != nil {
		q = s.Reads
	}
	rows, err := q.Aggregate(ctx, orgID, costs.Query{From: period.From, To: period.To, GroupBy: costs.DimResource})
	if err != nil {
		return nil, err
	}
	sums := map[string]map[domain.Currency]domain.Amount{}
	for _, row := range rows {
		if row.Group == costs.NoValue {
			continue
		}
		key := strings.ToLower(row.Group)
		if sums[key] == nil {
			sums[key] = map[domain.Currency]domain.Amount{}
		}
		cur := domain.Currency(row.Currency)
		if sums[key][cur], err = sums[key][cur].Add(row.Measures.Billed); err != nil {
			return nil, err
		}
	}
	out := make(map[string][]Money, len(sums))
	for key, m := range sums {
		out[key] = moneyList(m)
	}
	return out, nil
}

// moneyList orders per-currency amounts by currency.
func moneyList(m map[domain.Currency]domain.Amount) []Money {
	out := make([]Money, 0, len(m))
	for cur, a := range m {
		out = append(out, Money{Amount: a, Currency: cur})
	}
	slices.SortFunc(out, func(a, b Money) int { return strings.Compare(string(a.Currency), string(b.Currency)) })
	return out
}
