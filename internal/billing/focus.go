package billing

// FOCUS (FinOps Open Cost and Usage Specification) CSV, versions 1.0 to
// 1.2. Column names are the spec's; versions are told apart by the
// columns each one added.
const (
	FOCUS10 Format = "focus-1.0"
	FOCUS11 Format = "focus-1.1"
	FOCUS12 Format = "focus-1.2"
)

// focusCore are mandatory in every version; a header with most of them is
// FOCUS.
var focusCore = []string{"BilledCost", "BillingAccountId", "BillingCurrency", "BillingPeriodStart", "BillingPeriodEnd",
	"ChargeCategory", "ChargePeriodStart", "ChargePeriodEnd", "EffectiveCost", "ListCost", "ContractedCost",
	"ProviderName", "ServiceName", "InvoiceIssuerName", "PublisherName"}

var (
	focus12Markers = []string{"InvoiceId", "PricingCurrency", "BillingAccountType", "SubAccountType"}
	focus11Markers = []string{"CommitmentDiscountStatus", "CommitmentDiscountQuantity", "ServiceSubcategory", "SkuMeter", "CapacityReservationId"}
)

func focusScore(version Format) func(r *row) int {
	return func(r *row) int {
		core := countPresent(r, focusCore...)
		if core < len(focusCore)-3 {
			return 0
		}
		has12, has11 := countPresent(r, focus12Markers...) > 0, countPresent(r, focus11Markers...) > 0
		switch {
		case version == FOCUS12 && has12, version == FOCUS11 && has11 && !has12, version == FOCUS10 && !has11 && !has12:
			return 100 + core
		}
		return 0
	}
}

func init() {
	for _, v := range []Format{FOCUS10, FOCUS11, FOCUS12} {
		register(format{name: v, score: focusScore(v), mapper: focusMapper})
	}
}

// focusCols are the columns mapped to Line fields; everything else is kept
// as x_ attributes.
type focusCols struct {
	billingAccountID, billingAccountName, subAccountID, subAccountName                  int
	billingPeriodStart, billingPeriodEnd, chargePeriodStart, chargePeriodEnd            int
	chargeCategory, chargeClass, chargeFrequency, chargeDescription                     int
	serviceName, serviceCategory, providerName, publisherName, invoiceIssuer, invoiceID int
	regionID, regionName, resourceID, resourceName, resourceType, skuID, skuPriceID     int
	pricingUnit, pricingQuantity, consumedQuantity, consumedUnit                        int
	billed, effective, list, contracted, billingCurrency, pricingCurrency, tags         int
	cdID, cdName, cdType, cdCategory, cdStatus, cdQuantity, cdUnit                      int
}

func focusMapper(r *row) func(*row) (*Line, error) {
	c := focusCols{
		billingAccountID: r.lookup("BillingAccountId"), billingAccountName: r.lookup("BillingAccountName"),
		subAccountID: r.lookup("SubAccountId"), subAccountName: r.lookup("SubAccountName"),
		billingPeriodStart: r.lookup("BillingPeriodStart"), billingPeriodEnd: r.lookup("BillingPeriodEnd"),
		chargePeriodStart: r.lookup("ChargePeriodStart"), chargePeriodEnd: r.lookup("ChargePeriodEnd"),
		chargeCategory: r.lookup("ChargeCategory"), chargeClass: r.lookup("ChargeClass"),
		chargeFrequency: r.lookup("ChargeFrequency"), chargeDescription: r.lookup("ChargeDescription"),
		serviceName: r.lookup("ServiceName"), serviceCategory: r.lookup("ServiceCategory"),
		providerName: r.lookup("ProviderName", "ServiceProviderName"), publisherName: r.lookup("PublisherName", "HostProviderName"),
		invoiceIssuer: r.lookup("InvoiceIssuerName"), invoiceID: r.lookup("InvoiceId"),
		regionID: r.lookup("RegionId"), regionName: r.lookup("RegionName"),
		resourceID: r.lookup("ResourceId"), resourceName: r.lookup("ResourceName"), resourceType: r.lookup("ResourceType"),
		skuID: r.lookup("SkuId"), skuPriceID: r.lookup("SkuPriceId"),
		pricingUnit: r.lookup("PricingUnit"), pricingQuantity: r.lookup("PricingQuantity"),
		consumedQuantity: r.lookup("ConsumedQuantity"), consumedUnit: r.lookup("ConsumedUnit"),
		billed: r.lookup("BilledCost"), effective: r.lookup("EffectiveCost"), list: r.lookup("ListCost"),
		contracted: r.lookup("ContractedCost"), billingCurrency: r.lookup("BillingCurrency"),
		pricingCurrency: r.lookup("PricingCurrency"), tags: r.lookup("Tags"),
		cdID: r.lookup("CommitmentDiscountId"), cdName: r.lookup("CommitmentDiscountName"),
		cdType: r.lookup("CommitmentDiscountType"), cdCategory: r.lookup("CommitmentDiscountCategory"),
		cdStatus: r.lookup("CommitmentDiscountStatus"), cdQuantity: r.lookup("CommitmentDiscountQuantity"),
		cdUnit: r.lookup("CommitmentDiscountUnit"),
	}
	keep := extras(r, c.mapped())
	shapes := newShapeMemo(len(r.header), c.billingPeriodStart, c.billingPeriodEnd, c.chargePeriodStart, c.chargePeriodEnd,
		c.billed, c.effective, c.list, c.contracted, c.pricingQuantity, c.consumedQuantity, c.cdQuantity)
	r.shapes = shapes // tests reach it there
	readText := func(r *row, l *Line) error {
		if err := c.readText(r, l); err != nil {
			return err
		}
		keep(r, l)
		return nil
	}
	return func(r *row) (*Line, error) {
		l := r.alloc.newLine()
		textErr := shapes.text(r, l, readText)
		if err := c.readTimes(r, l); err != nil {
			return nil, err
		}
		if err := c.readNumbers(r, l); err != nil {
			return nil, err
		}
		if textErr != nil { // reported after the periods' and amounts' errors, as always
			return nil, textErr
		}
		return l, nil
	}
}

func (c *focusCols) mapped() map[int]bool {
	return mappedCols(c.billingAccountID, c.billingAccountName, c.subAccountID, c.subAccountName,
		c.billingPeriodStart, c.billingPeriodEnd, c.chargePeriodStart, c.chargePeriodEnd, c.chargeCategory, c.chargeClass,
		c.chargeFrequency, c.chargeDescription, c.serviceName, c.serviceCategory, c.providerName, c.publisherName,
		c.invoiceIssuer, c.invoiceID, c.regionID, c.regionName, c.resourceID, c.resourceName, c.resourceType, c.skuID,
		c.skuPriceID, c.pricingUnit, c.pricingQuantity, c.consumedQuantity, c.consumedUnit, c.billed, c.effective,
		c.list, c.contracted, c.billingCurrency, c.pricingCurrency, c.tags, c.cdID, c.cdName, c.cdType, c.cdCategory,
		c.cdStatus, c.cdQuantity, c.cdUnit)
}

// readText sets l's text fields (all but the periods and amounts) from
// the text cells only: what shapeMemo relies on.
func (c *focusCols) readText(r *row, l *Line) error {
	*l = Line{
		BillingAccountID: r.str(c.billingAccountID), BillingAccountName: r.str(c.billingAccountName),
		SubAccountID: r.str(c.subAccountID), SubAccountName: r.str(c.subAccountName),
		ChargeCategory: r.str(c.chargeCategory), ChargeClass: r.str(c.chargeClass),
		ChargeFrequency: r.str(c.chargeFrequency), ChargeDescription: r.str(c.chargeDescription),
		ServiceName: r.str(c.serviceName), ServiceCategory: r.str(c.serviceCategory),
		ProviderName: r.str(c.providerName), PublisherName: r.str(c.publisherName),
		InvoiceIssuerName: r.str(c.invoiceIssuer), InvoiceID: r.str(c.invoiceID),
		RegionID: r.str(c.regionID), RegionName: r.str(c.regionName),
		ResourceID: r.str(c.resourceID), ResourceName: r.str(c.resourceName), ResourceType: r.str(c.resourceType),
		SkuID: r.str(c.skuID), SkuPriceID: r.str(c.skuPriceID), PricingUnit: r.str(c.pricingUnit),
		ConsumedUnit: r.str(c.consumedUnit), BillingCurrency: r.str(c.billingCurrency), PricingCurrency: r.str(c.pricingCurrency),
		CommitmentDiscountID: r.str(c.cdID), CommitmentDiscountName: r.str(c.cdName), CommitmentDiscountType: r.str(c.cdType),
		CommitmentDiscountCategory: r.str(c.cdCategory), CommitmentDiscountStatus: r.str(c.cdStatus),
		CommitmentDiscountUnit: r.str(c.cdUnit),
	}
	if err := checkCategory(r, c.chargeCategory, l.ChargeCategory); err != nil {
		return err
	}
	if l.BillingCurrency == "" {
		return r.fail(c.billingCurrency, "a currency is required")
	}
	var err error
	l.Tags, err = r.tags(c.tags)
	return err
}

func (c *focusCols) readTimes(r *row, l *Line) (err error) {
	for _, f := range []struct {
		col int
		dst *timeField
	}{{c.billingPeriodStart, &l.BillingPeriodStart}, {c.billingPeriodEnd, &l.BillingPeriodEnd},
		{c.chargePeriodStart, &l.ChargePeriodStart}, {c.chargePeriodEnd, &l.ChargePeriodEnd}} {
		if *f.dst, err = r.requiredTime(f.col); err != nil {
			return err
		}
	}
	if !l.ChargePeriodEnd.After(l.ChargePeriodStart) {
		return r.fail(c.chargePeriodEnd, "ChargePeriodEnd must be after ChargePeriodStart")
	}
	return nil
}

func (c *focusCols) readNumbers(r *row, l *Line) (err error) {
	block := r.alloc.newAmounts() // the line's amounts together
	if l.BilledCost, err = r.requiredDecInto(c.billed, &block[0]); err != nil {
		return err
	}
	if l.EffectiveCost, err = r.requiredDecInto(c.effective, &block[1]); err != nil {
		return err
	}
	for k, f := range [...]struct {
		col int
		dst *decField
	}{{c.list, &l.ListCost}, {c.contracted, &l.ContractedCost}, {c.pricingQuantity, &l.PricingQuantity},
		{c.consumedQuantity, &l.ConsumedQuantity}, {c.cdQuantity, &l.CommitmentDiscountQuantity}} {
		if *f.dst, err = r.decInto(f.col, &block[2+k]); err != nil {
			return err
		}
	}
	return nil
}

// checkCategory accepts the FOCUS charge categories only.
func checkCategory(r *row, col int, v string) error {
	switch v {
	case CategoryUsage, CategoryPurchase, CategoryTax, CategoryCredit, CategoryAdjustment:
		return nil
	}
	return r.fail(col, "ChargeCategory must be Usage, Purchase, Tax, Credit or Adjustment")
}
