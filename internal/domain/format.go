package domain

import (
	"strings"

	"github.com/cockroachdb/apd/v3"
)

// RoundMinor rounds a to the currency's minor unit (two digits for an
// unknown code), half away from zero, as invoices round.
func RoundMinor(a Amount, cur string) (Amount, error) {
	c := apd.BaseContext.WithPrecision(40)
	c.Rounding = apd.RoundHalfUp
	var q apd.Decimal
	if _, err := c.Quantize(&q, a.Decimal(), int32(-minorUnits(cur))); err != nil {
		return Amount{}, err
	}
	return AmountFromDecimal(&q)
}

func minorUnits(cur string) int {
	if info, ok := Currency(cur).Info(); ok {
		return info.MinorUnits
	}
	return 2
}

// FormatMoney is an amount as documents print it: rounded to the
// currency's minor unit, with thousands separators ("1,234.50"; the
// currency code is the caller's to add).
func FormatMoney(a Amount, cur string) string {
	r, err := RoundMinor(a, cur)
	if err != nil {
		return a.String()
	}
	digits := minorUnits(cur)
	s := r.Decimal().Text('f')
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	frac = (frac + strings.Repeat("0", digits))[:digits]
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := b.String()
	if digits > 0 {
		out += "." + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}

// Truncate cuts s to at most n bytes without splitting a UTF-8 sequence
// (a partly cut character is dropped), for text stored or shown with a
// length limit.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
