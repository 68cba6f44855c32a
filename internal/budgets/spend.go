package budgets

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/fx"
	"github.com/canopyhq/canopy/internal/store"
)

// GroupAggregator sums costs by custom group with descendants (the
// allocation service), as the explorer's custom_group dimension does.
type GroupAggregator interface {
	Aggregate(ctx context.Context, orgID string, q costs.Query) ([]costs.AggRow, error)
}

// query is the cost query of a budget's scope over [from, to).
func query(b store.Budget, from, to time.Time) costs.Query {
	q := costs.Query{From: from, To: to}
	switch b.ScopeKind {
	case ScopeGroup:
		// Grouped by custom group with no other filter, the allocation
		// service answers from its stored results; the filter includes
		// the groups below this one.
		q.Filters, q.GroupBy = []costs.Filter{{Dim: costs.DimGroup, Values: []string{b.ScopeValue}}}, costs.DimGroup
	case ScopeProvider:
		q.Filters = []costs.Filter{{Dim: costs.DimProvider, Values: []string{b.ScopeValue}}}
	case ScopeSubAccount:
		q.Filters = []costs.Filter{{Dim: costs.DimSubAccount, Values: []string{b.ScopeValue}}}
	}
	return q
}

// daily sums the budget's metric per charge day in [from, to), converted
// to the budget currency at each day's rate. A missing rate is an error
// (ErrNoRate wraps it), never a guess.
func (s *Service) daily(ctx context.Context, b store.Budget, from, to time.Time) (map[time.Time]*apd.Decimal, error) {
	q := query(b, from, to)
	var rows []costs.AggRow
	var err error
	if q.UsesGroups() {
		rows, err = s.Groups.Aggregate(ctx, b.OrgID, q)
	} else {
		rows, err = s.Costs.Aggregate(ctx, b.OrgID, q)
	}
	if err != nil {
		return nil, err
	}
	conv, err := s.FX.Converter(ctx, b.OrgID, from, to)
	if err != nil {
		return nil, err
	}
	out := map[time.Time]*apd.Decimal{}
	metric := costs.Metric(b.Metric)
	for _, r := range rows {
		v, _, err := conv.Convert(metric.Of(r.Measures).Decimal(), domain.Currency(r.Currency), domain.Currency(b.Currency), r.Day)
		var missing *fx.MissingRateError
		if errors.As(err, &missing) {
			return nil, &domain.Error{Code: domain.CodeInvalid, Message: fmt.Sprintf("Spend in %s cannot be converted to %s: %s. Add the rate in Settings → Currency.",
				r.Currency, b.Currency, missing.Error())}
		}
		if err != nil {
			return nil, err
		}
		day := midnight(r.Day)
		if out[day] == nil {
			out[day] = new(apd.Decimal)
		}
		if _, err := calc.Add(out[day], out[day], v); err != nil {
			return nil, err
		}
	}
	return out, nil
}
