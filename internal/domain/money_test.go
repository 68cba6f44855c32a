package domain

import (
	"testing"

	"github.com/cockroachdb/apd/v3"
)

func TestAmountFromDecimal(t *testing.T) {
	for _, c := range []struct {
		in          string
		units, nano int64
		out         string
	}{
		{"12.3456789012", 12, 3456789012, "12.3456789012"},
		{"-2.5", -2, -5000000000, "-2.5"},
		{"-0.0000000001", 0, -1, "-0.0000000001"},
		{"0.00000000005", 0, 0, "0"},                                                              // half-even: 0.5e-10 -> 0
		{"0.00000000015", 0, 2, "0.0000000002"},                                                   // half-even: 1.5e-10 -> 2
		{"-0.00000000025", 0, -2, "-0.0000000002"},                                                // half-even: -2.5e-10 -> -2
		{"0.000000000251", 0, 3, "0.0000000003"},                                                  // above half rounds up
		{"1E+3", 1000, 0, "1000"},                                                                 // positive exponent
		{"123456789012345.1234567891", 123456789012345, 1234567891, "123456789012345.1234567891"}, // big coefficient
		{"-9000000000000000000.5", -9000000000000000000, -5000000000, "-9000000000000000000.5"},
	} {
		d, _, err := apd.NewFromString(c.in)
		if err != nil {
			t.Fatal(err)
		}
		a, err := AmountFromDecimal(d)
		if err != nil || a.Units != c.units || a.Nanos != c.nano {
			t.Fatalf("%s: got %+v %v, want %d %d", c.in, a, err, c.units, c.nano)
		}
		if got := a.String(); got != c.out {
			t.Fatalf("%s: back to %s, want %s", c.in, got, c.out)
		}
	}
	big, _, _ := apd.NewFromString("1E+19")
	if _, err := AmountFromDecimal(big); err != ErrAmountRange {
		t.Fatalf("1E+19 must be out of range, got %v", err)
	}
	if _, err := AmountFromDecimal(nil); err == nil {
		t.Fatal("nil must fail")
	}
}

func TestAmountAddAndNormalize(t *testing.T) {
	a := Amount{Units: 1, Nanos: 9_000_000_000}
	b := Amount{Units: -3, Nanos: -5_000_000_000}
	sum, err := a.Add(b)
	if err != nil || sum != (Amount{Units: -1, Nanos: -6_000_000_000}) || sum.String() != "-1.6" {
		t.Fatalf("1.9 + -3.5 = %+v (%s) %v", sum, sum, err)
	}
	// As SQL returns sums: units and nanos summed separately, nanos > 1 unit.
	n, err := NormalizeAmount(5, 0, -3*NanosPerUnit-1)
	if err != nil || n != (Amount{Units: 1, Nanos: NanosPerUnit - 1}) {
		t.Fatalf("normalize: %+v %v", n, err)
	}
	if _, err := (Amount{Units: 1 << 61}).Add(Amount{Units: 1 << 61}); err != nil {
		t.Fatal(err)
	}
	if _, err := (Amount{Units: 1<<63 - 1}).Add(Amount{Units: 1}); err != ErrAmountRange {
		t.Fatalf("overflow: %v", err)
	}
}

func TestFormatMoneyRoundsAndGroups(t *testing.T) {
	for _, c := range []struct{ in, cur, want string }{{"1234.5", "EUR", "1,234.50"}, {"-1234567.005", "USD", "-1,234,567.01"},
		{"999.994", "EUR", "999.99"}, {"1500.5", "JPY", "1,501"}, {"0.125", "KWD", "0.125"}, {"12", "XXZ", "12.00"}} {
		d, _, err := apd.NewFromString(c.in)
		if err != nil {
			t.Fatal(err)
		}
		a, err := AmountFromDecimal(d)
		if err != nil {
			t.Fatal(err)
		}
		if got := FormatMoney(a, c.cur); got != c.want {
			t.Errorf("FormatMoney(%s %s) = %q, want %q", c.in, c.cur, got, c.want)
		}
	}
}
