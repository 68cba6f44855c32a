package recommend

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/fx"
	"github.com/canopyhq/canopy/internal/store"
)

// MeasureDays is the length of the windows before and after a
// recommendation was done whose average daily costs are compared; the
// difference is scaled to a month of MonthDays days.
const (
	MeasureDays = 30
	MonthDays   = 30
)

const day = 24 * time.Hour

// realised measures a done recommendation: the average daily effective
// cost of what it concerns (its resource, or its licences' cost SKUs) in
// the MeasureDays before the day it was done against the MeasureDays
// after that day, times MonthDays. It is not measurable until cost data
// covers the whole window after.
func (s *Service) realised(ctx context.Context, org domain.Org, r store.Recommendation) (Realised, error) {
	done := r.DoneAt.UTC().Truncate(day)
	re := Realised{Currency: string(org.ReportingCurrency), BeforeFrom: done.AddDate(0, 0, -MeasureDays), BeforeTo: done,
		AfterFrom: done.AddDate(0, 0, 1), AfterTo: done.AddDate(0, 0, 1+MeasureDays)}
	filter, what, err := s.measuredCost(ctx, org.ID, r)
	if err != nil || filter == nil {
		re.Basis = what
		return re, err
	}
	through, err := s.dataThrough(ctx, org.ID)
	if err != nil {
		return re, err
	}
	if last := re.AfterTo.AddDate(0, 0, -1); through.Before(last) {
		re.Basis = fmt.Sprintf("Not measurable yet: the window after is %s to %s and cost data reaches %s.",
			re.AfterFrom.Format(time.DateOnly), last.Format(time.DateOnly), dateOr(through))
		return re, nil
	}
	before, after, err := s.windowAverages(ctx, org, filter, re)
	if err != nil {
		re.Error = err.Error()
		return re, nil
	}
	diff := new(apd.Decimal)
	_, _ = calc.Sub(diff, before, after)
	_, _ = calc.Mul(diff, diff, apd.New(MonthDays, 0))
	b, _ := domain.AmountFromDecimal(before)
	a, _ := domain.AmountFromDecimal(after)
	m, err := domain.AmountFromDecimal(diff)
	if err != nil {
		return re, err
	}
	re.Measurable, re.BeforeDaily, re.AfterDaily, re.Monthly = true, &b, &a, &m
	re.Basis = fmt.Sprintf("Effective cost of %s: %s %s a day on average before, %s after; the difference × %d days.",
		what, display(b, org.ReportingCurrency), org.ReportingCurrency, display(a, org.ReportingCurrency), MonthDays)
	return re, nil
}

func dateOr(t time.Time) string {
	if t.IsZero() {
		return "no day yet"
	}
	return t.Format(time.DateOnly)
}

// measuredCost is the cost filter of what r concerns and its description;
// a nil filter means it cannot be measured (the description says why).
func (s *Service) measuredCost(ctx context.Context, orgID string, r store.Recommendation) (*costs.Filter, string, error) {
	if seats := decodeSeats(r.Licences); len(seats) > 0 {
		prices, err := s.Store.ListLicencePrices(ctx, orgID)
		if err != nil {
			return nil, "", err
		}
		bySKU := map[string]string{}
		for _, p := range prices {
			bySKU[p.SkuPartNumber] = p.CostSKU
		}
		f := &costs.Filter{Dim: costs.DimSKU}
		for _, st := range seats {
			c := bySKU[st.SkuPartNumber]
			if c == "" {
				return nil, fmt.Sprintf("Not measurable: %s has no cost SKU in Allocation > Licence prices, so its cost lines are unknown.", st.SkuPartNumber), nil
			}
			f.Values = appendNew(f.Values, c)
		}
		return f, "the cost lines of SKU " + strings.Join(f.Values, ", "), nil
	}
	if r.ResourceID == "" {
		return nil, "Not measurable: the recommendation names no resource whose cost could be compared.", nil
	}
	f := &costs.Filter{Dim: costs.DimResource, Values: appendNew([]string{r.ResourceID}, strings.ToLower(r.ResourceID))}
	return f, "resource " + r.ResourceID, nil
}

// dataThrough is the last charge day any of the organisation's cost data
// reaches.
func (s *Service) dataThrough(ctx context.Context, orgID string) (time.Time, error) {
	fr, err := s.Costs.Freshness(ctx, orgID)
	var last time.Time
	for _, f := range fr {
		if f.DataThrough.After(last) {
			last = f.DataThrough.UTC()
		}
	}
	return last, err
}

// windowAverages are the average daily costs (reporting currency) of the
// windows before and after; a missing exchange rate is an error.
func (s *Service) windowAverages(ctx context.Context, org domain.Org, f *costs.Filter, re Realised) (*apd.Decimal, *apd.Decimal, error) {
	rates, err := s.Store.ListRates(ctx, org.ID, re.BeforeFrom.Add(-fx.Lookback), re.AfterTo)
	if err != nil {
		return nil, nil, err
	}
	conv := fx.NewConverter(rates)
	var out [2]*apd.Decimal
	for i, w := range [][2]time.Time{{re.BeforeFrom, re.BeforeTo}, {re.AfterFrom, re.AfterTo}} {
		rows, err := s.Costs.Aggregate(ctx, org.ID, costs.Query{From: w[0], To: w[1], Filters: []costs.Filter{*f}})
		if err != nil {
			return nil, nil, err
		}
		sum := new(apd.Decimal)
		for _, row := range rows {
			v, _, err := conv.Convert(row.Measures.Effective.Decimal(), domain.Currency(row.Currency), org.ReportingCurrency, row.Day)
			if err != nil {
				return nil, nil, fmt.Errorf("cannot convert to %s: %w", org.ReportingCurrency, err)
			}
			_, _ = calc.Add(sum, sum, v)
		}
		out[i] = new(apd.Decimal)
		_, _ = calc.Quo(out[i], sum, apd.New(MeasureDays, 0))
	}
	return out[0], out[1], nil
}
