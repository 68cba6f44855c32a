package partner

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Amounts are exact fixed-point integers: a value and its number of
// decimals. Licence amounts use 6 decimals (cents × 4-decimal billable
// quantity), usage amounts 8 (4-decimal price × 4-decimal quantity).
// Nothing here is ever a float.

// pow10 returns 10^n for small n.
func pow10(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}

// decimal formats v with scale decimals, trimming trailing zeros
// ("6.245", "36", "-0.5").
func decimal(v int64, scale int) string {
	neg := v < 0
	if neg {
		v = -v
	}
	s := strconv.FormatInt(v, 10)
	if scale > 0 {
		for len(s) <= scale {
			s = "0" + s
		}
		s = s[:len(s)-scale] + "." + s[len(s)-scale:]
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if neg && s != "0" {
		s = "-" + s
	}
	return s
}

// number is decimal as a JSON number, the way Partner Center sends
// amounts (e.g. 431.8, 6.245).
func number(v int64, scale int) json.Number { return json.Number(decimal(v, scale)) }

// cents formats an amount in cents with exactly two decimals, for the Go
// API's totals ("1234.50").
func cents(v int64) string {
	s := decimal(v, 2)
	if i := strings.IndexByte(s, '.'); i < 0 {
		return s + ".00"
	} else if len(s)-i == 2 {
		return s + "0"
	}
	return s
}

// roundHalfAway rounds v (scale decimals) to to decimals, ties away from
// zero, as the invoice states each line's subtotal and tax.
func roundHalfAway(v int64, scale, to int) int64 {
	if scale <= to {
		return v * pow10(to-scale)
	}
	d := pow10(scale - to)
	q, r := v/d, v%d
	if r < 0 {
		r = -r
	}
	if 2*r >= d {
		if v < 0 {
			q--
		} else {
			q++
		}
	}
	return q
}

// roundDown truncates v (scale decimals) to to decimals toward zero, the
// ROUNDDOWN of Partner Center's usage subtotal formula.
func roundDown(v int64, scale, to int) int64 {
	if scale <= to {
		return v * pow10(to-scale)
	}
	return v / pow10(scale-to)
}
