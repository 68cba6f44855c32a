// Package billing reads billing files (FOCUS, Azure EA/MCA cost exports,
// AWS CUR, Partner Center reconciliation) into one FOCUS 1.2-shaped line
// with exact decimal amounts. It only parses: storing lines is the cost
// store's job. Readers stream: memory stays constant whatever the size.
package billing

import (
	"time"

	"github.com/cockroachdb/apd/v3"
)

// Charge categories (FOCUS ChargeCategory).
const (
	CategoryUsage      = "Usage"
	CategoryPurchase   = "Purchase"
	CategoryTax        = "Tax"
	CategoryCredit     = "Credit"
	CategoryAdjustment = "Adjustment"
)

// ChargeClassCorrection marks a line that corrects an earlier period.
const ChargeClassCorrection = "Correction"

// Charge frequencies (FOCUS ChargeFrequency).
const (
	FrequencyOneTime    = "One-Time"
	FrequencyRecurring  = "Recurring"
	FrequencyUsageBased = "Usage-Based"
)

// Line is one cost line in the FOCUS 1.2 model. Periods are half-open
// [Start, End) in UTC. Amounts are exact; a nil amount or quantity is a
// null in the source (not zero).
type Line struct {
	BillingAccountID   string
	BillingAccountName string
	SubAccountID       string
	SubAccountName     string
	BillingPeriodStart time.Time
	BillingPeriodEnd   time.Time
	ChargePeriodStart  time.Time
	ChargePeriodEnd    time.Time
	ChargeCategory     string
	ChargeClass        string
	ChargeFrequency    string
	ChargeDescription  string
	ServiceName        string
	ServiceCategory    string
	ProviderName       string
	PublisherName      string
	InvoiceIssuerName  string
	InvoiceID          string
	RegionID           string
	RegionName         string
	ResourceID         string
	ResourceName       string
	ResourceType       string
	SkuID              string
	SkuPriceID         string
	PricingUnit        string
	PricingQuantity    *apd.Decimal
	ConsumedQuantity   *apd.Decimal
	ConsumedUnit       string
	BilledCost         *apd.Decimal
	EffectiveCost      *apd.Decimal
	ListCost           *apd.Decimal
	ContractedCost     *apd.Decimal
	BillingCurrency    string
	PricingCurrency    string

	CommitmentDiscountID       string
	CommitmentDiscountName     string
	CommitmentDiscountType     string
	CommitmentDiscountCategory string // Spend or Usage
	CommitmentDiscountStatus   string // Used or Unused
	CommitmentDiscountQuantity *apd.Decimal
	CommitmentDiscountUnit     string

	// Tags are the resource's tags. Lines of one file whose tag cells are
	// the same text share one map: read it, never modify it (copy it to
	// change it).
	Tags map[string]string
	// Extra keeps the source's other columns as x_ attributes (name as in
	// the source, prefixed "x_" unless it already is). Like Tags it may
	// be shared with other lines: read-only.
	Extra map[string]string

	// Shape, when not nil, is shared by the lines whose text (every field
	// above but the periods and amounts) the reader found to be the same:
	// see Shape.
	Shape *Shape
}
