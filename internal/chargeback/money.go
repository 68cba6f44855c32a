package chargeback

import (
	"errors"
	"fmt"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/fx"
)

// calc multiplies amounts by percentages; 40 digits keep every product
// exact before it is rounded to the Amount's 10^-10.
var calc = apd.BaseContext.WithPrecision(40)

// percentOf is base × percent / 100, rounded to 10^-10.
func percentOf(base domain.Amount, percent string) (domain.Amount, error) {
	p, _, err := apd.NewFromString(percent)
	if err != nil {
		return domain.Amount{}, fmt.Errorf("percent %q: %w", percent, err)
	}
	var out apd.Decimal
	if _, err := calc.Mul(&out, base.Decimal(), p); err != nil {
		return domain.Amount{}, err
	}
	if _, err := calc.Quo(&out, &out, apd.New(100, 0)); err != nil {
		return domain.Amount{}, err
	}
	return domain.AmountFromDecimal(&out)
}

func sub(a, b domain.Amount) (domain.Amount, error) {
	return a.Add(domain.Amount{Units: -b.Units, Nanos: -b.Nanos})
}

func neg(a domain.Amount) domain.Amount { return domain.Amount{Units: -a.Units, Nanos: -a.Nanos} }

// converter turns billing-currency amounts into the reporting currency
// at the rate of their day; a missing rate is an error naming the
// currency and the day, never a conversion at 0 or 1.
type converter struct {
	c  *fx.Converter
	to string
}

func (c converter) convert(a domain.Amount, from string, day time.Time) (domain.Amount, error) {
	if from == c.to {
		return a, nil
	}
	d, _, err := c.c.Convert(a.Decimal(), domain.Currency(from), domain.Currency(c.to), day)
	var miss *fx.MissingRateError
	if errors.As(err, &miss) {
		return domain.Amount{}, domain.Errorf(domain.CodeInvalid,
			"No exchange rate from %s to %s for %s (nor in the 7 days before): add it under Settings → Currency, then generate again.",
			from, c.to, day.Format("2006-01-02"))
	}
	if err != nil {
		return domain.Amount{}, err
	}
	return domain.AmountFromDecimal(d)
}
