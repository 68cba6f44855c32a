package budgets

import (
	"context"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// States of a budget in its current period.
const (
	StateOnTrack    = "on_track"
	StateWarning    = "warning"     // a threshold is crossed
	StateAtRisk     = "at_risk"     // the forecast exceeds the amount
	StateOver       = "over"        // actual spend exceeds the amount
	StateNotStarted = "not_started" // a custom period in the future
	StateError      = "error"       // spend could not be computed (e.g. a missing exchange rate)
)

// historyDays is how far before the period the forecast's history reaches.
const historyDays = 7 * maxHistoryWeeks

// Status is a budget's current period: spend so far, forecast, thresholds.
type Status struct {
	Budget          Budget            `json:"budget"`
	PeriodStart     time.Time         `json:"period_start"`
	PeriodEnd       time.Time         `json:"period_end"` // exclusive
	AsOf            time.Time         `json:"as_of"`
	DataThrough     *time.Time        `json:"data_through"` // last day with cost in the scope
	Spent           domain.Amount     `json:"spent"`
	Forecast        domain.Amount     `json:"forecast"`
	PercentSpent    string            `json:"percent_spent"`
	PercentForecast string            `json:"percent_forecast"`
	State           string            `json:"state"`
	Error           string            `json:"error,omitempty"`
	cause           error             // what Error says, with the internals a log needs
	Method          string            `json:"forecast_method"`
	MethodNote      string            `json:"forecast_note"`
	Thresholds      []ThresholdStatus `json:"thresholds"`
	Days            []DayPoint        `json:"days"`
}

// ThresholdStatus says whether a threshold is crossed now and when it
// fired in this period.
type ThresholdStatus struct {
	Threshold
	Crossed bool       `json:"crossed"`
	FiredAt *time.Time `json:"fired_at"`
}

// DayPoint is one day of the chart: cumulative actual (through the last
// day with data) and cumulative forecast (from that day on).
type DayPoint struct {
	Day      time.Time      `json:"day"`
	Actual   *domain.Amount `json:"actual"`
	Forecast *domain.Amount `json:"forecast"`
}

// status computes b's current period as of now.
func (s *Service) status(ctx context.Context, b store.Budget, label string, now time.Time) Status {
	today := midnight(now)
	start, end := PeriodAt(b.Period, b.StartDate, b.EndDate, today)
	st := Status{Budget: view(b, label), PeriodStart: start, PeriodEnd: end, AsOf: today, State: StateOnTrack,
		Thresholds: []ThresholdStatus{}, Days: []DayPoint{}}
	if err := s.fill(ctx, b, &st); err != nil {
		st.State, st.Error, st.cause = StateError, domain.ErrorMessage(err), err
		return st
	}
	st.State = state(st, today)
	return st
}

// fill computes spend, forecast, percentages, thresholds and the chart.
func (s *Service) fill(ctx context.Context, b store.Budget, st *Status) error {
	to := earliest(st.AsOf.AddDate(0, 0, 1), st.PeriodEnd)
	from := st.PeriodStart.AddDate(0, 0, -historyDays)
	if !from.Before(to) {
		to = from.AddDate(0, 0, 1) // a period wholly in the future: history only
	}
	byDay, err := s.daily(ctx, b, from, to)
	if err != nil {
		return err
	}
	first, last, ok := dataRange(byDay)
	if ok {
		st.DataThrough = &last
	} else {
		last = st.PeriodStart.AddDate(0, 0, -1) // forecast (nothing) from the start
	}
	// Forecast every day after the last with data (also days before
	// today whose data has not arrived yet), then keep those in the period.
	pred, err := Forecast(series(byDay, first, last, ok), last, max(days(last, st.PeriodEnd)-1, 0))
	if err != nil {
		return err
	}
	st.Method, st.MethodNote = pred.Method, pred.Note
	inPeriod := max(days(latest(last.AddDate(0, 0, 1), st.PeriodStart), st.PeriodEnd), 0)
	return st.chart(byDay, last, pred.Daily[len(pred.Daily)-inPeriod:])
}

func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// dataRange is the first and last day with any cost.
func dataRange(byDay map[time.Time]*apd.Decimal) (first, last time.Time, ok bool) {
	for d := range byDay {
		if !ok || d.Before(first) {
			first = d
		}
		if !ok || d.After(last) {
			last = d
		}
		ok = true
	}
	return first, last, ok
}

// series lists the days [first, last], zero where no cost was charged.
func series(byDay map[time.Time]*apd.Decimal, first, last time.Time, ok bool) []*apd.Decimal {
	if !ok {
		return nil
	}
	out := make([]*apd.Decimal, 0, days(first, last)+1)
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		if v := byDay[d]; v != nil {
			out = append(out, v)
		} else {
			out = append(out, new(apd.Decimal))
		}
	}
	return out
}

// chart accumulates actual spend over the period's days through last and
// continues with the forecast (daily: the days after last in the period).
func (st *Status) chart(byDay map[time.Time]*apd.Decimal, last time.Time, daily []*apd.Decimal) error {
	actual, fc := new(apd.Decimal), new(apd.Decimal)
	i := 0
	for d := st.PeriodStart; d.Before(st.PeriodEnd); d = d.AddDate(0, 0, 1) {
		p := DayPoint{Day: d}
		if !d.After(last) {
			if v := byDay[d]; v != nil {
				if _, err := calc.Add(actual, actual, v); err != nil {
					return err
				}
			}
			a, err := domain.AmountFromDecimal(actual)
			if err != nil {
				return err
			}
			p.Actual = &a
			fc.Set(actual)
		} else if i < len(daily) {
			if _, err := calc.Add(fc, fc, daily[i]); err != nil {
				return err
			}
			i++
		}
		if !d.Before(last) {
			f, err := domain.AmountFromDecimal(fc)
			if err != nil {
				return err
			}
			p.Forecast = &f
		}
		st.Days = append(st.Days, p)
	}
	return st.totals(actual, fc)
}
