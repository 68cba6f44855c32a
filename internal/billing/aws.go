package billing

import (
	"strings"
)

// AWS Cost and Usage Report: the legacy CUR (camelCase "lineItem/..."
// columns, one "resourceTags/..." column per tag key) and CUR 2.0 from AWS
// Data Exports (snake_case columns, product and resource_tags as JSON
// maps). Both describe the same line items, so one mapper reads both from
// a table of column spellings.
const (
	AWSCUR  Format = "aws-cur"
	AWSCUR2 Format = "aws-cur2"
)

const amazonWebServices = "Amazon Web Services"

// curField names one CUR column independently of its spelling.
type curField int

const (
	cfInvoiceID curField = iota
	cfBillingEntity
	cfBillType
	cfPayerID
	cfPayerName
	cfBillStart
	cfBillEnd
	cfAccountID
	cfAccountName
	cfItemType
	cfUsageStart
	cfUsageEnd
	cfProductCode
	cfResourceID
	cfUsageAmount
	cfCurrency
	cfUnblended
	cfDescription
	cfLegalEntity
	cfProductName
	cfRegionCode
	cfLocation
	cfSKU
	cfRateCode
	cfPricingCurrency
	cfPublicOnDemand
	cfUnit
	cfRIEffective
	cfRIARN
	cfRIUnusedUpfront
	cfRIUnusedRecurring
	cfSPEffective
	cfSPARN
	cfSPTotalCommitment
	cfSPUsedCommitment
	cfLineItemID
	cfUsageType
	curFieldCount
)

// curSpelling is one CUR generation: each field's column name(s), first
// match wins, and how its tags are laid out.
type curSpelling struct {
	names [curFieldCount][]string
	// tagPrefix marks one column per tag ("resourceTags/user:env" in
	// legacy CUR, "resource_tags_user_env" in Athena-style flat exports).
	tagPrefix string
	// tagMaps are JSON map columns holding tags (CUR 2.0).
	tagMaps []string
	// productMap is the JSON map column of product attributes (CUR 2.0),
	// read for product_name when there is no product name column.
	productMap string
}

var curLegacy = curSpelling{tagPrefix: "resourceTags/", names: [curFieldCount][]string{
	cfInvoiceID: {"bill/InvoiceId"}, cfBillingEntity: {"bill/BillingEntity"}, cfBillType: {"bill/BillType"},
	cfPayerID: {"bill/PayerAccountId"}, cfPayerName: {"bill/PayerAccountName"},
	cfBillStart: {"bill/BillingPeriodStartDate"}, cfBillEnd: {"bill/BillingPeriodEndDate"},
	cfAccountID: {"lineItem/UsageAccountId"}, cfAccountName: {"lineItem/UsageAccountName"},
	cfItemType: {"lineItem/LineItemType"}, cfUsageStart: {"lineItem/UsageStartDate"}, cfUsageEnd: {"lineItem/UsageEndDate"},
	cfProductCode: {"lineItem/ProductCode"}, cfResourceID: {"lineItem/ResourceId"}, cfUsageAmount: {"lineItem/UsageAmount"},
	cfCurrency: {"lineItem/CurrencyCode"}, cfUnblended: {"lineItem/UnblendedCost"},
	cfDescription: {"lineItem/LineItemDescription"}, cfLegalEntity: {"lineItem/LegalEntity"},
	cfProductName: {"product/ProductName"}, cfRegionCode: {"product/regionCode", "product/region"},
	cfLocation: {"product/location"}, cfSKU: {"product/sku"}, cfRateCode: {"pricing/RateCode"},
	cfPricingCurrency: {"pricing/currency"}, cfPublicOnDemand: {"pricing/publicOnDemandCost"}, cfUnit: {"pricing/unit"},
	cfRIEffective: {"reservation/EffectiveCost"}, cfRIARN: {"reservation/ReservationARN"},
	cfRIUnusedUpfront:   {"reservation/UnusedAmortizedUpfrontFeeForBillingPeriod"},
	cfRIUnusedRecurring: {"reservation/UnusedRecurringFee"},
	cfSPEffective:       {"savingsPlan/SavingsPlanEffectiveCost"}, cfSPARN: {"savingsPlan/SavingsPlanARN"},
	cfSPTotalCommitment: {"savingsPlan/TotalCommitmentToDate"}, cfSPUsedCommitment: {"savingsPlan/UsedCommitment"},
	cfLineItemID: {"identity/LineItemId"}, cfUsageType: {"lineItem/UsageType"},
}}

var curV2 = curSpelling{tagPrefix: "resource_tags_", tagMaps: []string{"resource_tags", "tags"}, productMap: "product",
	names: [curFieldCount][]string{
		cfInvoiceID: {"bill_invoice_id"}, cfBillingEntity: {"bill_billing_entity"}, cfBillType: {"bill_bill_type"},
		cfPayerID: {"bill_payer_account_id"}, cfPayerName: {"bill_payer_account_name"},
		cfBillStart: {"bill_billing_period_start_date"}, cfBillEnd: {"bill_billing_period_end_date"},
		cfAccountID: {"line_item_usage_account_id"}, cfAccountName: {"line_item_usage_account_name"},
		cfItemType: {"line_item_line_item_type"}, cfUsageStart: {"line_item_usage_start_date"},
		cfUsageEnd: {"line_item_usage_end_date"}, cfProductCode: {"line_item_product_code"},
		cfResourceID: {"line_item_resource_id"}, cfUsageAmount: {"line_item_usage_amount"},
		cfCurrency: {"line_item_currency_code"}, cfUnblended: {"line_item_unblended_cost"},
		cfDescription: {"line_item_line_item_description"}, cfLegalEntity: {"line_item_legal_entity"},
		cfProductName: {"product_product_name", "product_name"}, cfRegionCode: {"product_region_code", "product_region"},
		cfLocation: {"product_location"}, cfSKU: {"product_sku"}, cfRateCode: {"pricing_rate_code"},
		cfPricingCurrency: {"pricing_currency"}, cfPublicOnDemand: {"pricing_public_on_demand_cost"}, cfUnit: {"pricing_unit"},
		cfRIEffective: {"reservation_effective_cost"}, cfRIARN: {"reservation_reservation_a_r_n", "reservation_reservation_arn"},
		cfRIUnusedUpfront:   {"reservation_unused_amortized_upfront_fee_for_billing_period"},
		cfRIUnusedRecurring: {"reservation_unused_recurring_fee"},
		cfSPEffective:       {"savings_plan_savings_plan_effective_cost"},
		cfSPARN:             {"savings_plan_savings_plan_a_r_n", "savings_plan_savings_plan_arn"},
		cfSPTotalCommitment: {"savings_plan_total_commitment_to_date"}, cfSPUsedCommitment: {"savings_plan_used_commitment"},
		cfLineItemID: {"identity_line_item_id"}, cfUsageType: {"line_item_usage_type"},
	}}

// curRequired must be in the header: without them a line cannot be
// placed in time, priced or classified.
var curRequired = []curField{cfPayerID, cfBillStart, cfBillEnd, cfItemType, cfUsageStart, cfUsageEnd, cfCurrency, cfUnblended}

// curMarkers recognise a CUR header.
var curMarkers = append([]curField{cfLineItemID, cfAccountID}, curRequired...)

func init() {
	register(format{name: AWSCUR, score: curScore(&curLegacy), mapper: curMapper(&curLegacy)})
	register(format{name: AWSCUR2, score: curScore(&curV2), mapper: curMapper(&curV2)})
}

// curScore recognises a CUR header by its required columns plus the line
// item ID. It stays below FOCUS's 100+ so an AWS FOCUS export (which has
// x_ columns of AWS origin) is never taken for a CUR.
func curScore(s *curSpelling) func(r *row) int {
	return func(r *row) int {
		n := 0
		for _, f := range curMarkers {
			if r.lookup(s.names[f]...) >= 0 {
				n++
			}
		}
		if n < 4 {
			return 0
		}
		return 50 + n
	}
}

// curCols is a file's resolved column positions.
type curCols struct {
	spelling   *curSpelling
	col        [curFieldCount]int
	tagCols    map[int]string // column -> tag key
	tagMaps    []int
	productMap int
	missing    string // first required column absent from the header
}

func curMapper(s *curSpelling) func(r *row) func(*row) (*Line, error) {
	return func(r *row) func(*row) (*Line, error) {
		c := resolveCUR(r, s)
		return readWithExtras(r, c.mapped(), c.read)
	}
}

func resolveCUR(r *row, s *curSpelling) *curCols {
	c := &curCols{spelling: s, tagCols: map[int]string{}, productMap: -1}
	for f := range c.col {
		c.col[f] = r.lookup(s.names[f]...)
	}
	for _, f := range curRequired {
		if c.col[f] < 0 && c.missing == "" {
			c.missing = s.names[f][0]
		}
	}
	for i, h := range r.header {
		if name, ok := strings.CutPrefix(strings.TrimSpace(h), s.tagPrefix); ok && name != "" {
			c.tagCols[i] = curTagKey(name)
		}
	}
	for _, m := range s.tagMaps {
		if i := r.lookup(m); i >= 0 {
			c.tagMaps = append(c.tagMaps, i)
		}
	}
	if s.productMap != "" {
		c.productMap = r.lookup(s.productMap)
	}
	return c
}

// curAlsoExtra are read but have no Line field of their own (or carry
// more than the Line keeps), so they stay as x_ attributes too; so does
// the product map.
var curAlsoExtra = map[curField]bool{cfBillingEntity: true, cfBillType: true, cfLegalEntity: true, cfLineItemID: true, cfUsageType: true}

func (c *curCols) mapped() map[int]bool {
	m := map[int]bool{}
	for f, i := range c.col {
		if i >= 0 && !curAlsoExtra[curField(f)] {
			m[i] = true
		}
	}
	for i := range c.tagCols {
		m[i] = true
	}
	for _, i := range c.tagMaps {
		m[i] = true
	}
	return m
}

// curTagKey turns a CUR tag name into the key the user wrote: user tags
// lose their "user:" (or normalised "user_") prefix, AWS-generated tags
// keep an "aws:" prefix so they never collide with a user tag.
func curTagKey(name string) string {
	name = strings.TrimPrefix(name, "resourceTags/")
	switch {
	case strings.HasPrefix(name, "user:"):
		return name[len("user:"):]
	case strings.HasPrefix(name, "user_"):
		return name[len("user_"):]
	case strings.HasPrefix(name, "aws_"):
		return "aws:" + name[len("aws_"):]
	}
	return name
}
