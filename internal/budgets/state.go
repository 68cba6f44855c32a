package budgets

import (
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/domain"
)

var hundred = apd.New(100, 0)

// totals sets spent, forecast, their percentages of the amount and which
// thresholds are crossed.
func (st *Status) totals(actual, forecast *apd.Decimal) error {
	if forecast.Cmp(actual) < 0 { // today's partial data can exceed the forecast of the days before
		forecast = actual
	}
	var err error
	if st.Spent, err = domain.AmountFromDecimal(actual); err != nil {
		return err
	}
	if st.Forecast, err = domain.AmountFromDecimal(forecast); err != nil {
		return err
	}
	amount := st.Budget.Amount.Decimal()
	st.PercentSpent, st.PercentForecast = percentOf(actual, amount), percentOf(forecast, amount)
	for _, t := range st.Budget.Thresholds {
		basis := actual
		if t.Basis == BasisForecast {
			basis = forecast
		}
		crossed, err := crosses(basis, amount, t.Percent)
		if err != nil {
			return err
		}
		st.Thresholds = append(st.Thresholds, ThresholdStatus{Threshold: t, Crossed: crossed})
	}
	return nil
}

// crosses reports whether v ≥ percent% of amount, exactly.
func crosses(v, amount *apd.Decimal, percent string) (bool, error) {
	p, _, err := apd.NewFromString(percent)
	if err != nil {
		return false, err
	}
	limit := new(apd.Decimal)
	if _, err := calc.Mul(limit, amount, p); err != nil {
		return false, err
	}
	if _, err := calc.Quo(limit, limit, hundred); err != nil {
		return false, err
	}
	return v.Cmp(limit) >= 0, nil
}

// percentOf is v as a percentage of amount, one decimal.
func percentOf(v, amount *apd.Decimal) string {
	if amount.Sign() == 0 {
		return "0.0"
	}
	r := new(apd.Decimal)
	_, _ = calc.Mul(r, v, hundred)
	_, _ = calc.Quo(r, r, amount)
	_, _ = calc.Quantize(r, r, -1)
	return r.Text('f')
}

// state sums up the period.
func state(st Status, today time.Time) string {
	switch {
	case today.Before(st.PeriodStart):
		return StateNotStarted
	case st.Spent.Cmp(st.Budget.Amount) > 0:
		return StateOver
	case st.Forecast.Cmp(st.Budget.Amount) > 0:
		return StateAtRisk
	}
	for _, t := range st.Thresholds {
		if t.Crossed {
			return StateWarning
		}
	}
	return StateOnTrack
}

// StateLabel names a state for people.
func StateLabel(s string) string {
	switch s {
	case StateWarning:
		return "Threshold crossed"
	case StateAtRisk:
		return "Forecast over budget"
	case StateOver:
		return "Over budget"
	case StateNotStarted:
		return "Not started"
	case StateError:
		return "Cannot compute"
	}
	return "On track"
}

// Bar is a percentage clamped to 0–100 for a progress bar's width.
func Bar(percent string) int {
	d, _, err := apd.NewFromString(percent)
	if err != nil {
		return 0
	}
	if d.Cmp(hundred) > 0 {
		return 100
	}
	r := new(apd.Decimal)
	if _, err := calc.Quantize(r, d, 0); err != nil {
		return 0
	}
	i, _ := r.Int64()
	return int(min(max(i, 0), 100))
}
