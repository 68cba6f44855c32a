package billing

// Azure Cost Management cost details ("usage details") exports, for
// Enterprise Agreement and Microsoft Customer Agreement accounts, actual
// and amortized, in both column generations: the older EA names
// (SubscriptionGuid, Cost, InstanceId, DepartmentName) and the newer ones
// (SubscriptionId, CostInBillingCurrency, ResourceId, BillingProfileId,
// benefitId...). Names are matched case-insensitively, so MCA's camelCase
// (costInBillingCurrency, resourceGroupName) resolves to the same columns.
//
// The mapping follows Microsoft's "Convert Cost Management data to FOCUS"
// guidance (FinOps toolkit); azure_rules.go holds the per-charge rules and
// says how actual and amortized files are told apart.

import (
	"time"

	"github.com/cockroachdb/apd/v3"
)

// Azure cost export formats. An actual and an amortized file of one kind
// are the same format; see ExtraCostType for telling their lines apart.
const (
	AzureEA  Format = "azure-ea"
	AzureMCA Format = "azure-mca"
)

// ExtraResourceGroup is the Extra key holding the Azure resource group,
// whatever the column is called in the file (ResourceGroup,
// resourceGroupName). The spend explorer filters on it.
const ExtraResourceGroup = "x_ResourceGroup"

// Anchors every Azure cost export has in some spelling: a cost, a charge
// date and a subscription. FOCUS files have none of these bare names.
var (
	azureCost = []string{"CostInBillingCurrency", "Cost", "PreTaxCost"}
	azureDate = []string{"Date", "UsageDateTime"}
	azureSub  = []string{"SubscriptionGuid", "SubscriptionId"}
	// azureMarkers raise the score of a real export over a file that only
	// shares the anchors.
	azureMarkers = []string{"MeterCategory", "MeterId", "ConsumedService", "ResourceLocation", "UnitOfMeasure",
		"Quantity", "ChargeType", "PricingModel", "Tags", "BillingPeriodStartDate"}
	// MCA writes these; EA writes BillingCurrencyCode and account columns.
	mcaMarkers = []string{"BillingCurrency", "PricingCurrency", "CostInPricingCurrency", "InvoiceId",
		"PreviousInvoiceId", "ExchangeRatePricingToBilling", "PaygCostInBillingCurrency", "ResourceGroupName"}
	eaMarkers = []string{"BillingCurrencyCode", "AccountOwnerId", "AccountName", "SubscriptionGuid",
		"DepartmentName", "EnrollmentNumber"}
)

func init() {
	register(format{name: AzureEA, score: azureScore(AzureEA), mapper: azureMapper(AzureEA)})
	register(format{name: AzureMCA, score: azureScore(AzureMCA), mapper: azureMapper(AzureMCA)})
}

// azureScore accepts a header with the three anchors and no FOCUS cost
// columns; EA and MCA are told apart by which side has more markers (a tie
// is EA, whose files carry fewer MCA-only columns).
func azureScore(kind Format) func(r *row) int {
	return func(r *row) int {
		if countPresent(r, "BilledCost", "ChargePeriodStart") > 0 {
			return 0
		}
		if r.lookup(azureCost...) < 0 || r.lookup(azureDate...) < 0 || r.lookup(azureSub...) < 0 {
			return 0
		}
		mca := countPresent(r, mcaMarkers...) > countPresent(r, eaMarkers...)
		if mca != (kind == AzureMCA) {
			return 0
		}
		return 100 + countPresent(r, azureMarkers...)
	}
}

// azureCols are column positions, resolved once per file (-1 = absent).
type azureCols struct {
	kind                                            Format
	date, bpStart, bpEnd                            int
	cost, billCur, priceCur, rate                   int
	qty, unit, unitPrice, paygPrice, paygCost       int
	chargeType, pricingModel, frequency             int
	benefitID, benefitName, reservID, reservName    int
	acctID, acctName, profileID, profileName        int
	subID, subName, resID, resName, resType, resGrp int
	location, meterCategory, consumedService        int
	product, productID, publisher, partner, invoice int
	prevInvoice, tagCol                             int
}

func azureMapper(kind Format) func(r *row) func(*row) (*Line, error) {
	return func(r *row) func(*row) (*Line, error) {
		c := resolveAzure(r, kind)
		read := readWithExtras(r, c.mapped(), c.read)
		return func(r *row) (*Line, error) {
			l, err := read(r)
			if err != nil {
				return nil, err
			}
			if g := r.str(c.resGrp); g != "" {
				setExtra(l, ExtraResourceGroup, g)
			}
			return l, nil
		}
	}
}

func resolveAzure(r *row, kind Format) *azureCols {
	return &azureCols{
		kind: kind,
		date: r.lookup(azureDate...), bpStart: r.lookup("BillingPeriodStartDate"), bpEnd: r.lookup("BillingPeriodEndDate"),
		cost: r.lookup(azureCost...), billCur: r.lookup("BillingCurrency", "BillingCurrencyCode", "Currency"),
		priceCur: r.lookup("PricingCurrency", "PricingCurrencyCode"), rate: r.lookup("ExchangeRatePricingToBilling"),
		qty: r.lookup("Quantity", "UsageQuantity", "ConsumedQuantity"), unit: r.lookup("UnitOfMeasure"),
		unitPrice: r.lookup("UnitPrice"), paygPrice: r.lookup("PayGPrice"), paygCost: r.lookup("PaygCostInBillingCurrency"),
		chargeType: r.lookup("ChargeType"), pricingModel: r.lookup("PricingModel"), frequency: r.lookup("Frequency"),
		benefitID: r.lookup("BenefitId"), benefitName: r.lookup("BenefitName"),
		reservID: r.lookup("ReservationId"), reservName: r.lookup("ReservationName"),
		acctID: r.lookup("BillingAccountId"), acctName: r.lookup("BillingAccountName"),
		profileID: r.lookup("BillingProfileId"), profileName: r.lookup("BillingProfileName"),
		subID: r.lookup(azureSub...), subName: r.lookup("SubscriptionName"),
		resID: r.lookup("ResourceId", "InstanceId"), resName: r.lookup("ResourceName"), resType: r.lookup("ResourceType"),
		resGrp: r.lookup("ResourceGroup", "ResourceGroupName"), location: r.lookup("ResourceLocation"),
		meterCategory: r.lookup("MeterCategory"), consumedService: r.lookup("ConsumedService"),
		product: r.lookup("ProductName", "Product"), productID: r.lookup("ProductId"),
		publisher: r.lookup("PublisherName"), partner: r.lookup("PartnerName"),
		invoice: r.lookup("InvoiceId"), prevInvoice: r.lookup("PreviousInvoiceId"), tagCol: r.lookup("Tags"),
	}
}

// mapped lists the columns that become Line fields. Columns only partly
// mapped stay as x_ attributes too, so the source's own words remain next
// to the FOCUS values derived from them: the billing account and billing
// profile (only one becomes BillingAccountId), ChargeType, PricingModel,
// Frequency, prices, MeterId and the rest. The resource group is mapped:
// it is stored under ExtraResourceGroup whatever its column name.
func (c *azureCols) mapped() map[int]bool {
	return mappedCols(c.date, c.bpStart, c.bpEnd, c.cost, c.billCur, c.priceCur, c.qty, c.unit,
		c.benefitID, c.benefitName, c.reservID, c.reservName, c.subID, c.subName, c.resID, c.resName,
		c.resType, c.resGrp, c.location, c.meterCategory, c.publisher, c.invoice, c.tagCol)
}

func (c *azureCols) read(r *row) (*Line, error) {
	l := &Line{
		SubAccountID: r.str(c.subID), SubAccountName: r.str(c.subName),
		ChargeDescription: r.str(c.product), ProviderName: "Microsoft", PublisherName: r.str(c.publisher),
		InvoiceIssuerName: r.str(c.partner), InvoiceID: r.str(c.invoice),
		ResourceID: r.str(c.resID), ResourceName: r.str(c.resName), ResourceType: r.str(c.resType),
		RegionName: r.str(c.location), SkuID: r.str(c.productID),
		BillingCurrency: r.str(c.billCur), PricingCurrency: r.str(c.priceCur),
	}
	c.readAccount(r, l)
	c.fillDerived(r, l)
	if l.BillingCurrency == "" {
		return nil, r.fail(c.billCur, "a currency is required")
	}
	if err := c.readPeriods(r, l); err != nil {
		return nil, err
	}
	kind, err := c.readCharge(r, l)
	if err != nil {
		return nil, err
	}
	if err := c.readAmounts(r, l, kind); err != nil {
		return nil, err
	}
	c.readCommitment(r, l, kind)
	l.Tags, err = r.tags(c.tagCol)
	return l, err
}

// readAccount: the FOCUS billing account is the EA enrollment
// (BillingAccountId) or the MCA billing profile (the invoice scope);
// each falls back to the other when a file lacks it.
func (c *azureCols) readAccount(r *row, l *Line) {
	first, second := [2]int{c.acctID, c.acctName}, [2]int{c.profileID, c.profileName}
	if c.kind == AzureMCA {
		first, second = second, first
	}
	l.BillingAccountID, l.BillingAccountName = r.str(first[0]), r.str(first[1])
	if l.BillingAccountID == "" {
		l.BillingAccountID, l.BillingAccountName = r.str(second[0]), r.str(second[1])
	}
}

// fillDerived sets the columns FOCUS wants that Azure leaves implicit.
func (c *azureCols) fillDerived(r *row, l *Line) {
	if l.PublisherName == "" {
		l.PublisherName = "Microsoft"
	}
	if l.InvoiceIssuerName == "" {
		l.InvoiceIssuerName = "Microsoft" // a CSP partner invoices when PartnerName is set
	}
	if l.PricingCurrency == "" {
		l.PricingCurrency = l.BillingCurrency // EA prices in the billing currency
	}
	if l.ResourceName == "" {
		l.ResourceName = azureLastSegment(l.ResourceID)
	}
	if l.ResourceType == "" {
		l.ResourceType = azureARMType(l.ResourceID)
	}
	l.RegionID = azureRegionID(l.RegionName)
	l.ServiceName = r.str(c.meterCategory)
	if l.ServiceName == "" {
		l.ServiceName = r.str(c.consumedService)
	}
	l.ServiceCategory = azureServiceCategory(l.ServiceName)
}

// readPeriods: the charge period is the day of Date, [Date, Date+1d). The
// billing period's end is inclusive in Azure (01/31/2026) and becomes the
// exclusive next day; files without billing-period columns (old EA
// downloads) get the calendar month of the charge.
func (c *azureCols) readPeriods(r *row, l *Line) error {
	day, err := r.requiredTime(c.date)
	if err != nil {
		return err
	}
	l.ChargePeriodStart = day.Truncate(24 * time.Hour)
	l.ChargePeriodEnd = l.ChargePeriodStart.AddDate(0, 0, 1)
	if c.bpStart < 0 && c.bpEnd < 0 {
		l.BillingPeriodStart = time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC)
		l.BillingPeriodEnd = l.BillingPeriodStart.AddDate(0, 1, 0)
		return nil
	}
	if l.BillingPeriodStart, err = r.requiredTime(c.bpStart); err != nil {
		return err
	}
	end, err := r.requiredTime(c.bpEnd)
	if err != nil {
		return err
	}
	l.BillingPeriodEnd = end.Truncate(24*time.Hour).AddDate(0, 0, 1)
	if !l.BillingPeriodEnd.After(l.BillingPeriodStart) {
		return r.fail(c.bpEnd, "BillingPeriodEndDate is before BillingPeriodStartDate")
	}
	return nil
}

// readAmounts reads the cost and the prices and applies the BilledCost /
// EffectiveCost split of the charge's kind (see costSplit).
func (c *azureCols) readAmounts(r *row, l *Line, kind chargeKind) error {
	cost, err := r.requiredDec(c.cost)
	if err != nil {
		return err
	}
	l.BilledCost, l.EffectiveCost = costSplit(kind, cost)
	if flag := costTypeEvidence(kind, cost); flag != "" {
		setExtra(l, ExtraCostType, flag)
	}
	qty, err := r.dec(c.qty)
	if err != nil {
		return err
	}
	rate := apd.New(1, 0)
	if d, err := r.dec(c.rate); err != nil {
		return err
	} else if d != nil {
		rate = d
	}
	return c.readPrices(r, l, kind, qty, rate)
}

func setExtra(l *Line, k, v string) {
	if l.Extra == nil {
		l.Extra = map[string]string{}
	}
	l.Extra[k] = v
}
