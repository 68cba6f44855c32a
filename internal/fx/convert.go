package fx

import (
	"fmt"
	"sort"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/domain"
)

// Lookback is how far before a day a rate may come from: reference rates
// are not published on weekends and holidays, so a Saturday uses Friday's.
const Lookback = 7 * 24 * time.Hour

// calc is the arithmetic context for conversions: 34 significant digits
// (decimal128), far beyond any currency's minor unit.
var calc = apd.BaseContext.WithPrecision(34)

// MissingRateError says no rate could convert from one currency to another
// on a day. Callers show it with the amount it affects.
type MissingRateError struct {
	From, To domain.Currency
	Day      time.Time
}

func (e *MissingRateError) Error() string {
	return fmt.Sprintf("no exchange rate from %s to %s on or in the 7 days before %s", e.From, e.To, e.Day.Format("2006-01-02"))
}

type pair struct{ base, quote domain.Currency }

type dayRate struct {
	day  time.Time
	rate *apd.Decimal
}

// Converter converts amounts with a fixed set of rates.
type Converter struct {
	rates map[pair][]dayRate // by day, ascending
}

// NewConverter indexes rates for lookups.
func NewConverter(rates []domain.FXRate) *Converter {
	c := &Converter{rates: map[pair][]dayRate{}}
	for _, r := range rates {
		p := pair{r.Base, r.Quote}
		c.rates[p] = append(c.rates[p], dayRate{day: r.Day.UTC(), rate: r.Value})
	}
	for _, list := range c.rates {
		sort.Slice(list, func(i, j int) bool { return list[i].day.Before(list[j].day) })
	}
	return c
}

// Rate is how the converter turned one currency into another.
type Rate struct {
	Value *apd.Decimal // multiply an amount in From by Value to get To
	Day   time.Time    // the day of the rate used (may precede the charge day)
	Via   domain.Currency
}

// Convert converts amount from one currency to another with the rate of
// day (or the latest within Lookback before it), directly, inverted or
// through EUR or USD.
func (c *Converter) Convert(amount *apd.Decimal, from, to domain.Currency, day time.Time) (*apd.Decimal, Rate, error) {
	r, err := c.Rate(from, to, day)
	if err != nil {
		return nil, r, err
	}
	out := new(apd.Decimal)
	_, err = calc.Mul(out, amount, r.Value)
	return out, r, err
}

// Rate finds the rate that turns from into to on day.
func (c *Converter) Rate(from, to domain.Currency, day time.Time) (Rate, error) {
	if from == to {
		return Rate{Value: apd.New(1, 0), Day: day}, nil
	}
	if r, ok := c.direct(from, to, day); ok {
		return r, nil
	}
	for _, via := range []domain.Currency{"EUR", "USD"} {
		if via == from || via == to {
			continue
		}
		a, ok1 := c.direct(from, via, day)
		b, ok2 := c.direct(via, to, day)
		if ok1 && ok2 {
			v := new(apd.Decimal)
			if _, err := calc.Mul(v, a.Value, b.Value); err != nil {
				return Rate{}, err
			}
			return Rate{Value: v, Day: earlier(a.Day, b.Day), Via: via}, nil
		}
	}
	return Rate{}, &MissingRateError{From: from, To: to, Day: day}
}

// direct uses the pair's own rate or the inverse of the opposite pair.
func (c *Converter) direct(from, to domain.Currency, day time.Time) (Rate, bool) {
	if d, v, ok := c.find(pair{from, to}, day); ok {
		return Rate{Value: v, Day: d}, true
	}
	d, v, ok := c.find(pair{to, from}, day)
	if !ok {
		return Rate{}, false
	}
	inv := new(apd.Decimal)
	if _, err := calc.Quo(inv, apd.New(1, 0), v); err != nil {
		return Rate{}, false
	}
	return Rate{Value: inv, Day: d}, true
}

// find returns the latest rate of p on or before day, within Lookback.
func (c *Converter) find(p pair, day time.Time) (time.Time, *apd.Decimal, bool) {
	list := c.rates[p]
	i := sort.Search(len(list), func(i int) bool { return list[i].day.After(day) }) - 1
	if i < 0 || day.Sub(list[i].day) > Lookback {
		return time.Time{}, nil, false
	}
	return list[i].day, list[i].rate, true
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
