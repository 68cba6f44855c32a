package azbilling

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Amounts are int64 micro-units (1e-6 of the currency unit): exact, and
// fine enough for the many decimals Cost Management sends.
const microPerUnit = 1_000_000

// formatMicro renders micro-units as a plain decimal ("12.5", "-0.000001",
// "3"); it is what goes on the wire as a JSON number and what DailyCost
// returns, so both agree to the last digit.
func formatMicro(m int64) string {
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	s := fmt.Sprintf("%d.%06d", m/microPerUnit, m%microPerUnit)
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	return sign + s
}

// ParseMicro parses a decimal string as formatMicro writes it (up to six
// decimals) back into micro-units; tests use it to sum amounts exactly.
func ParseMicro(s string) (int64, error) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 6 {
		return 0, fmt.Errorf("azbilling: %q has more than six decimals", s)
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, err
	}
	f := int64(0)
	if frac != "" {
		if f, err = strconv.ParseInt(frac+strings.Repeat("0", 6-len(frac)), 10, 64); err != nil {
			return 0, err
		}
	}
	m := w*microPerUnit + f
	if neg {
		m = -m
	}
	return m, nil
}

// hashN returns a deterministic number in [0, n) from the seed and parts.
func hashN(seed int64, n int64, parts ...string) int64 {
	h := sha256.New()
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(seed))
	h.Write(b[:])
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	v := binary.BigEndian.Uint64(h.Sum(nil)[:8]) >> 1
	return int64(v % uint64(n))
}

// day truncates t to its UTC date.
func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func dateKey(t time.Time) string { return t.Format("2006-01-02") }

// usdRate is a fixed conversion into USD (per unit, in micro-units) for the
// CostUSD column; the sandbox has no FX market.
var usdRate = map[string]int64{
	"USD": 1_000_000, "EUR": 1_080_000, "GBP": 1_270_000, "CHF": 1_130_000,
	"JPY": 6_700, "CAD": 730_000, "AUD": 660_000, "SEK": 95_000, "DKK": 145_000,
	"NOK": 93_000, "INR": 12_000, "BRL": 200_000,
}

func toUSD(m int64, currency string) int64 {
	rate, ok := usdRate[currency]
	if !ok {
		rate = microPerUnit
	}
	// round half away from zero
	p := m * rate
	if p >= 0 {
		return (p + microPerUnit/2) / microPerUnit
	}
	return (p - microPerUnit/2) / microPerUnit
}
