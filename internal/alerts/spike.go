package alerts

import (
	"strconv"
	"strings"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/domain"
)

// calc is the precision of the statistics (exact inputs, 20 digits out).
var calc = apd.BaseContext.WithPrecision(20)

// minBaselineDays is how many of the trailing days must have cost: a
// scope that only began spending has no average to compare with yet.
const minBaselineDays = TrailingDays / 2

// SpikeFinding is a day whose cost stands out from its trailing days.
type SpikeFinding struct {
	Amount, Mean, StdDev *apd.Decimal
	Ratio                string // amount / mean to one decimal ("3.1"); "" when the mean is 0
	Severity             string
}

// sigmas is how many standard deviations a sensitivity asks for: low
// reports only large spikes, high also smaller ones. A positive number is
// taken as is.
func sigmas(sensitivity string) (*apd.Decimal, error) {
	switch strings.TrimSpace(sensitivity) {
	case SensitivityLow:
		return apd.New(4, 0), nil
	case SensitivityMedium, "":
		return apd.New(3, 0), nil
	case SensitivityHigh:
		return apd.New(2, 0), nil
	}
	d, _, err := apd.NewFromString(strings.TrimSpace(sensitivity))
	if err != nil || d.Sign() <= 0 || d.Cmp(apd.New(100, 0)) > 0 {
		return nil, domain.FieldError("sensitivity", "Sensitivity is low, medium, high or a number of standard deviations between 0 and 100.")
	}
	return d, nil
}

// DetectSpike compares day with the trailing days before it: a spike is
// a day above mean + k·σ (σ the population standard deviation of the
// trailing days) whose excess over the mean is at least minExcess.
func DetectSpike(trailing []domain.Amount, day domain.Amount, sensitivity string, minExcess domain.Amount) (SpikeFinding, bool, error) {
	k, err := sigmas(sensitivity)
	if err != nil {
		return SpikeFinding{}, false, err
	}
	mean, sd, n := stats(trailing)
	if n < minBaselineDays {
		return SpikeFinding{}, false, nil
	}
	amt := day.Decimal()
	limit, excess := new(apd.Decimal), new(apd.Decimal)
	_, _ = calc.Mul(limit, k, sd)
	_, _ = calc.Add(limit, limit, mean)
	_, _ = calc.Sub(excess, amt, mean)
	if amt.Cmp(limit) <= 0 || excess.Sign() <= 0 || excess.Cmp(minExcess.Decimal()) < 0 {
		return SpikeFinding{}, false, nil
	}
	f := SpikeFinding{Amount: amt, Mean: mean, StdDev: sd, Severity: SeverityCritical}
	if mean.Sign() > 0 {
		ratio := new(apd.Decimal)
		_, _ = calc.Quo(ratio, amt, mean)
		_, _ = calc.Quantize(ratio, ratio, -1)
		f.Ratio = ratio.Text('f')
		f.Severity = spikeSeverity(ratio)
	}
	return f, true, nil
}

// stats is the mean and population standard deviation of the amounts,
// and how many of them are non-zero.
func stats(xs []domain.Amount) (mean, sd *apd.Decimal, nonZero int) {
	mean, sd = new(apd.Decimal), new(apd.Decimal)
	if len(xs) == 0 {
		return mean, sd, 0
	}
	n := apd.New(int64(len(xs)), 0)
	for _, x := range xs {
		_, _ = calc.Add(mean, mean, x.Decimal())
		if !x.IsZero() {
			nonZero++
		}
	}
	_, _ = calc.Quo(mean, mean, n)
	sq := new(apd.Decimal)
	for _, x := range xs {
		d := new(apd.Decimal)
		_, _ = calc.Sub(d, x.Decimal(), mean)
		_, _ = calc.Mul(d, d, d)
		_, _ = calc.Add(sq, sq, d)
	}
	_, _ = calc.Quo(sq, sq, n)
	_, _ = calc.Sqrt(sd, sq)
	return mean, sd, nonZero
}

// spikeSeverity: three times the average or more is critical, one and a
// half times a warning, less is information.
func spikeSeverity(ratio *apd.Decimal) string {
	switch {
	case ratio.Cmp(apd.New(3, 0)) >= 0:
		return SeverityCritical
	case ratio.Cmp(apd.New(15, -1)) >= 0:
		return SeverityWarning
	}
	return SeverityInfo
}

// money shows an exact amount rounded half-even to cents ("412.10").
func money(d *apd.Decimal) string {
	r := new(apd.Decimal)
	_, _ = calc.Quantize(r, d, -2)
	return r.Text('f')
}

// sigmaText shows k for messages ("3" or "2.5").
func sigmaText(sensitivity string) string {
	k, err := sigmas(sensitivity)
	if err != nil {
		return sensitivity
	}
	if i, err := k.Int64(); err == nil {
		return strconv.FormatInt(i, 10)
	}
	return k.Text('f')
}

var hundred = apd.New(100, 0)

func newDec() *apd.Decimal { return new(apd.Decimal) }
