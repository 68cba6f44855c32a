package recommend

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/fx"
	"github.com/canopyhq/canopy/internal/store"
)

// calc is the arithmetic of estimates: far more digits than money needs.
var calc = apd.BaseContext.WithPrecision(34)

// billedLookback is how many complete months back the billed cost per
// seat of a licence is looked for.
const billedLookback = 3

// seatPrice is what one seat of a licence product costs a month, and why.
type seatPrice struct {
	price    *apd.Decimal
	currency domain.Currency
	day      time.Time // the day its currency converts at
	basis    string
}

// pricer values recommendations for one organisation at one moment.
type pricer struct {
	target domain.Currency
	conv   *fx.Converter
	seats  map[string]seatPrice // by SKU part number
}

// newPricer loads the organisation's licence prices (billed cost per seat
// of the last complete month where cost lines carry the product, else the
// list price) and the exchange rates from the oldest recommendation on.
func (s *Service) newPricer(ctx context.Context, org domain.Org, oldest time.Time) (*pricer, error) {
	now := s.now()
	from := minTime(oldest, monthStart(now).AddDate(0, -billedLookback, 0)).Add(-fx.Lookback)
	rates, err := s.Store.ListRates(ctx, org.ID, from, now.AddDate(0, 0, 1))
	if err != nil {
		return nil, fmt.Errorf("load exchange rates: %w", err)
	}
	p := &pricer{target: org.ReportingCurrency, conv: fx.NewConverter(rates), seats: map[string]seatPrice{}}
	prices, err := s.Store.ListLicencePrices(ctx, org.ID)
	if err != nil {
		return nil, err
	}
	bought, err := s.seatsBought(ctx, org.ID)
	if err != nil {
		return nil, err
	}
	for _, lp := range prices {
		sp, ok, err := s.billedPerSeat(ctx, org.ID, lp, bought[lp.SkuPartNumber], now)
		if err != nil {
			return nil, err
		}
		if !ok && lp.UnitPrice != "" {
			d, _, _ := apd.NewFromString(lp.UnitPrice) // validated when set
			sp, ok = seatPrice{price: d, currency: domain.Currency(lp.Currency), day: now.Truncate(24 * time.Hour),
				basis: fmt.Sprintf("list price %s %s a seat (Licence prices)", lp.UnitPrice, lp.Currency)}, true
		}
		if ok {
			p.seats[lp.SkuPartNumber] = sp
		}
	}
	return p, nil
}

// seatsBought sums the enabled seats of each product over the
// organisation's tenants.
func (s *Service) seatsBought(ctx context.Context, orgID string) (map[string]int64, error) {
	out := map[string]int64{}
	for cursor := ""; ; {
		page, next, err := s.Store.ListM365SKUs(ctx, orgID, 500, cursor)
		if err != nil {
			return nil, err
		}
		for _, k := range page {
			if k.DeletedAt == nil {
				out[k.SkuPartNumber] += k.PrepaidEnabled
			}
		}
		if next == "" {
			return out, nil
		}
		cursor = next
	}
}

// billedPerSeat is the effective cost the product's cost lines carry in
// the last complete month that has any, divided by the seats bought now.
func (s *Service) billedPerSeat(ctx context.Context, orgID string, lp store.LicencePrice, seats int64, now time.Time) (seatPrice, bool, error) {
	if seats <= 0 || lp.CostSKU == "" {
		return seatPrice{}, false, nil
	}
	for back := 1; back <= billedLookback; back++ {
		from := monthStart(now).AddDate(0, -back, 0)
		to := from.AddDate(0, 1, 0)
		rows, err := s.Costs.Aggregate(ctx, orgID, costs.Query{From: from, To: to,
			Filters: []costs.Filter{{Dim: costs.DimSKU, Values: []string{lp.CostSKU}}}})
		if err != nil {
			return seatPrice{}, false, err
		}
		total, cur, ok, err := sumOneCurrency(rows)
		if err != nil || !ok {
			if err != nil {
				return seatPrice{}, false, err
			}
			continue
		}
		per := new(apd.Decimal)
		if _, err := calc.Quo(per, total, apd.New(seats, 0)); err != nil {
			return seatPrice{}, false, err
		}
		return seatPrice{price: per, currency: cur, day: to.AddDate(0, 0, -1), basis: fmt.Sprintf(
			"billed %s %s a seat (%s: %s %s on cost lines of SKU %s for %d seats bought)", money(per, cur), cur,
			from.Format("January 2006"), money(total, cur), cur, lp.CostSKU, seats)}, true, nil
	}
	return seatPrice{}, false, nil
}

// sumOneCurrency adds the effective cost of rows; ok is false when there
// are none or they mix currencies (then the list price is the basis).
func sumOneCurrency(rows []costs.AggRow) (*apd.Decimal, domain.Currency, bool, error) {
	total, cur := new(apd.Decimal), ""
	for _, r := range rows {
		if cur != "" && r.Currency != cur {
			return nil, "", false, nil
		}
		cur = r.Currency
		if _, err := calc.Add(total, total, r.Measures.Effective.Decimal()); err != nil {
			return nil, "", false, err
		}
	}
	return total, domain.Currency(cur), cur != "", nil
}

// estimate values one recommendation.
func (p *pricer) estimate(r store.Recommendation) Estimate {
	e := Estimate{Currency: string(p.target)}
	if len(decodeSeats(r.Licences)) > 0 {
		p.licenceEstimate(r, &e)
		return e
	}
	if r.SourceSavings == "" {
		e.Basis, e.Error = "The source gives no estimate.", "no estimate from the source"
		return e
	}
	d, _, err := apd.NewFromString(r.SourceSavings)
	cur, cerr := domain.ParseCurrency(r.SourceCurrency)
	if err != nil || cerr != nil {
		e.Error = fmt.Sprintf("the source's estimate %q %q is not an amount in a currency", r.SourceSavings, r.SourceCurrency)
		return e
	}
	e.Basis = fmt.Sprintf("%s's estimate: %s %s a month (as of %s)", SourceLabels[r.Source], money(d, cur), cur,
		r.LastSeen.Format(time.DateOnly))
	p.finish(&e, d, cur, r.LastSeen)
	return e
}

// licenceEstimate values the seats of the products with a price; the
// basis names those without one (not counted), and without any price
// there is no estimate.
func (p *pricer) licenceEstimate(r store.Recommendation, e *Estimate) {
	total := new(apd.Decimal)
	var parts, unpriced []string
	for _, s := range decodeSeats(r.Licences) {
		sp, ok := p.seats[s.SkuPartNumber]
		if !ok {
			unpriced = append(unpriced, s.SkuPartNumber)
			continue
		}
		v, err := p.convert(new(apd.Decimal).Set(sp.price), sp.currency, sp.day)
		if err != nil {
			e.Error = err.Error()
			return
		}
		line := new(apd.Decimal)
		_, _ = calc.Mul(line, v, apd.New(s.Seats, 0))
		_, _ = calc.Add(total, total, line)
		parts = append(parts, fmt.Sprintf("%s: %d seat%s × %s", s.SkuPartNumber, s.Seats, plural(s.Seats), sp.basis)+
			p.rateNote(sp.currency, sp.day))
	}
	if len(unpriced) > 0 {
		parts = append(parts, strings.Join(unpriced, ", ")+": no price in Allocation > Licence prices, not counted")
	}
	e.Basis = strings.Join(parts, "; ")
	if len(parts) == 1 && len(unpriced) > 0 { // only the note: nothing priced
		e.Error = fmt.Sprintf("no price for %s: map it with a price in Allocation > Licence prices", strings.Join(unpriced, ", "))
		return
	}
	p.setMonthly(e, total)
}

// finish converts a source's estimate and records it.
func (p *pricer) finish(e *Estimate, d *apd.Decimal, cur domain.Currency, day time.Time) {
	v, err := p.convert(d, cur, day)
	if err != nil {
		e.Error = err.Error()
		return
	}
	e.Basis += p.rateNote(cur, day)
	p.setMonthly(e, v)
}

func (p *pricer) setMonthly(e *Estimate, v *apd.Decimal) {
	a, err := domain.AmountFromDecimal(v)
	if err != nil {
		e.Error = err.Error()
		return
	}
	e.Monthly = &a
}

// convert turns d in cur into the reporting currency with day's rate.
func (p *pricer) convert(d *apd.Decimal, cur domain.Currency, day time.Time) (*apd.Decimal, error) {
	out, _, err := p.conv.Convert(d, cur, p.target, day.Truncate(24*time.Hour))
	if err != nil {
		return nil, fmt.Errorf("cannot convert to %s: %w", p.target, err)
	}
	return out, nil
}

// rateNote says which rate converted (nothing when no conversion).
func (p *pricer) rateNote(cur domain.Currency, day time.Time) string {
	if cur == p.target {
		return ""
	}
	r, err := p.conv.Rate(cur, p.target, day.Truncate(24*time.Hour))
	if err != nil {
		return ""
	}
	return fmt.Sprintf(", converted to %s at %s (rate of %s)", p.target, r.Value.Text('f'), r.Day.Format(time.DateOnly))
}

// money is d rounded for display in cur.
func money(d *apd.Decimal, cur domain.Currency) string {
	a, err := domain.AmountFromDecimal(d)
	if err != nil {
		return d.Text('f')
	}
	return display(a, cur)
}

func monthStart(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

func minTime(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}

// display rounds a for the basis texts to cur's minor unit, half up as
// on an invoice. (spend.Display adds separators, but spend depends on
// allocation, which depends on the connectors that import this package.)
func display(a domain.Amount, cur domain.Currency) string {
	places := int32(2)
	if info, ok := cur.Info(); ok {
		places = int32(info.MinorUnits)
	}
	ctx := apd.BaseContext.WithPrecision(60)
	ctx.Rounding = apd.RoundHalfUp
	var d apd.Decimal
	if _, err := ctx.Quantize(&d, a.Decimal(), -places); err != nil {
		return a.String()
	}
	return d.Text('f')
}
