package budgets

import (
	"fmt"
	"time"

	"github.com/cockroachdb/apd/v3"
)

// Forecast methods.
const (
	MethodSeasonal = "Weekly seasonal: day-of-week factors × trailing weekly level and trend"
	MethodRunRate  = "Run rate: average of the last days"
	MethodNone     = "None: no spend recorded yet"
)

// Forecast tuning: a weekly pattern needs two full weeks; at most eight
// weeks of history count, so old behaviour fades out.
const (
	minSeasonalDays = 14
	maxHistoryWeeks = 8
	runRateDays     = 7
)

// calc is the arithmetic of forecasts: 34 significant digits, as fx uses.
var calc = apd.BaseContext.WithPrecision(34)

// Prediction is a forecast of the days after the history.
type Prediction struct {
	Method string
	// Note says which history the method used, for the UI.
	Note  string
	Daily []*apd.Decimal // one amount per forecast day, in order
}

// Forecast predicts the next n days after history (daily amounts, oldest
// first, the last on lastDay).
//
// With two weeks or more it multiplies a trailing level and trend by
// day-of-week factors: over the last W full weeks (W ≤ 8), the factor of
// a weekday is its share of the window's total times 7; the level is the
// last week's mean (a full week, so free of the weekly pattern), centred
// three days before lastDay; the trend is the change from the window's
// first week's mean to the last week's, per day. Day h after lastDay is
// (level + trend·(h+3)) × factor(weekday), never below zero.
// With less history it repeats the mean of the last (up to) seven days.
func Forecast(history []*apd.Decimal, lastDay time.Time, n int) (Prediction, error) {
	switch {
	case len(history) == 0:
		return Prediction{Method: MethodNone, Note: "No cost has been recorded for this scope yet, so nothing is forecast.", Daily: zeros(n)}, nil
	case len(history) < minSeasonalDays:
		return runRate(history, n)
	}
	return seasonal(history, lastDay, n)
}

func zeros(n int) []*apd.Decimal {
	out := make([]*apd.Decimal, n)
	for i := range out {
		out[i] = new(apd.Decimal)
	}
	return out
}

func sum(xs []*apd.Decimal) (*apd.Decimal, error) {
	total := new(apd.Decimal)
	for _, x := range xs {
		if _, err := calc.Add(total, total, x); err != nil {
			return nil, err
		}
	}
	return total, nil
}

func runRate(history []*apd.Decimal, n int) (Prediction, error) {
	k := min(len(history), runRateDays)
	total, err := sum(history[len(history)-k:])
	if err != nil {
		return Prediction{}, err
	}
	level := new(apd.Decimal)
	if _, err := calc.Quo(level, total, apd.New(int64(k), 0)); err != nil {
		return Prediction{}, err
	}
	out := make([]*apd.Decimal, n)
	for i := range out {
		out[i] = clampZero(level)
	}
	return Prediction{Method: MethodRunRate, Daily: out,
		Note: fmt.Sprintf("Average of the last %d day(s): only %d day(s) of history, fewer than the %d a weekly pattern needs.", k, len(history), minSeasonalDays)}, nil
}

func seasonal(history []*apd.Decimal, lastDay time.Time, n int) (Prediction, error) {
	weeks := min(len(history)/7, maxHistoryWeeks)
	window := history[len(history)-7*weeks:]
	total, err := sum(window)
	if err != nil {
		return Prediction{}, err
	}
	if total.Sign() <= 0 { // no positive spend: nothing to scale by
		return runRate(history, n)
	}
	var byDay [7]*apd.Decimal // by time.Weekday
	first := lastDay.AddDate(0, 0, -len(window)+1)
	for i, v := range window {
		wd := first.AddDate(0, 0, i).Weekday()
		if byDay[wd] == nil {
			byDay[wd] = new(apd.Decimal)
		}
		if _, err := calc.Add(byDay[wd], byDay[wd], v); err != nil {
			return Prediction{}, err
		}
	}
	lastWeek, err := sum(window[len(window)-7:])
	if err != nil {
		return Prediction{}, err
	}
	firstWeek, err := sum(window[:7])
	if err != nil {
		return Prediction{}, err
	}
	out := make([]*apd.Decimal, n)
	for h := 1; h <= n; h++ {
		v, err := seasonalDay(lastWeek, firstWeek, total, byDay[lastDay.AddDate(0, 0, h).Weekday()], weeks, h)
		if err != nil {
			return Prediction{}, err
		}
		out[h-1] = v
	}
	return Prediction{Method: MethodSeasonal, Daily: out,
		Note: fmt.Sprintf("Fitted on the last %d full weeks (%s to %s).", weeks, first.Format(time.DateOnly), lastDay.Format(time.DateOnly))}, nil
}

// seasonalDay computes (lastWeek + (lastWeek−firstWeek)·(h+3)/(7(W−1))) ×
// weekdaySum / total, which is (level + trend·(h+3)) × factor with the
// sevens cancelled, so a flat pattern is reproduced exactly.
func seasonalDay(lastWeek, firstWeek, total, weekdaySum *apd.Decimal, weeks, h int) (*apd.Decimal, error) {
	level := new(apd.Decimal).Set(lastWeek)
	if weeks > 1 {
		step := new(apd.Decimal)
		if _, err := calc.Sub(step, lastWeek, firstWeek); err != nil {
			return nil, err
		}
		if _, err := calc.Mul(step, step, apd.New(int64(h+3), 0)); err != nil {
			return nil, err
		}
		if _, err := calc.Quo(step, step, apd.New(int64(7*(weeks-1)), 0)); err != nil {
			return nil, err
		}
		if _, err := calc.Add(level, level, step); err != nil {
			return nil, err
		}
	}
	v := new(apd.Decimal)
	if _, err := calc.Mul(v, level, weekdaySum); err != nil {
		return nil, err
	}
	if _, err := calc.Quo(v, v, total); err != nil {
		return nil, err
	}
	return clampZero(v), nil
}

func clampZero(d *apd.Decimal) *apd.Decimal {
	if d.Sign() < 0 {
		return new(apd.Decimal)
	}
	return new(apd.Decimal).Set(d)
}
