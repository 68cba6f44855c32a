package alerts

import (
	"context"
	"fmt"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/spend"
	"github.com/canopyhq/canopy/internal/store"
)

// evaluateSpike looks at each of the LookbackDays days before today, per
// value of the rule's split dimension (or the scope as a whole), against
// the TrailingDays before it, in the reporting currency.
func (s *Service) evaluateSpike(ctx context.Context, sys *auth.Principal, r store.AlertRule, today time.Time) ([]store.Alert, error) {
	from := today.AddDate(0, 0, -LookbackDays-TrailingDays)
	req := spend.Request{Query: costs.Query{From: from, To: today, GroupBy: costs.Dim(r.Split)},
		Granularity: spend.Day, Metric: costs.MetricBilled, Mode: spend.Reporting, Top: 1}
	if r.ScopeDim != "" {
		req.Filters = []costs.Filter{{Dim: costs.Dim(r.ScopeDim), Values: []string{r.ScopeValue}}}
	}
	res, err := s.Spend.Explore(ctx, sys, req)
	if err != nil {
		return nil, err
	}
	var min domain.Amount
	if err := min.UnmarshalText([]byte(r.MinAmount)); err != nil {
		return nil, fmt.Errorf("min_amount %q: %w", r.MinAmount, err)
	}
	var out []store.Alert
	for _, b := range res.Blocks {
		for _, series := range b.Series {
			list, err := spikesIn(r, series, string(b.Currency), from, min)
			if err != nil {
				return nil, err
			}
			out = append(out, list...)
		}
	}
	return out, nil
}

// spikesIn checks the last LookbackDays amounts of one series (day i is
// from + i days).
func spikesIn(r store.AlertRule, ser spend.Series, currency string, from time.Time, min domain.Amount) ([]store.Alert, error) {
	var out []store.Alert
	for i := TrailingDays; i < len(ser.Amounts); i++ {
		f, ok, err := DetectSpike(ser.Amounts[i-TrailingDays:i], ser.Amounts[i], r.Sensitivity, min)
		if err != nil || !ok {
			if err != nil {
				return nil, err
			}
			continue
		}
		day := from.AddDate(0, 0, i)
		out = append(out, spikeAlert(r, ser, currency, day, f))
	}
	return out, nil
}

func spikeAlert(r store.AlertRule, ser spend.Series, currency string, day time.Time, f SpikeFinding) store.Alert {
	a := store.Alert{RuleID: r.ID, RuleName: r.Name, Kind: KindSpike, Day: day, Severity: f.Severity,
		Amount: money(f.Amount), Baseline: money(f.Mean), Currency: currency}
	where := "in total"
	filters := []string{}
	if r.ScopeDim != "" {
		filters = append(filters, r.ScopeDim+":"+r.ScopeValue)
		where = "on " + r.ScopeValue
	}
	if r.Split != "" {
		a.SubjectDim, a.Subject, a.SubjectLabel = r.Split, ser.Group, ser.Label
		if a.SubjectLabel == "" {
			a.SubjectLabel = spend.NoValueLabel
		}
		filters = append(filters, r.Split+":"+ser.Group)
		where = "on " + a.SubjectLabel
	} else if r.ScopeDim != "" {
		a.SubjectDim, a.Subject, a.SubjectLabel = r.ScopeDim, r.ScopeValue, r.ScopeValue
	}
	times := "above"
	if f.Ratio != "" {
		times = f.Ratio + "× "
	}
	a.Message = fmt.Sprintf("%s: %s %s %s, %sthe %d-day average of %s %s (more than %s standard deviations above it).",
		day.Format("Monday 2 Jan"), a.Amount, currency, where, times, TrailingDays, a.Baseline, currency, sigmaText(r.Sensitivity))
	a.Link = exploreURL(day.AddDate(0, 0, -TrailingDays), day.AddDate(0, 0, 1), r.Split, filters...)
	return a
}
