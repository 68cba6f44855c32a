package billing

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"
)

// FOCUSTimeLayout is how FOCUS 1.2 writes date-times: ISO 8601 in UTC.
const FOCUSTimeLayout = "2006-01-02T15:04:05Z"

// focusOut is one FOCUS 1.2 column a Line field fills.
type focusOut struct {
	name string
	get  func(*Line) string
}

func focusStr(f func(*Line) string) func(*Line) string { return f }

func focusDec(f func(*Line) *apd.Decimal) func(*Line) string {
	return func(l *Line) string {
		if d := f(l); d != nil {
			return d.Text('f') // plain notation, the source's scale kept
		}
		return ""
	}
}

func focusStamp(f func(*Line) time.Time) func(*Line) string {
	return func(l *Line) string {
		if t := f(l); !t.IsZero() {
			return t.UTC().Format(FOCUSTimeLayout)
		}
		return ""
	}
}

// focusMapped are the columns Line models, in the specification's
// (alphabetical) order.
var focusMapped = []focusOut{
	{"BilledCost", focusDec(func(l *Line) *apd.Decimal { return l.BilledCost })},
	{"BillingAccountId", focusStr(func(l *Line) string { return l.BillingAccountID })},
	{"BillingAccountName", focusStr(func(l *Line) string { return l.BillingAccountName })},
	{"BillingCurrency", focusStr(func(l *Line) string { return l.BillingCurrency })},
	{"BillingPeriodEnd", focusStamp(func(l *Line) time.Time { return l.BillingPeriodEnd })},
	{"BillingPeriodStart", focusStamp(func(l *Line) time.Time { return l.BillingPeriodStart })},
	{"ChargeCategory", focusStr(func(l *Line) string { return l.ChargeCategory })},
	{"ChargeClass", focusStr(func(l *Line) string { return l.ChargeClass })},
	{"ChargeDescription", focusStr(func(l *Line) string { return l.ChargeDescription })},
	{"ChargeFrequency", focusStr(func(l *Line) string { return l.ChargeFrequency })},
	{"ChargePeriodEnd", focusStamp(func(l *Line) time.Time { return l.ChargePeriodEnd })},
	{"ChargePeriodStart", focusStamp(func(l *Line) time.Time { return l.ChargePeriodStart })},
	{"CommitmentDiscountCategory", focusStr(func(l *Line) string { return l.CommitmentDiscountCategory })},
	{"CommitmentDiscountId", focusStr(func(l *Line) string { return l.CommitmentDiscountID })},
	{"CommitmentDiscountName", focusStr(func(l *Line) string { return l.CommitmentDiscountName })},
	{"CommitmentDiscountQuantity", focusDec(func(l *Line) *apd.Decimal { return l.CommitmentDiscountQuantity })},
	{"CommitmentDiscountStatus", focusStr(func(l *Line) string { return l.CommitmentDiscountStatus })},
	{"CommitmentDiscountType", focusStr(func(l *Line) string { return l.CommitmentDiscountType })},
	{"CommitmentDiscountUnit", focusStr(func(l *Line) string { return l.CommitmentDiscountUnit })},
	{"ConsumedQuantity", focusDec(func(l *Line) *apd.Decimal { return l.ConsumedQuantity })},
	{"ConsumedUnit", focusStr(func(l *Line) string { return l.ConsumedUnit })},
	{"ContractedCost", focusDec(func(l *Line) *apd.Decimal { return l.ContractedCost })},
	{"EffectiveCost", focusDec(func(l *Line) *apd.Decimal { return l.EffectiveCost })},
	{"InvoiceId", focusStr(func(l *Line) string { return l.InvoiceID })},
	{"InvoiceIssuerName", focusStr(func(l *Line) string { return l.InvoiceIssuerName })},
	{"ListCost", focusDec(func(l *Line) *apd.Decimal { return l.ListCost })},
	{"PricingCurrency", focusStr(func(l *Line) string { return l.PricingCurrency })},
	{"PricingQuantity", focusDec(func(l *Line) *apd.Decimal { return l.PricingQuantity })},
	{"PricingUnit", focusStr(func(l *Line) string { return l.PricingUnit })},
	{"ProviderName", focusStr(func(l *Line) string { return l.ProviderName })},
	{"PublisherName", focusStr(func(l *Line) string { return l.PublisherName })},
	{"RegionId", focusStr(func(l *Line) string { return l.RegionID })},
	{"RegionName", focusStr(func(l *Line) string { return l.RegionName })},
	{"ResourceId", focusStr(func(l *Line) string { return l.ResourceID })},
	{"ResourceName", focusStr(func(l *Line) string { return l.ResourceName })},
	{"ResourceType", focusStr(func(l *Line) string { return l.ResourceType })},
	{"ServiceCategory", focusStr(func(l *Line) string { return l.ServiceCategory })},
	{"ServiceName", focusStr(func(l *Line) string { return l.ServiceName })},
	{"SkuId", focusStr(func(l *Line) string { return l.SkuID })},
	{"SkuPriceId", focusStr(func(l *Line) string { return l.SkuPriceID })},
	{"SubAccountId", focusStr(func(l *Line) string { return l.SubAccountID })},
	{"SubAccountName", focusStr(func(l *Line) string { return l.SubAccountName })},
	{"Tags", tagsJSON},
}

// focusUnmapped are FOCUS 1.2 columns Line has no field for. They are
// always written (null unless the line kept the source's value as the
// x_-prefixed extra the reader makes of them), so the file has every
// column of the specification and a FOCUS file read and written again
// keeps them under their own names.
var focusUnmapped = []string{"AvailabilityZone", "BillingAccountType", "CapacityReservationId",
	"CapacityReservationStatus", "ContractedUnitPrice", "ListUnitPrice", "PricingCategory",
	"PricingCurrencyContractedUnitPrice", "PricingCurrencyEffectiveCost", "PricingCurrencyListUnitPrice",
	"ServiceSubcategory", "SkuMeter", "SkuPriceDetails", "SubAccountType"}

func tagsJSON(l *Line) string {
	if len(l.Tags) == 0 {
		return ""
	}
	b, err := json.Marshal(l.Tags) // keys sorted: the same tags give the same text
	if err != nil {
		return ""
	}
	return string(b)
}

// FOCUSWriter writes lines as a FOCUS 1.2 CSV: every column of the
// specification, then the source's other attributes as x_ columns.
// Values are written verbatim (no spreadsheet escaping): the file is for
// FOCUS tools, and the reader must get the same lines back.
type FOCUSWriter struct {
	cw     *csv.Writer
	extras []string // x_ column names, in header order
	row    []string
}

// NewFOCUSWriter writes the header. extras are the x_ attributes (Line
// Extra keys) to give columns; an extra a line has outside that list is
// not written, so callers collect the keys first (FOCUSExtras).
func NewFOCUSWriter(w io.Writer, extras []string) (*FOCUSWriter, error) {
	fw := &FOCUSWriter{cw: csv.NewWriter(w)}
	for _, k := range extras {
		if !slices.Contains(focusUnmapped, strings.TrimPrefix(k, "x_")) {
			fw.extras = append(fw.extras, k)
		}
	}
	slices.Sort(fw.extras)
	fw.extras = slices.Compact(fw.extras)
	header := make([]string, 0, len(focusMapped)+len(focusUnmapped)+len(fw.extras))
	for _, c := range focusMapped {
		header = append(header, c.name)
	}
	header = append(header, focusUnmapped...)
	header = append(header, fw.extras...)
	fw.row = make([]string, len(header))
	return fw, fw.cw.Write(header)
}

// Write writes one line.
func (fw *FOCUSWriter) Write(l *Line) error {
	i := 0
	for _, c := range focusMapped {
		fw.row[i] = c.get(l)
		i++
	}
	for _, name := range focusUnmapped {
		fw.row[i] = l.Extra["x_"+name]
		i++
	}
	for _, k := range fw.extras {
		fw.row[i] = l.Extra[k]
		i++
	}
	return fw.cw.Write(fw.row)
}

// Flush writes buffered rows and reports any write error.
func (fw *FOCUSWriter) Flush() error {
	fw.cw.Flush()
	return fw.cw.Error()
}

// FOCUSExtras adds the Extra keys of l to set, for NewFOCUSWriter.
func FOCUSExtras(set map[string]bool, l *Line) {
	for k := range l.Extra {
		set[k] = true
	}
}

// WriteFOCUS writes lines as one FOCUS 1.2 CSV file.
func WriteFOCUS(w io.Writer, lines []*Line) error {
	set := map[string]bool{}
	for _, l := range lines {
		FOCUSExtras(set, l)
	}
	fw, err := NewFOCUSWriter(w, slices.Sorted(maps.Keys(set)))
	if err != nil {
		return err
	}
	for _, l := range lines {
		if err := fw.Write(l); err != nil {
			return err
		}
	}
	return fw.Flush()
}
