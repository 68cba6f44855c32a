package billing

import (
	"fmt"
	"strings"

	"github.com/cockroachdb/apd/v3"
)

// InvoiceTotals reproduces a Partner Center invoice from its license-based
// (invoice reconciliation) lines: the pre-tax subtotal, the tax and the
// total, in the lines' one billing currency.
//
// The rounding rule. Partner Center documents each line's Subtotal as
// usage-based: ROUNDDOWN(ROUNDDOWN(EffectiveUnitPrice × BillableQuantity, 2)
// × PCToBCExchangeRate, 2), license-based: ROUNDDOWN(EffectiveUnitPrice ×
// PCToBCExchangeRate, 2) × BillableQuantity, the tax by the market's tax
// rules, and Total = Subtotal + TaxTotal. The license formula leaves more
// than two decimals when BillableQuantity is prorated (e.g. 12.49 × 0.5 =
// 6.245), while the invoice is stated in the currency's minor unit and is
// the sum of its lines. So each line's Subtotal and tax are rounded to the
// minor unit first, half away from zero (Microsoft does not document this
// step; the line's own Total column is the check, below), and only then
// summed; total = subtotal + tax. Rounding the sum of the raw Subtotal
// column instead can miss the invoice by a cent per few prorated lines.
//
// Every line whose Total (x_Total) is known must equal its rounded
// Subtotal + tax; a line that does not is reported, so a file that follows
// another rule fails loudly instead of drifting by cents. Daily-rated usage
// lines carry unrounded daily ratings and no tax: the invoice bills usage
// from the per-meter monthly rows of the invoice reconciliation file, so
// pass those, not daily lines, to reproduce an invoice.
func InvoiceTotals(lines []*Line) (subtotal, tax, total *apd.Decimal, err error) {
	subtotal, tax, total = new(apd.Decimal), new(apd.Decimal), new(apd.Decimal)
	currency := ""
	for i, l := range lines {
		if currency == "" {
			currency = l.BillingCurrency
		} else if !strings.EqualFold(currency, l.BillingCurrency) {
			return nil, nil, nil, fmt.Errorf("line %d is in %s, earlier lines in %s: an invoice has one currency", i+1, l.BillingCurrency, currency)
		}
		s, t, err := pcLineAmounts(l)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("line %d (invoice %s, subscription %s): %w", i+1, l.InvoiceID, l.SubAccountID, err)
		}
		if err := pcAddAll(subtotal, s, tax, t); err != nil {
			return nil, nil, nil, err
		}
	}
	if _, err := pcExact.Add(total, subtotal, tax); err != nil {
		return nil, nil, nil, err
	}
	return subtotal, tax, total, nil
}

// pcLineAmounts returns the line's subtotal and tax rounded to the minor
// unit, checked against its Total when the source had one.
func pcLineAmounts(l *Line) (s, t *apd.Decimal, err error) {
	if l.BilledCost == nil {
		return nil, nil, fmt.Errorf("no BilledCost")
	}
	places := pcMinorUnits(l.BillingCurrency)
	if s, err = pcRoundHalfAway(l.BilledCost, places); err != nil {
		return nil, nil, err
	}
	t = new(apd.Decimal)
	if raw, ok := l.Extra["x_Tax"]; ok {
		if t, err = pcParseRound(raw, places); err != nil {
			return nil, nil, fmt.Errorf("x_Tax %q: %w", raw, err)
		}
	}
	raw, ok := l.Extra["x_Total"]
	if !ok {
		return s, t, nil
	}
	want, _, err := apd.NewFromString(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("x_Total %q is not a number", raw)
	}
	got := new(apd.Decimal)
	if _, err := pcExact.Add(got, s, t); err != nil {
		return nil, nil, err
	}
	if got.Cmp(want) != 0 {
		return nil, nil, fmt.Errorf("subtotal %s + tax %s rounded to the cent is %s, the file's Total is %s",
			l.BilledCost.Text('f'), t.Text('f'), got.Text('f'), raw)
	}
	return s, t, nil
}

func pcParseRound(raw string, places int32) (*apd.Decimal, error) {
	d, _, err := apd.NewFromString(raw)
	if err != nil {
		return nil, fmt.Errorf("not a number")
	}
	return pcRoundHalfAway(d, places)
}

// pcRoundHalfAway rounds to places decimals, ties away from zero (apd's
// RoundHalfUp works on the magnitude, so -6.245 becomes -6.25).
func pcRoundHalfAway(d *apd.Decimal, places int32) (*apd.Decimal, error) {
	ctx := pcExact.WithPrecision(60)
	ctx.Rounding = apd.RoundHalfUp
	out := new(apd.Decimal)
	if _, err := ctx.Quantize(out, d, -places); err != nil {
		return nil, err
	}
	return out, nil
}

func pcAddAll(sum1, add1, sum2, add2 *apd.Decimal) error {
	if _, err := pcExact.Add(sum1, sum1, add1); err != nil {
		return err
	}
	_, err := pcExact.Add(sum2, sum2, add2)
	return err
}

// pcMinorUnits is the number of decimals of a currency's minor unit (ISO
// 4217): two except for the zero-decimal currencies Partner Center bills.
func pcMinorUnits(currency string) int32 {
	switch strings.ToUpper(currency) {
	case "JPY", "KRW", "VND", "CLP", "ISK":
		return 0
	}
	return 2
}
