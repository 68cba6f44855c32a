package billing

import (
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"
)

// read maps one CUR line; the rules per line item type are in aws_rules.go.
func (c *curCols) read(r *row) (*Line, error) {
	if c.missing != "" {
		return nil, &ParseError{Line: 1, Column: c.missing, Msg: "required column missing from the header"}
	}
	kind := r.str(c.col[cfItemType])
	rule, ok := curRuleFor(kind)
	if !ok {
		return nil, r.fail(c.col[cfItemType], "unknown line item type (expected Usage, DiscountedUsage, SavingsPlanCoveredUsage, SavingsPlanNegation, RIFee, Fee, Tax, Credit, Refund, a *Discount or a SavingsPlan fee)")
	}
	l, err := c.readText(r, rule)
	if err != nil {
		return nil, err
	}
	if err := c.readTimes(r, l); err != nil {
		return nil, err
	}
	if err := c.readNumbers(r, l, rule); err != nil {
		return nil, err
	}
	if l.Tags, err = c.readTags(r); err != nil {
		return nil, err
	}
	return l, nil
}

func (c *curCols) readText(r *row, rule curRule) (*Line, error) {
	s := func(f curField) string { return r.str(c.col[f]) }
	l := &Line{
		BillingAccountID: s(cfPayerID), BillingAccountName: s(cfPayerName),
		SubAccountID: s(cfAccountID), SubAccountName: s(cfAccountName),
		ChargeCategory: rule.category, ChargeFrequency: curFrequency(rule, s(cfBillType)),
		ChargeDescription: s(cfDescription), ServiceName: s(cfProductName),
		ServiceCategory: awsServiceCategory(s(cfProductCode)),
		ProviderName:    amazonWebServices, InvoiceIssuerName: amazonWebServices, InvoiceID: s(cfInvoiceID),
		RegionID: s(cfRegionCode), RegionName: s(cfLocation), ResourceID: s(cfResourceID),
		SkuID: s(cfSKU), SkuPriceID: s(cfRateCode), PricingUnit: s(cfUnit),
		BillingCurrency: s(cfCurrency), PricingCurrency: s(cfPricingCurrency),
	}
	if l.BillingCurrency == "" {
		return nil, r.fail(c.col[cfCurrency], "a currency is required")
	}
	if err := c.fromProductMap(r, l); err != nil {
		return nil, err
	}
	if l.ServiceName == "" {
		l.ServiceName = s(cfProductCode)
	}
	l.PublisherName = curPublisher(s(cfBillingEntity), s(cfLegalEntity), l.ServiceName)
	setCommitment(l, s(cfRIARN), s(cfSPARN), rule)
	return l, nil
}

// fromProductMap fills the service name and region from CUR 2.0's product
// map when no static column gave them.
func (c *curCols) fromProductMap(r *row, l *Line) error {
	if c.productMap < 0 || (l.ServiceName != "" && l.RegionID != "") {
		return nil
	}
	p, err := r.tags(c.productMap)
	if err != nil {
		return r.fail(c.productMap, "the product map is not a JSON object")
	}
	if l.ServiceName == "" {
		l.ServiceName = p["product_name"]
	}
	if l.RegionID == "" {
		l.RegionID = p["region"]
	}
	return nil
}

func (c *curCols) readTimes(r *row, l *Line) (err error) {
	for _, f := range []struct {
		field curField
		dst   *timeField
	}{{cfBillStart, &l.BillingPeriodStart}, {cfBillEnd, &l.BillingPeriodEnd},
		{cfUsageStart, &l.ChargePeriodStart}, {cfUsageEnd, &l.ChargePeriodEnd}} {
		if *f.dst, err = r.requiredTime(c.col[f.field]); err != nil {
			return err
		}
	}
	if !l.BillingPeriodEnd.After(l.BillingPeriodStart) {
		return r.fail(c.col[cfBillEnd], "the billing period must end after it starts")
	}
	// A one-time purchase may be stamped with a single instant. FOCUS
	// wants ChargePeriodEnd after ChargePeriodStart, so such a charge
	// keeps its instant as the start and ends at the end of its UTC day
	// (same charge day, conformant exports); a reversed period is refused.
	if l.ChargePeriodEnd.Before(l.ChargePeriodStart) {
		return r.fail(c.col[cfUsageEnd], "the usage period ends before it starts")
	}
	if l.ChargePeriodEnd.Equal(l.ChargePeriodStart) {
		l.ChargePeriodEnd = l.ChargePeriodStart.Truncate(24 * time.Hour).Add(24 * time.Hour)
	}
	if l.ChargePeriodStart.Before(l.BillingPeriodStart) {
		l.ChargeClass = ChargeClassCorrection
	}
	return nil
}

func (c *curCols) readNumbers(r *row, l *Line, rule curRule) error {
	unblended, err := r.requiredDec(c.col[cfUnblended])
	if err != nil {
		return err
	}
	l.BilledCost = unblended
	eff, err := c.effectiveCost(r, rule, unblended)
	if err != nil {
		return err
	}
	l.EffectiveCost = new(apd.Decimal).Set(eff) // never shares BilledCost's value
	if l.ListCost, err = r.dec(c.col[cfPublicOnDemand]); err != nil {
		return err
	}
	if l.PricingQuantity, err = r.dec(c.col[cfUsageAmount]); err != nil {
		return err
	}
	if rule.consumed && l.PricingQuantity != nil {
		l.ConsumedQuantity, l.ConsumedUnit = new(apd.Decimal).Set(l.PricingQuantity), l.PricingUnit
	}
	return nil
}

func (c *curCols) readTags(r *row) (map[string]string, error) {
	var tags map[string]string
	set := func(k, v string) {
		if tags == nil {
			tags = make(map[string]string, 4)
		}
		tags[k] = v
	}
	for i, key := range c.tagCols {
		if v := r.str(i); v != "" {
			set(key, v)
		}
	}
	for _, i := range c.tagMaps {
		m, err := r.tags(i)
		if err != nil {
			return nil, err
		}
		for k, v := range m {
			set(curTagKey(k), v)
		}
	}
	return tags, nil
}

// awsServiceCategories maps lineItem/ProductCode to the FOCUS service
// category; codes not listed are "Other".
var awsServiceCategories = func() map[string]string {
	byCategory := map[string]string{
		"Compute": "AmazonEC2 AWSLambda AmazonECS AmazonEKS AmazonECR AmazonLightsail AWSOutposts AWSAppRunner " +
			"AmazonAppStream ComputeSavingsPlans AWSBatch",
		"Storage":   "AmazonS3 AmazonEBS AmazonEFS AmazonFSx AmazonGlacier AWSBackup AWSStorageGateway AmazonS3GlacierDeepArchive",
		"Databases": "AmazonRDS AmazonDynamoDB AmazonElastiCache AmazonRedshift AmazonDocDB AmazonNeptune AmazonMemoryDB AmazonTimestream",
		"Networking": "AmazonVPC AWSDataTransfer AmazonCloudFront AmazonRoute53 AWSELB AWSDirectConnect AmazonApiGateway " +
			"AWSGlobalAccelerator AWSNetworkFirewall",
		"Analytics":                 "AmazonAthena AWSGlue AmazonKinesis AmazonKinesisFirehose AmazonES ElasticMapReduce AmazonQuickSight AmazonMSK",
		"AI and Machine Learning":   "AmazonSageMaker AmazonBedrock AmazonRekognition AmazonTextract comprehend transcribe translate AmazonPolly",
		"Security":                  "awskms AWSSecretsManager AmazonGuardDuty AWSSecurityHub awswaf AWSShield AmazonCognito AWSCertificateManager AmazonInspectorV2",
		"Management and Governance": "AmazonCloudWatch AWSCloudTrail AWSConfig AWSCloudFormation AWSSystemsManager AWSCostExplorer",
		"Integration":               "AWSQueueService AmazonSNS AmazonMQ AmazonStates AmazonEventBridge",
		"Developer Tools":           "CodeBuild AWSCodeCommit AWSCodePipeline AWSCodeArtifact AWSAmplify",
		"Business Applications":     "AmazonSES AmazonConnect AmazonWorkSpaces AmazonWorkMail AmazonChime",
	}
	m := map[string]string{}
	for category, codes := range byCategory {
		for _, code := range strings.Fields(codes) {
			m[code] = category
		}
	}
	return m
}()

func awsServiceCategory(productCode string) string {
	if c, ok := awsServiceCategories[productCode]; ok {
		return c
	}
	return "Other"
}
