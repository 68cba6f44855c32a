package billing

import (
	"strings"

	"github.com/cockroachdb/apd/v3"
)

// pcLicenseCols are the license-based (invoice reconciliation) columns
// mapped to Line fields. Column names differ between the new commerce file
// (TaxTotal, Total, BillableQuantity, ProductId/SkuId) and the legacy one
// (Tax, TotalForCustomer, Amount, OfferId); lookup takes either.
type pcLicenseCols struct {
	partnerID, partnerName, invoice, subscription, subscriptionName, orderDate, chargeStart, chargeEnd int
	chargeType, productID, skuID, offerID, productName, skuName, publisher, unitPrice, quantity        int
	billable, unitType, amount, subtotal, tax, total, currency, pricingCurrency, rate                  int
	frequency, meterDescription                                                                        int
	legacy                                                                                             bool
}

func pcLicenseMapper(r *row) func(*row) (*Line, error) {
	c := pcLicenseCols{
		partnerID: r.lookup("PartnerId"), partnerName: r.lookup("PartnerName"), invoice: r.lookup("InvoiceNumber"),
		// Legacy SubscriptionId is a billing-platform ID; the subscription
		// partners and customers see is SyndicationPartnerSubscriptionNumber.
		subscription:     r.lookup("SyndicationPartnerSubscriptionNumber", "SubscriptionId"),
		subscriptionName: r.lookup("SubscriptionName", "SubscriptionDescription"),
		orderDate:        r.lookup("OrderDate"), chargeStart: r.lookup("ChargeStartDate"), chargeEnd: r.lookup("ChargeEndDate"),
		chargeType: r.lookup("ChargeType"), productID: r.lookup("ProductId"), skuID: r.lookup("SkuId"),
		offerID: r.lookup("DurableOfferId", "OfferId"), productName: r.lookup("ProductName", "OfferName"),
		skuName: r.lookup("SkuName", "OfferName"), publisher: r.lookup("PublisherName"),
		unitPrice: r.lookup("UnitPrice"), quantity: r.lookup("Quantity"), billable: r.lookup("BillableQuantity"),
		unitType: r.lookup("UnitType"), amount: r.lookup("Amount"), subtotal: r.lookup("Subtotal"),
		tax: r.lookup("TaxTotal", "Tax"), total: r.lookup("Total", "TotalForCustomer"), currency: r.lookup("Currency"),
		pricingCurrency: r.lookup("PricingCurrency"), rate: r.lookup("PCToBCExchangeRate"),
		frequency: r.lookup("BillingFrequency", "BillingCycleType"), meterDescription: r.lookup("MeterDescription"),
		legacy: r.lookup("TotalForCustomer") >= 0,
	}
	return readWithExtras(r, mappedCols(c.partnerID, c.partnerName, c.invoice, c.subscription, c.subscriptionName,
		c.chargeStart, c.chargeEnd, c.publisher, c.billable, c.subtotal, c.tax, c.total, c.currency, c.pricingCurrency), c.read)
}

func (c *pcLicenseCols) read(r *row) (*Line, error) {
	l := &Line{
		BillingAccountID: r.str(c.partnerID), BillingAccountName: r.str(c.partnerName),
		SubAccountID: r.str(c.subscription), SubAccountName: r.str(c.subscriptionName),
		ChargeDescription: pcFirst(r.str(c.skuName), r.str(c.productName)),
		ServiceName:       pcFirst(r.str(c.productName), r.str(c.skuName)), ServiceCategory: "Other",
		ProviderName: pcMicrosoft, PublisherName: pcFirst(r.str(c.publisher), pcMicrosoft), InvoiceIssuerName: pcMicrosoft,
		InvoiceID: r.str(c.invoice), SkuID: pcFirst(pcJoin("/", r.str(c.productID), r.str(c.skuID)), r.str(c.offerID)),
		PricingUnit: r.str(c.unitType), BillingCurrency: r.str(c.currency),
		PricingCurrency: pcFirst(r.str(c.pricingCurrency), r.str(c.currency)),
	}
	if l.BillingCurrency == "" {
		return nil, r.fail(c.currency, "a currency is required")
	}
	if err := c.readTimes(r, l); err != nil {
		return nil, err
	}
	if err := c.readNumbers(r, l); err != nil {
		return nil, err
	}
	c.classify(r, l)
	return l, nil
}

// readTimes: the charge period is the service period the charge pays
// for, [ChargeStartDate, ChargeEndDate] with the end day included, so +1
// day half-open. The file names no billing period; new commerce invoices
// are monthly, so it is the calendar month of the billing event
// (OrderDate), or of ChargeStartDate in files without OrderDate.
func (c *pcLicenseCols) readTimes(r *row, l *Line) error {
	start, err := r.requiredTime(c.chargeStart)
	if err != nil {
		return err
	}
	end, err := r.requiredTime(c.chargeEnd)
	if err != nil {
		return err
	}
	l.ChargePeriodStart, l.ChargePeriodEnd = pcDay(start), pcDay(end).AddDate(0, 0, 1)
	if !l.ChargePeriodEnd.After(l.ChargePeriodStart) {
		return r.fail(c.chargeEnd, "ChargeEndDate is before ChargeStartDate")
	}
	event, err := r.time(c.orderDate)
	if err != nil {
		return err
	}
	if event.IsZero() {
		event = start
	}
	l.BillingPeriodStart, l.BillingPeriodEnd = pcMonth(event)
	return nil
}

// readNumbers: BilledCost is Subtotal, the pre-tax amount of the line
// (Partner Center's formula, see InvoiceTotals); EffectiveCost equals it,
// CSP has no amortisation. Tax has no FOCUS column on a charge line and a
// reader returns one Line per row, so TaxTotal/Tax and Total/
// TotalForCustomer are kept as Extra["x_Tax"] and Extra["x_Total"] (the
// source's text, whichever generation wrote it) for InvoiceTotals.
// ContractedCost is the price before discounts: UnitPrice ×
// BillableQuantity in the billing currency (new commerce; Quantity when
// BillableQuantity is absent), or Amount in the legacy file, where
// Subtotal = Amount − TotalOtherDiscount.
func (c *pcLicenseCols) readNumbers(r *row, l *Line) (err error) {
	if l.BilledCost, err = r.requiredDec(c.subtotal); err != nil {
		return err
	}
	l.EffectiveCost = l.BilledCost
	if err := c.keepTax(r, l); err != nil {
		return err
	}
	if l.PricingQuantity, err = r.dec(c.billable); err != nil {
		return err
	}
	if l.PricingQuantity == nil {
		if l.PricingQuantity, err = r.dec(c.quantity); err != nil {
			return err
		}
	}
	if c.legacy {
		l.ContractedCost, err = r.dec(c.amount)
	} else {
		l.ContractedCost, err = c.priceTimesQuantity(r, l)
	}
	l.ListCost = l.ContractedCost
	return err
}

func (c *pcLicenseCols) priceTimesQuantity(r *row, l *Line) (*apd.Decimal, error) {
	price, err := r.dec(c.unitPrice)
	if err != nil {
		return nil, err
	}
	rate, err := r.dec(c.rate)
	if err != nil {
		return nil, err
	}
	d, err := pcConvertedCost(price, l.PricingQuantity, rate, l.PricingCurrency, l.BillingCurrency)
	if err != nil {
		return nil, r.fail(c.unitPrice, "UnitPrice × quantity overflows")
	}
	return d, nil
}

// keepTax validates the tax and total columns and keeps them as x_Tax and
// x_Total in canonical decimal text.
func (c *pcLicenseCols) keepTax(r *row, l *Line) error {
	for _, f := range []struct {
		col  int
		name string
	}{{c.tax, "x_Tax"}, {c.total, "x_Total"}} {
		d, err := r.dec(f.col)
		if err != nil {
			return err
		}
		if d == nil {
			continue
		}
		if l.Extra == nil {
			l.Extra = make(map[string]string, 8)
		}
		l.Extra[f.name] = d.Text('f')
	}
	return nil
}

// classify sets ChargeCategory and ChargeFrequency. Refunds and credits
// (negative Subtotal, or a credit charge type such as customerCredit or
// "Offset a line item") are Credit; usage billed through the invoice file
// (rows with a MeterDescription, e.g. Azure plan meters) is Usage;
// everything else (new, renew, cycleCharge, addQuantity, convert...) is a
// Purchase. BillingFrequency Monthly/Annual/Triennial is Recurring,
// OneTime is One-Time; when it is empty, legacy license subscriptions are
// Recurring and new commerce rows (perpetual software, reservations) are
// One-Time.
func (c *pcLicenseCols) classify(r *row, l *Line) {
	switch {
	case l.BilledCost.Negative || pcIsCredit(r.str(c.chargeType)):
		l.ChargeCategory = CategoryCredit
	case r.str(c.meterDescription) != "":
		l.ChargeCategory, l.ChargeFrequency = CategoryUsage, FrequencyUsageBased
		return
	default:
		l.ChargeCategory = CategoryPurchase
	}
	freq := strings.ToLower(strings.NewReplacer("-", "", " ", "", "_", "").Replace(r.str(c.frequency)))
	switch {
	case freq == "onetime":
		l.ChargeFrequency = FrequencyOneTime
	case freq != "", c.legacy:
		l.ChargeFrequency = FrequencyRecurring
	default:
		l.ChargeFrequency = FrequencyOneTime
	}
}
