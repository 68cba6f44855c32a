package partner

import (
	"fmt"
	"time"
)

type scope int

const (
	scopeInvoice  scope = iota // the issued invoice of a month
	scopeUnbilled              // the month's unbilled charges up to today
)

// monthData is one month's line items and totals.
type monthData struct {
	invoice Invoice
	billing []map[string]any
	usage   []map[string]any
}

// charge is one billing line's amounts in cents.
type charge struct{ subtotal, tax int64 }

// gen builds one month of one partner.
type gen struct {
	p       *Partner
	a       *account
	month   time.Time
	days    int       // days covered: the whole month, or up to yesterday when unbilled
	cutoff  time.Time // month start + days: charges from then on are not known yet
	invoice string
	out     *monthData
}

func (p *Partner) month(a *account, m time.Time, sc scope) *monthData {
	g := &gen{p: p, a: a, month: m, days: daysIn(m), out: &monthData{}}
	if sc == scopeInvoice {
		g.invoice = p.invoiceID(a, m)
	} else if now := p.clock.Now(); now.Before(m.AddDate(0, 1, 0)) {
		g.days = max(0, int(now.Sub(m)/(24*time.Hour)))
	}
	key := fmt.Sprintf("%s/%s/%d/%d", a.TenantID, m.Format("2006-01"), sc, g.days)
	p.mu.Lock()
	cached := p.months[key]
	p.mu.Unlock()
	if cached != nil {
		return cached
	}
	g.cutoff = m.AddDate(0, 0, g.days)
	g.build()
	p.mu.Lock()
	p.months[key] = g.out
	p.mu.Unlock()
	return g.out
}

func daysIn(m time.Time) int { return m.AddDate(0, 1, -1).Day() }

func (g *gen) build() {
	var sub, tax int64
	for ci := range g.a.Customers {
		c := &g.a.Customers[ci]
		for li := range c.Licenses {
			for _, ch := range g.licenseLines(c, &c.Licenses[li]) {
				sub, tax = sub+ch.subtotal, tax+ch.tax
			}
		}
		for _, e := range c.AzurePlan.Entitlements {
			for mi := range meters {
				if ch, ok := g.azureLines(c, e, &meters[mi]); ok {
					sub, tax = sub+ch.subtotal, tax+ch.tax
				}
			}
		}
	}
	end := g.month.AddDate(0, 1, -1)
	g.out.invoice = Invoice{
		ID: g.invoice, InvoiceDate: g.p.issueDate(g.a, g.month), PeriodStart: g.month, PeriodEnd: end, Currency: "USD",
		Subtotal: cents(sub), TaxTotal: cents(tax), Total: cents(sub + tax),
		BillingLines: len(g.out.billing), UsageLines: len(g.out.usage),
	}
}

// licenseLines adds the licence's charges of the month: the monthly cycle
// charge (or the prorated first charge of a new subscription) and, some
// months, a prorated addQuantity.
func (g *gen) licenseLines(c *Customer, l *License) []charge {
	n := int64(daysIn(g.month))
	end := g.month.AddDate(0, 1, 0)
	if !l.Start.Before(end) || !l.Start.Before(g.cutoff) {
		return nil
	}
	var out []charge
	if l.Start.Before(g.month) {
		out = append(out, g.licenseLine(c, l, "cycleCharge", g.month, l.Quantity, l.Quantity*10000))
	} else {
		left := int64(end.Sub(l.Start) / (24 * time.Hour))
		out = append(out, g.licenseLine(c, l, "new", l.Start, l.Quantity, prorate(l.Quantity, left, n)))
		return out
	}
	r := rng(g.p.seed, "pc-add", l.SubscriptionID, g.month.Format("2006-01"))
	if r.IntN(4) == 0 {
		added, day := int64(1+r.IntN(5)), 1+r.IntN(int(n)-1)
		left := n - int64(day)
		if !g.month.AddDate(0, 0, day).Before(g.cutoff) {
			return out
		}
		out = append(out, g.licenseLine(c, l, "addQuantity", g.month.AddDate(0, 0, day), added, prorate(added, left, n)))
	}
	return out
}

// prorate is qty × left/n as a billable quantity with four decimals.
func prorate(qty, left, n int64) int64 {
	return roundHalfAway(qty*left*100000/n, 5, 4)
}

func (g *gen) licenseLine(c *Customer, l *License, chargeType string, from time.Time, qty, billable4 int64) charge {
	raw6 := l.UnitPriceCents * billable4 // cents × 4-decimal quantity = 6 decimals
	ch := g.tax(c, roundHalfAway(raw6, 6, 2))
	orderR := rng(g.p.seed, "pc-order", l.SubscriptionID, from.Format("2006-01-02"), chargeType)
	m := g.common(c)
	for k, v := range map[string]any{
		"orderId": orderID(orderR), "orderDate": stamp(from), "productId": l.ProductID, "skuId": l.SkuID,
		"availabilityId": l.AvailabilityID, "skuName": l.SkuName, "productName": l.ProductName, "chargeType": chargeType,
		"unitPrice": number(l.UnitPriceCents, 2), "effectiveUnitPrice": number(l.UnitPriceCents, 2), "quantity": qty,
		"billableQuantity": number(billable4, 4), "subtotal": number(raw6, 6), "taxTotal": number(ch.tax, 2),
		"totalForCustomer": number(ch.subtotal+ch.tax, 2), "subscriptionDescription": l.ProductName,
		"subscriptionId": l.SubscriptionID, "chargeStartDate": stamp(from), "chargeEndDate": stamp(g.month.AddDate(0, 1, -1)),
		"termAndBillingCycle": l.Term, "unitType": "Licenses", "alternateId": orderID(orderR)[:12],
		"subscriptionStartDate": stamp(l.Start), "subscriptionEndDate": stamp(l.Start.AddDate(1, 0, -1)),
		"productCategory": "OnlineServicesNCE", "meterDescription": "",
	} {
		m[k] = v
	}
	g.out.billing = append(g.out.billing, m)
	return ch
}

// tax applies the customer's rate to a subtotal in cents, rounded half
// away from zero.
func (g *gen) tax(c *Customer, subtotal int64) charge {
	return charge{subtotal: subtotal, tax: roundHalfAway(subtotal*c.TaxRateBasisPoints, 6, 2)}
}

// common are the fields every OneTimeInvoiceLineItem carries.
func (g *gen) common(c *Customer) map[string]any {
	return map[string]any{
		"partnerId": g.a.TenantID, "customerId": c.ID, "customerName": c.Name, "customerDomainName": c.Domain,
		"customerCountry": c.Country, "invoiceNumber": g.invoice, "mpnId": mpnID(g.a), "resellerMpnId": 0,
		"currency": "USD", "pricingCurrency": "USD", "pcToBCExchangeRate": 1,
		"pcToBCExchangeRateDate": stamp(g.month), "priceAdjustmentDescription": "", "publisherName": "Microsoft Corporation",
		"publisherId": "", "reservationOrderId": "", "creditReasonCode": "", "referenceId": "", "productQualifiers": []string{},
		"promotionId": "", "discountDetails": "", "billingFrequency": "Monthly",
		"invoiceLineItemType": "billing_line_items", "billingProvider": "one_time",
		"attributes": map[string]string{"objectType": "OneTimeInvoiceLineItem"},
	}
}

func mpnID(a *account) string {
	return fmt.Sprint(4000000 + rng(0, "pc-mpn", a.TenantID).IntN(999999))
}

func orderID(r interface{ Uint64() uint64 }) string {
	const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 32)
	for i := range b {
		b[i] = letters[r.Uint64()%uint64(len(letters))]
	}
	return string(b)
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }
