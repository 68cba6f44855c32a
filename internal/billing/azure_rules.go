package billing

// Per-charge rules for Azure cost exports.
//
// Actual and amortized files have the same columns, so the header cannot
// say which one a file is; the rows can. Azure shows a reservation or
// savings plan in two ways: the actual file has the purchase (and refunds)
// at full price and the usage it covers at zero; the amortized file has no
// purchase but spreads it over the covered usage and adds
// UnusedReservation / UnusedSavingsPlan rows for what was not used. Each
// row is therefore mapped on its own, following Microsoft's FOCUS
// conversion rules, so either file is right by itself:
//
//   - usage covered by a commitment, and unused-commitment rows:
//     BilledCost 0 (the invoice has the purchase), EffectiveCost = cost;
//   - commitment purchases and refunds: BilledCost = cost, EffectiveCost 0
//     (their cost reaches EffectiveCost through the amortized usage);
//   - everything else (on-demand and spot usage, Marketplace, rounding):
//     BilledCost = EffectiveCost = cost.
//
// So an actual file's BilledCost sums to the invoice and an amortized
// file's EffectiveCost sums to the amortized total. Rows that only one kind
// of file can hold are marked in Extra[ExtraCostType]: "AmortizedCost" for
// unused-commitment rows and covered usage with a non-zero cost,
// "ActualCost" for commitment purchases/refunds with a non-zero cost and
// covered usage at zero. Rows both files hold identically carry no mark.
// To combine the two files of one billing period into the full FOCUS
// picture, keep every line of the amortized file plus the actual file's
// lines with ChargeCategory Purchase and a CommitmentDiscountType (the
// FinOps toolkit's rule).

import (
	"math"
	"strconv"
	"strings"

	"github.com/cockroachdb/apd/v3"
)

// ExtraCostType marks lines that only an actual (ActualCost) or only an
// amortized (AmortizedCost) Azure export contains.
const ExtraCostType = "x_CostType"

// Commitment discount values written by Microsoft's FOCUS export.
const (
	CommitmentReservation = "Reservation"
	CommitmentSavingsPlan = "Savings Plan"
	CommitmentUsed        = "Used"
	CommitmentUnused      = "Unused"
)

// chargeKind is a row's ChargeType and PricingModel, normalised
// (lower-case, no spaces: "On Demand" and "OnDemand" are one value).
type chargeKind struct {
	chargeType string // usage, purchase, refund, unusedreservation...
	commitment string // "reservation", "savingsplan" or ""
}

func (k chargeKind) unused() bool {
	return k.chargeType == "unusedreservation" || k.chargeType == "unusedsavingsplan"
}

func (k chargeKind) covered() bool { return k.chargeType == "usage" && k.commitment != "" }

func (k chargeKind) commitmentPurchase() bool {
	return (k.chargeType == "purchase" || k.chargeType == "refund") && k.commitment != ""
}

func normWord(s string) string { return strings.ToLower(strings.ReplaceAll(s, " ", "")) }

// readCharge maps ChargeType to FOCUS ChargeCategory and Frequency to
// ChargeFrequency. Refunds are negative purchases (FOCUS: Purchase
// "including refunds"); Rounding adjustments and unknown types are
// Adjustment. ChargeClass is Correction when the row corrects an earlier
// billing period: a refund naming a previous invoice (MCA's
// PreviousInvoiceId), or any row whose charge date lies before its billing
// period. A refund within the period is not a Correction (FOCUS 1.2).
func (c *azureCols) readCharge(r *row, l *Line) (chargeKind, error) {
	k := chargeKind{chargeType: "usage"} // the oldest EA files have no ChargeType: all usage
	if c.chargeType >= 0 {
		raw := r.str(c.chargeType)
		if raw == "" {
			return k, r.fail(c.chargeType, "a charge type is required")
		}
		k.chargeType = normWord(raw)
	}
	switch m := normWord(r.str(c.pricingModel)); {
	case m == "reservation", m == "savingsplan":
		k.commitment = m
	case k.chargeType == "unusedreservation":
		k.commitment = "reservation"
	case k.chargeType == "unusedsavingsplan":
		k.commitment = "savingsplan"
	}
	l.ChargeCategory = chargeCategory(k.chargeType)
	l.ChargeFrequency = chargeFrequency(normWord(r.str(c.frequency)), k)
	if (k.chargeType == "refund" && r.str(c.prevInvoice) != "") || l.ChargePeriodStart.Before(l.BillingPeriodStart) {
		l.ChargeClass = ChargeClassCorrection
	}
	return k, nil
}

func chargeCategory(t string) string {
	switch t {
	case "usage", "unusedreservation", "unusedsavingsplan":
		return CategoryUsage
	case "purchase", "refund":
		return CategoryPurchase
	case "tax":
		return CategoryTax
	case "credit":
		return CategoryCredit
	}
	return CategoryAdjustment
}

// chargeFrequency maps Frequency; rows without one (old files, rounding
// adjustments) are usage-based when they are usage and one-time otherwise.
func chargeFrequency(f string, k chargeKind) string {
	switch f {
	case "onetime":
		return FrequencyOneTime
	case "recurring":
		return FrequencyRecurring
	case "usagebased":
		return FrequencyUsageBased
	}
	if chargeCategory(k.chargeType) == CategoryUsage {
		return FrequencyUsageBased
	}
	return FrequencyOneTime
}

// costSplit returns BilledCost and EffectiveCost (see the file comment).
func costSplit(k chargeKind, cost *apd.Decimal) (billed, effective *apd.Decimal) {
	switch {
	case k.covered(), k.unused():
		return new(apd.Decimal), cost
	case k.commitmentPurchase():
		return cost, new(apd.Decimal)
	}
	return cost, new(apd.Decimal).Set(cost)
}

// costTypeEvidence says which kind of export alone could hold the row.
func costTypeEvidence(k chargeKind, cost *apd.Decimal) string {
	switch {
	case k.unused():
		return "AmortizedCost"
	case k.covered() && cost.IsZero():
		return "ActualCost"
	case k.covered():
		return "AmortizedCost"
	case k.commitmentPurchase() && !cost.IsZero():
		return "ActualCost"
	}
	return ""
}

// readPrices sets quantities and the list and contracted costs. Azure's
// Quantity counts the distinct unit (hours) while prices are per
// UnitOfMeasure, which may be a block ("100 Hours"); so, as in Microsoft's
// FOCUS conversion:
//
//	PricingQuantity = Quantity / block, PricingUnit = the unit without the block
//	ContractedCost  = UnitPrice × Quantity / block × ExchangeRatePricingToBilling
//	ListCost        = PaygCostInBillingCurrency when the file has it (MCA),
//	                  else PayGPrice × Quantity / block × ExchangeRatePricingToBilling
//
// The rate is 1 when absent (EA prices in the billing currency). A price or
// quantity that is null leaves the cost null: unknown, not zero.
func (c *azureCols) readPrices(r *row, l *Line, k chargeKind, qty, rate *apd.Decimal) error {
	block, unit := splitUnit(r.str(c.unit))
	if qty != nil {
		pq, ok := quo(qty, block)
		if !ok {
			return r.fail(c.qty, "the quantity is out of range")
		}
		l.PricingQuantity, l.PricingUnit = pq, unit
		if k.chargeType == "usage" {
			l.ConsumedQuantity, l.ConsumedUnit = qty, unit
		}
	}
	var err error
	if l.ListCost, err = r.dec(c.paygCost); err != nil {
		return err
	}
	if l.ListCost == nil {
		if l.ListCost, err = c.priced(r, c.paygPrice, qty, block, rate); err != nil {
			return err
		}
	}
	l.ContractedCost, err = c.priced(r, c.unitPrice, qty, block, rate)
	return err
}

// azureExact multiplies without rounding (inputs have far fewer digits);
// division by a block is exact for the powers of ten Azure uses.
var (
	azureExact    = apd.BaseContext.WithPrecision(100)
	azureQuotient = apd.BaseContext.WithPrecision(34)
)

// priced is price × quantity / block × rate; nil when the price or the
// quantity is null. Absurd exponents (1E+999999) fail on the price column.
func (c *azureCols) priced(r *row, col int, qty, block, rate *apd.Decimal) (*apd.Decimal, error) {
	price, err := r.dec(col)
	if err != nil || price == nil || qty == nil {
		return nil, err
	}
	out := new(apd.Decimal)
	_, err1 := azureExact.Mul(out, price, qty)
	_, err2 := azureExact.Mul(out, out, rate)
	res, ok := quo(out, block)
	if err1 != nil || err2 != nil || !ok {
		return nil, r.fail(col, "price × quantity is out of range")
	}
	return res, nil
}

func quo(d, block *apd.Decimal) (*apd.Decimal, bool) {
	if block == nil {
		return d, true
	}
	out := new(apd.Decimal)
	if block.Coeff.IsInt64() && block.Coeff.Int64() == 1 && int64(d.Exponent)-int64(block.Exponent) > math.MinInt32/2 {
		// A power of ten: shift the exponent, so 7.0/10 is 0.70, not
		// 0.7000000000000000000000000000000000.
		out.Set(d)
		out.Exponent -= block.Exponent
		return out, true
	}
	if _, err := azureQuotient.Quo(out, d, block); err != nil {
		return nil, false
	}
	out.Reduce(out)
	return out, true
}

// splitUnit reads a block size off a unit of measure: "100 Hours" is
// (100, "Hours"); "1 Hour" is (nil, "Hour"); "GB/Month" is (nil,
// "GB/Month"). A nil block means 1.
func splitUnit(u string) (*apd.Decimal, string) {
	n, rest, ok := strings.Cut(u, " ")
	if !ok {
		return nil, u
	}
	v, err := strconv.ParseInt(n, 10, 64)
	rest = strings.TrimSpace(rest)
	if err != nil || v <= 0 || rest == "" {
		return nil, u
	}
	if v == 1 {
		return nil, rest
	}
	if n == "1"+strings.Repeat("0", len(n)-1) {
		return apd.New(1, int32(len(n)-1)), rest // 10, 100, 1000 as 1E+k: see quo
	}
	return apd.New(v, 0), rest
}

// readCommitment fills the commitment discount columns. BenefitId (an ARM
// ID) tells reservations (/microsoft.capacity/) from savings plans
// (/microsoft.billingbenefits/); older files only have ReservationId and
// the PricingModel.
func (c *azureCols) readCommitment(r *row, l *Line, k chargeKind) {
	id, name := r.str(c.benefitID), r.str(c.benefitName)
	if id == "" {
		id, name = r.str(c.reservID), r.str(c.reservName)
	}
	typ, category := commitmentType(strings.ToLower(id), k)
	if typ == "" {
		return // a ReservationId on an on-demand row says nothing
	}
	l.CommitmentDiscountType, l.CommitmentDiscountCategory = typ, category
	l.CommitmentDiscountID, l.CommitmentDiscountName = id, name
	switch {
	case k.unused():
		l.CommitmentDiscountStatus = CommitmentUnused
	case k.covered():
		l.CommitmentDiscountStatus = CommitmentUsed
	}
}

// commitmentType: the benefit's ARM ID decides; the PricingModel is the
// fallback for files without BenefitId.
func commitmentType(id string, k chargeKind) (typ, category string) {
	switch {
	case strings.Contains(id, "/microsoft.capacity/"):
		return CommitmentReservation, "Usage"
	case strings.Contains(id, "/microsoft.billingbenefits/"):
		return CommitmentSavingsPlan, "Spend"
	case k.commitment == "reservation":
		return CommitmentReservation, "Usage"
	case k.commitment == "savingsplan":
		return CommitmentSavingsPlan, "Spend"
	}
	return "", ""
}
