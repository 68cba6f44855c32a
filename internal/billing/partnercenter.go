package billing

import (
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"
)

// Microsoft Partner Center (CSP) reconciliation line items, as the partner
// downloads them for a new commerce invoice (G-invoice):
//
//   - PartnerCenterUsage: the daily-rated usage reconciliation file (Azure
//     plan meters, one row per meter, resource and day).
//   - PartnerCenterLicense: the invoice reconciliation file of license-based
//     charges (new commerce: Subtotal/TaxTotal/Total) and the legacy
//     license-based file of D-invoices (Amount/TotalOtherDiscount/Subtotal/
//     Tax/TotalForCustomer).
//
// Who is who: the file is Microsoft's invoice to the CSP partner, so the
// invoice issuer and provider are Microsoft, the billing account is the
// partner (PartnerId) and InvoiceId is InvoiceNumber. The sub account is
// what the customer consumes through: the Azure subscription (EntitlementId)
// for usage, the CSP subscription (SubscriptionId) for licenses. The
// customer (CustomerId, CustomerName, CustomerDomainName...) has no FOCUS
// column and is kept as x_ attributes, as are every other unmapped column.
const (
	PartnerCenterUsage   Format = "partnercenter-usage"
	PartnerCenterLicense Format = "partnercenter-license"
)

// Columns only Partner Center writes; a header needs its format's anchors
// (both) before the markers count, so an Azure cost export (Date,
// CostInBillingCurrency, PartnerEarnedCreditRate...) never scores here.
var (
	pcUsageAnchors   = []string{"BillingPreTaxTotal", "UsageDate"}
	pcUsageMarkers   = []string{"PricingPreTaxTotal", "PCToBCExchangeRate", "EntitlementId", "PartnerEarnedCreditPercentage", "MeterId", "CustomerId", "PartnerId", "InvoiceNumber", "AvailabilityId"}
	pcLicenseMarkers = []string{"PartnerId", "CustomerId", "ChargeStartDate", "ChargeEndDate", "ChargeType", "SubscriptionId", "OrderId", "BillableQuantity", "OfferId", "DurableOfferId", "TermAndBillingCycle", "InvoiceNumber", "SyndicationPartnerSubscriptionNumber"}
)

func init() {
	register(format{name: PartnerCenterUsage, score: pcUsageScore, mapper: pcUsageMapper})
	register(format{name: PartnerCenterLicense, score: pcLicenseScore, mapper: pcLicenseMapper})
	// Partner Center writes US dates with hours and minutes only
	// ("2/1/2019 0:00"); the shared list has no such layout.
	timeLayouts = append(timeLayouts, "1/2/2006 15:04", "1/2/2006 3:04 PM")
}

// pcIsFOCUS reports a header carrying FOCUS's own columns: those files may
// keep Partner Center columns as x_ attributes but stay FOCUS.
func pcIsFOCUS(r *row) bool {
	return countPresent(r, "BilledCost", "ChargePeriodStart", "ChargeCategory") == 3
}

func pcUsageScore(r *row) int {
	if pcIsFOCUS(r) || countPresent(r, pcUsageAnchors...) < len(pcUsageAnchors) {
		return 0
	}
	return 100 + countPresent(r, pcUsageMarkers...)
}

func pcLicenseScore(r *row) int {
	if pcIsFOCUS(r) || r.lookup("BillingPreTaxTotal") >= 0 {
		return 0
	}
	// InvoiceNumber is not required: the legacy file downloaded per
	// invoice from the portal does not repeat it.
	if r.lookup("Subtotal") < 0 || r.lookup("TaxTotal", "Tax") < 0 || r.lookup("Total", "TotalForCustomer") < 0 ||
		r.lookup("Currency") < 0 || r.lookup("ChargeStartDate") < 0 {
		return 0
	}
	return 100 + countPresent(r, pcLicenseMarkers...)
}

// pcUsageCols are the daily-rated usage columns mapped to Line fields.
type pcUsageCols struct {
	partnerID, partnerName, invoice, entitlement, entitlementName, subscription, subscriptionName int
	chargeStart, chargeEnd, usageDate, chargeType, meterCategory, meterName, meterID, meterRegion int
	unit, location, resourceURI, productID, skuID, skuName, publisher, unitPrice, quantity        int
	unitType, billed, billingCurrency, pricingCurrency, rate, tags                                int
}

func pcUsageMapper(r *row) func(*row) (*Line, error) {
	c := pcUsageCols{
		partnerID: r.lookup("PartnerId"), partnerName: r.lookup("PartnerName"), invoice: r.lookup("InvoiceNumber"),
		entitlement: r.lookup("EntitlementId"), entitlementName: r.lookup("EntitlementDescription"),
		subscription: r.lookup("SubscriptionId"), subscriptionName: r.lookup("SubscriptionDescription"),
		chargeStart: r.lookup("ChargeStartDate"), chargeEnd: r.lookup("ChargeEndDate"), usageDate: r.lookup("UsageDate"),
		chargeType: r.lookup("ChargeType"), meterCategory: r.lookup("MeterCategory"), meterName: r.lookup("MeterName"),
		meterID: r.lookup("MeterId"), meterRegion: r.lookup("MeterRegion"), unit: r.lookup("Unit", "MeterUnit"),
		location: r.lookup("ResourceLocation"), resourceURI: r.lookup("ResourceURI", "ResourceUri"),
		productID: r.lookup("ProductId"), skuID: r.lookup("SkuId"), skuName: r.lookup("SkuName"),
		publisher: r.lookup("PublisherName"), unitPrice: r.lookup("UnitPrice"), quantity: r.lookup("Quantity"),
		unitType: r.lookup("UnitType"), billed: r.lookup("BillingPreTaxTotal"), billingCurrency: r.lookup("BillingCurrency"),
		pricingCurrency: r.lookup("PricingCurrency"), rate: r.lookup("PCToBCExchangeRate"), tags: r.lookup("Tags"),
	}
	return readWithExtras(r, mappedCols(c.partnerID, c.partnerName, c.invoice, c.entitlement, c.entitlementName,
		c.chargeStart, c.chargeEnd, c.usageDate, c.meterCategory, c.meterName, c.meterID, c.meterRegion, c.unit,
		c.location, c.resourceURI, c.publisher, c.quantity, c.unitType, c.billed, c.billingCurrency,
		c.pricingCurrency, c.tags), c.read)
}

func (c *pcUsageCols) read(r *row) (*Line, error) {
	l := &Line{
		BillingAccountID: r.str(c.partnerID), BillingAccountName: r.str(c.partnerName),
		SubAccountID:      pcFirst(r.str(c.entitlement), r.str(c.subscription)),
		SubAccountName:    pcFirst(r.str(c.entitlementName), r.str(c.subscriptionName)),
		ChargeDescription: pcFirst(r.str(c.meterName), r.str(c.skuName)),
		ServiceName:       pcFirst(r.str(c.meterCategory), r.str(c.skuName)),
		ProviderName:      pcMicrosoft, PublisherName: pcFirst(r.str(c.publisher), pcMicrosoft), InvoiceIssuerName: pcMicrosoft,
		InvoiceID: r.str(c.invoice), RegionID: strings.ToLower(r.str(c.location)), RegionName: r.str(c.meterRegion),
		ResourceID: r.str(c.resourceURI), ResourceName: pcLastSegment(r.str(c.resourceURI)),
		SkuID: pcJoin("/", r.str(c.productID), r.str(c.skuID)), SkuPriceID: r.str(c.meterID),
		PricingUnit: r.str(c.unitType), ConsumedUnit: pcFirst(r.str(c.unit), r.str(c.unitType)),
		BillingCurrency: r.str(c.billingCurrency), PricingCurrency: r.str(c.pricingCurrency),
	}
	l.ServiceCategory = pcServiceCategory(l.ServiceName)
	if l.BillingCurrency == "" {
		return nil, r.fail(c.billingCurrency, "a currency is required")
	}
	if err := c.readTimes(r, l); err != nil {
		return nil, err
	}
	if err := c.readNumbers(r, l); err != nil {
		return nil, err
	}
	l.ChargeCategory, l.ChargeFrequency = CategoryUsage, FrequencyUsageBased
	if pcIsCredit(r.str(c.chargeType)) || l.BilledCost.Negative {
		l.ChargeCategory, l.ChargeFrequency = CategoryCredit, FrequencyOneTime
	}
	var err error
	l.Tags, err = r.tags(c.tags)
	return l, err
}

// readTimes: the charge period is the usage day, [UsageDate, +1 day); the
// billing period is the invoice's cycle, [ChargeStartDate, ChargeEndDate]
// with the end day included, hence +1 day to make it half-open.
func (c *pcUsageCols) readTimes(r *row, l *Line) error {
	day, err := r.requiredTime(c.usageDate)
	if err != nil {
		return err
	}
	l.ChargePeriodStart = pcDay(day)
	l.ChargePeriodEnd = l.ChargePeriodStart.AddDate(0, 0, 1)
	start, err := r.time(c.chargeStart)
	if err != nil {
		return err
	}
	end, err := r.time(c.chargeEnd)
	if err != nil {
		return err
	}
	if start.IsZero() || end.IsZero() {
		l.BillingPeriodStart, l.BillingPeriodEnd = pcMonth(l.ChargePeriodStart)
		return nil
	}
	l.BillingPeriodStart, l.BillingPeriodEnd = pcDay(start), pcDay(end).AddDate(0, 0, 1)
	if !l.BillingPeriodEnd.After(l.BillingPeriodStart) {
		return r.fail(c.chargeEnd, "ChargeEndDate is before ChargeStartDate")
	}
	return nil
}

// readNumbers: BillingPreTaxTotal is the pre-tax charge in the billing
// currency, priced at EffectiveUnitPrice, which Microsoft documents as the
// unit price after discounts and earned credits; so partner earned credit
// is already in it, and it is both BilledCost and EffectiveCost (CSP has
// no amortisation). UnitPrice is the price-list price before PEC;
// UnitPrice × Quantity converted to the billing currency is ContractedCost
// (and ListCost), so PEC shows as ContractedCost − EffectiveCost.
// PartnerEarnedCreditPercentage, CreditPercentage and CreditType stay as
// x_ attributes and are not subtracted: Microsoft does not say that Azure
// credits are outside BillingPreTaxTotal, and subtracting them a second
// time would understate spend.
func (c *pcUsageCols) readNumbers(r *row, l *Line) (err error) {
	if l.BilledCost, err = r.requiredDec(c.billed); err != nil {
		return err
	}
	l.EffectiveCost = l.BilledCost
	if l.PricingQuantity, err = r.dec(c.quantity); err != nil {
		return err
	}
	l.ConsumedQuantity = l.PricingQuantity
	price, err := r.dec(c.unitPrice)
	if err != nil {
		return err
	}
	rate, err := r.dec(c.rate)
	if err != nil {
		return err
	}
	l.ContractedCost, err = pcConvertedCost(price, l.PricingQuantity, rate, l.PricingCurrency, l.BillingCurrency)
	if err != nil {
		return r.fail(c.unitPrice, "UnitPrice × Quantity overflows")
	}
	l.ListCost = l.ContractedCost
	return nil
}

const pcMicrosoft = "Microsoft"

// pcExact is the context for products of source amounts: wide enough that
// price × quantity × rate of real files is not rounded.
var pcExact = apd.BaseContext.WithPrecision(60)

// pcConvertedCost is price × quantity in the billing currency: times the
// pricing-to-billing rate when the currencies differ, nil when a factor is
// missing (never a guessed rate).
func pcConvertedCost(price, qty, rate *apd.Decimal, pricingCur, billingCur string) (*apd.Decimal, error) {
	if price == nil || qty == nil {
		return nil, nil
	}
	out := new(apd.Decimal)
	if _, err := pcExact.Mul(out, price, qty); err != nil {
		return nil, err
	}
	if pricingCur == "" || strings.EqualFold(pricingCur, billingCur) {
		return out, nil
	}
	if rate == nil {
		return nil, nil
	}
	_, err := pcExact.Mul(out, out, rate)
	return out, err
}

// pcIsCredit reports the charge types Partner Center uses for refunds and
// credits (new commerce and legacy spellings).
func pcIsCredit(t string) bool {
	switch strings.ToLower(strings.Join(strings.Fields(t), " ")) {
	case "refund", "one time refund", "customercredit", "customer credit", "credit", "offset a line item",
		"cancel fee", "prorate fees when cancel", "cancel instance prorate":
		return true
	}
	return false
}

func pcFirst(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func pcJoin(sep string, parts ...string) string {
	var kept []string
	for _, p := range parts {
		if p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, sep)
}

func pcLastSegment(id string) string {
	return id[strings.LastIndex(strings.TrimRight(id, "/"), "/")+1:]
}

func pcDay(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// pcMonth is the calendar month holding t: new commerce invoices are
// monthly.
func pcMonth(t time.Time) (time.Time, time.Time) {
	start := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	return start, start.AddDate(0, 1, 0)
}

// pcServiceCategory maps the common Azure meter categories to FOCUS service
// categories; the rest is "Other" rather than a guess.
func pcServiceCategory(meterCategory string) string {
	switch strings.ToLower(meterCategory) {
	case "virtual machines", "functions", "container instances", "azure kubernetes service", "cloud services":
		return "Compute"
	case "storage":
		return "Storage"
	case "bandwidth", "virtual network", "load balancer", "vpn gateway", "azure dns", "application gateway":
		return "Networking"
	case "sql database", "azure cosmos db", "azure database for postgresql", "azure database for mysql", "redis cache":
		return "Databases"
	case "azure app service":
		return "Web"
	case "log analytics", "azure monitor", "backup":
		return "Management and Governance"
	case "key vault", "microsoft defender for cloud":
		return "Security"
	}
	return "Other"
}
