package billing

import (
	"strings"

	"github.com/cockroachdb/apd/v3"
)

// How each CUR line item type becomes a FOCUS line. It follows the FinOps
// Foundation's CUR-to-FOCUS conversion and AWS's amortisation rules:
//
//	LineItemType            ChargeCategory Frequency   BilledCost  EffectiveCost
//	Usage                   Usage          Usage-Based Unblended   Unblended
//	DiscountedUsage (RI)    Usage          Usage-Based Unblended   reservation/EffectiveCost
//	SavingsPlanCoveredUsage Usage          Usage-Based Unblended   savingsPlan/SavingsPlanEffectiveCost
//	SavingsPlanNegation     Usage          Usage-Based Unblended   0
//	RIFee                   Purchase       Recurring   Unblended   UnusedAmortizedUpfrontFeeForBillingPeriod + UnusedRecurringFee
//	SavingsPlanRecurringFee Purchase       Recurring   Unblended   TotalCommitmentToDate - UsedCommitment
//	SavingsPlanUpfrontFee   Purchase       One-Time    Unblended   0
//	Fee with a ReservationARN (RI upfront)
//	                        Purchase       from BillType Unblended 0
//	Fee (other)             Purchase       from BillType Unblended Unblended
//	Tax                     Tax            from BillType Unblended Unblended
//	Credit, Refund          Credit         from BillType Unblended Unblended
//	*Discount (EdpDiscount, PrivateRateDiscount, BundledDiscount, Discount,
//	RiVolumeDiscount, ...)  Credit         Usage-Based Unblended   Unblended
//
// Why: the invoice is the sum of lineItem/UnblendedCost over its lines, so
// BilledCost is UnblendedCost on every line. SavingsPlanCoveredUsage is
// billed at the on-demand rate and cancelled by its SavingsPlanNegation
// line; what is really paid for it is the SP recurring/upfront fee, so the
// usage carries the amortised SavingsPlanEffectiveCost and the fees carry
// only the unused commitment. An RI's upfront Fee and monthly RIFee are
// amortised into DiscountedUsage the same way. Upfront fees are therefore
// 0 in EffectiveCost, and the sum of EffectiveCost is AWS's amortised
// cost. Discounts and credits are their own negative lines in CUR, so they
// reduce both totals. lineItem/NetUnblendedCost and the discount columns
// are kept as x_ attributes: the discount lines already carry the
// discounts. BillType "Anniversary" (the monthly bill) makes a charge
// Recurring; "Purchase" and "Refund" make it One-Time. A line whose
// charge period starts before its billing period is a Correction.
type curRule struct {
	category  string
	frequency string // "" = from bill/BillType
	effective curEffective
	consumed  bool // ConsumedQuantity is the usage amount
}

type curEffective int

const (
	effUnblended curEffective = iota
	effZero
	effRIUsage
	effRIUnused
	effSPUsage
	effSPUnused
	effFee // zero for an RI upfront fee, else unblended
)

var curRules = map[string]curRule{
	"Usage":                   {CategoryUsage, FrequencyUsageBased, effUnblended, true},
	"DiscountedUsage":         {CategoryUsage, FrequencyUsageBased, effRIUsage, true},
	"SavingsPlanCoveredUsage": {CategoryUsage, FrequencyUsageBased, effSPUsage, true},
	"SavingsPlanNegation":     {CategoryUsage, FrequencyUsageBased, effZero, false},
	"RIFee":                   {CategoryPurchase, FrequencyRecurring, effRIUnused, false},
	"SavingsPlanRecurringFee": {CategoryPurchase, FrequencyRecurring, effSPUnused, false},
	"SavingsPlanUpfrontFee":   {CategoryPurchase, FrequencyOneTime, effZero, false},
	"Fee":                     {CategoryPurchase, "", effFee, false},
	"Tax":                     {CategoryTax, "", effUnblended, false},
	"Credit":                  {CategoryCredit, "", effUnblended, false},
	"Refund":                  {CategoryCredit, "", effUnblended, false},
}

var curDiscountRule = curRule{CategoryCredit, FrequencyUsageBased, effUnblended, false}

// curRuleFor finds the rule for a line item type; AWS adds discount kinds
// over time and all of them end in "Discount".
func curRuleFor(kind string) (curRule, bool) {
	if rule, ok := curRules[kind]; ok {
		return rule, true
	}
	if strings.HasSuffix(kind, "Discount") {
		return curDiscountRule, true
	}
	return curRule{}, false
}

// curExact adds and subtracts CUR amounts (at most ~30 digits) without
// rounding.
var curExact = apd.BaseContext.WithPrecision(60)

// effectiveCost applies the EffectiveCost column of the table above.
func (c *curCols) effectiveCost(r *row, rule curRule, unblended *apd.Decimal) (*apd.Decimal, error) {
	switch rule.effective {
	case effZero:
		return new(apd.Decimal), nil
	case effFee:
		if r.str(c.col[cfRIARN]) != "" {
			return new(apd.Decimal), nil
		}
	case effRIUsage:
		return c.amortising(r, cfRIEffective)
	case effSPUsage:
		return c.amortising(r, cfSPEffective)
	case effRIUnused:
		return c.combine(r, cfRIUnusedUpfront, cfRIUnusedRecurring, curExact.Add)
	case effSPUnused:
		return c.combine(r, cfSPTotalCommitment, cfSPUsedCommitment, curExact.Sub)
	}
	return unblended, nil
}

// amortising reads a column this line type needs for its EffectiveCost: a
// null there would silently turn a commitment's cost into zero.
func (c *curCols) amortising(r *row, f curField) (*apd.Decimal, error) {
	i := c.col[f]
	if i < 0 {
		return nil, &ParseError{Line: r.line, Column: c.spelling.names[f][0],
			Msg: "this line item type needs the column to compute EffectiveCost, and the header lacks it"}
	}
	return r.requiredDec(i)
}

func (c *curCols) combine(r *row, a, b curField, op func(d, x, y *apd.Decimal) (apd.Condition, error)) (*apd.Decimal, error) {
	x, err := c.amortising(r, a)
	if err != nil {
		return nil, err
	}
	y, err := c.amortising(r, b)
	if err != nil {
		return nil, err
	}
	out := new(apd.Decimal)
	cond, err := op(out, x, y)
	if err != nil || cond.Inexact() {
		return nil, r.fail(c.col[a], "amount out of range")
	}
	return out, nil
}

// curFrequency reads bill/BillType for the types whose frequency depends
// on the bill they are on.
func curFrequency(rule curRule, billType string) string {
	if rule.frequency != "" {
		return rule.frequency
	}
	if billType == "Anniversary" {
		return FrequencyRecurring
	}
	return FrequencyOneTime
}

// setCommitment fills the commitment discount fields from an RI or SP
// ARN. Status is only meaningful on usage (FOCUS leaves it null
// elsewhere): usage that names a commitment consumed it.
func setCommitment(l *Line, riARN, spARN string, rule curRule) {
	switch {
	case riARN != "":
		l.CommitmentDiscountID, l.CommitmentDiscountType, l.CommitmentDiscountCategory = riARN, "Reserved Instance", "Usage"
	case spARN != "":
		l.CommitmentDiscountID, l.CommitmentDiscountType, l.CommitmentDiscountCategory = spARN, "Savings Plan", "Spend"
	default:
		return
	}
	l.CommitmentDiscountName = arnResource(l.CommitmentDiscountID)
	if rule.category == CategoryUsage && rule.effective != effZero {
		l.CommitmentDiscountStatus = "Used"
	}
}

// arnResource is the resource part of an ARN: after the last "/" (EC2
// reserved-instances/ID, savingsplan/ID) or ":" (RDS ri:NAME).
func arnResource(arn string) string {
	if i := strings.LastIndexAny(arn, "/:"); i >= 0 && i < len(arn)-1 {
		return arn[i+1:]
	}
	return arn
}

// curPublisher: AWS publishes its own services; on AWS Marketplace the
// publisher is the seller, which CUR writes as the line's legal entity.
// AWS invoices both, so the invoice issuer is always AWS.
func curPublisher(billingEntity, legalEntity, productName string) string {
	if billingEntity != "AWS Marketplace" {
		return amazonWebServices
	}
	if legalEntity != "" {
		return legalEntity
	}
	return productName
}
