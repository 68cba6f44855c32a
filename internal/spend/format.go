package spend

import (
	"strings"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/domain"
)

// displayContext rounds for display only: half away from zero, as on an
// invoice.
var displayContext = func() *apd.Context {
	c := apd.BaseContext.WithPrecision(60)
	c.Rounding = apd.RoundHalfUp
	return c
}()

// MinorUnits is a currency's digits after the decimal point (2 for
// unknown codes).
func MinorUnits(cur domain.Currency) int {
	if info, ok := cur.Info(); ok {
		return info.MinorUnits
	}
	return 2
}

// Round is a plain decimal rounded to the currency's minor unit
// ("1234.50", "-3", "1000"): for CSV cells and chart data.
func Round(a domain.Amount, cur domain.Currency) string {
	var d apd.Decimal
	if _, err := displayContext.Quantize(&d, a.Decimal(), -int32(MinorUnits(cur))); err != nil {
		return a.String()
	}
	if d.IsZero() {
		d.Negative = false // no "-0.00"
	}
	return d.Text('f')
}

// Display is Round with thousands separators ("1,234.50").
func Display(a domain.Amount, cur domain.Currency) string {
	s := Round(a, cur)
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if hasFrac {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return sign + b.String()
}
