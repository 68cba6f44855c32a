package domain

import (
	"cmp"
	"errors"
	"fmt"
	"math/big"

	"github.com/cockroachdb/apd/v3"
)

// NanosPerUnit is the scale of Amount.Nanos: 10^-10 of a currency unit.
// Ten decimals hold every price seen in cloud billing files (which carry
// up to 10) while a sum of 10^8 lines' Nanos still fits an int64.
const NanosPerUnit = 10_000_000_000

// Amount is an exact sum of money at a fixed scale of 10^-10, kept as two
// integers so that SQL engines without a wide decimal type (SQLite) can
// store and SUM it exactly: Units whole currency units and Nanos
// 10^-10 units, with |Nanos| < NanosPerUnit and both of the same sign.
// It lives in domain because every money-handling package (costs, budgets,
// chargeback, marketplace) and the store share it. The currency travels
// beside it.
type Amount struct {
	Units int64
	Nanos int64
}

// ErrAmountRange is returned for amounts beyond ±9.2·10^18 units.
var ErrAmountRange = errors.New("amount out of range")

var pow10 = [...]int64{1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000,
	1_000_000_000, 10_000_000_000}

var roundContext = func() *apd.Context {
	c := apd.BaseContext.WithPrecision(60)
	c.Rounding = apd.RoundHalfEven
	return c
}()

// AmountFromDecimal converts an exact decimal, rounding half-even beyond
// ten decimals. d must be finite and not nil.
func AmountFromDecimal(d *apd.Decimal) (Amount, error) {
	if d == nil || d.Form != apd.Finite {
		return Amount{}, errors.New("amount: not a finite number")
	}
	// Fast path (no allocation): up to ten decimals and a coefficient that
	// fits an int64, which is nearly every line of every billing file.
	if d.Exponent <= 0 && d.Exponent >= -10 && d.Coeff.IsInt64() {
		c, p := d.Coeff.Int64(), pow10[-d.Exponent]
		a := Amount{Units: c / p, Nanos: (c % p) * pow10[10+d.Exponent]}
		if d.Negative {
			a.Units, a.Nanos = -a.Units, -a.Nanos
		}
		return a, nil
	}
	var q apd.Decimal
	if _, err := roundContext.Quantize(&q, d, -10); err != nil {
		return Amount{}, ErrAmountRange
	}
	return amountFromScaled(q.Coeff.MathBigInt(), q.Negative)
}

// amountFromScaled splits a magnitude counted in 10^-10 units.
func amountFromScaled(mag *big.Int, negative bool) (Amount, error) {
	units, nanos := new(big.Int).QuoRem(mag, big.NewInt(NanosPerUnit), new(big.Int))
	if !units.IsInt64() {
		return Amount{}, ErrAmountRange
	}
	a := Amount{Units: units.Int64(), Nanos: nanos.Int64()}
	if negative {
		a.Units, a.Nanos = -a.Units, -a.Nanos
	}
	return a, nil
}

// Decimal returns the exact value, reduced ("12.5", not "12.5000000000").
func (a Amount) Decimal() *apd.Decimal {
	var d apd.Decimal
	d.Coeff.SetInt64(a.Units)
	d.Coeff.Mul(&d.Coeff, apd.NewBigInt(NanosPerUnit))
	d.Coeff.Add(&d.Coeff, apd.NewBigInt(a.Nanos))
	if d.Coeff.Sign() < 0 {
		d.Negative = true
		d.Coeff.Neg(&d.Coeff)
	}
	d.Exponent = -10
	d.Reduce(&d)
	return &d
}

// String is the exact value in plain notation.
func (a Amount) String() string { return a.Decimal().Text('f') }

// IsZero reports a zero amount.
func (a Amount) IsZero() bool { return a.Units == 0 && a.Nanos == 0 }

// Cmp compares a with b: -1, 0 or +1 (Units and Nanos share a sign, so
// comparing them in turn is exact).
func (a Amount) Cmp(b Amount) int {
	return cmp.Or(cmp.Compare(a.Units, b.Units), cmp.Compare(a.Nanos, b.Nanos))
}

// Add returns a+b exactly, or ErrAmountRange on overflow.
func (a Amount) Add(b Amount) (Amount, error) {
	return NormalizeAmount(a.Units, b.Units, a.Nanos+b.Nanos)
}

// NormalizeAmount turns separately summed parts (units from several
// terms, and a nanos total that may exceed one unit, as SQL SUMs return
// them) into an Amount. Nanos sums of up to ~9·10^8 terms fit the int64.
func NormalizeAmount(units1, units2, nanos int64) (Amount, error) {
	carry := nanos / NanosPerUnit
	nanos -= carry * NanosPerUnit
	u, ok := add64(units1, units2)
	if ok {
		u, ok = add64(u, carry)
	}
	if !ok {
		return Amount{}, ErrAmountRange
	}
	switch {
	case u > 0 && nanos < 0:
		u, nanos = u-1, nanos+NanosPerUnit
	case u < 0 && nanos > 0:
		u, nanos = u+1, nanos-NanosPerUnit
	}
	return Amount{Units: u, Nanos: nanos}, nil
}

func add64(a, b int64) (int64, bool) {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		return 0, false
	}
	return s, true
}

// MarshalText writes the exact value ("12.5"), so JSON carries a string.
func (a Amount) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText reads an exact decimal string.
func (a *Amount) UnmarshalText(b []byte) error {
	d, _, err := apd.NewFromString(string(b))
	if err != nil {
		return fmt.Errorf("amount %q: %w", b, err)
	}
	*a, err = AmountFromDecimal(d)
	return err
}
