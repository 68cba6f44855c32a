package costs

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/domain"
)

// Querier answers the spend explorer's questions over an organisation's
// stored lines. Only lines of succeeded imports count. An engine may answer
// from rollups or by scanning lines; the answers must be equal (a store
// test compares both for every dimension).
type Querier interface {
	// Aggregate sums the four measures per charge day, group value and
	// billing currency for the lines matching q.
	Aggregate(ctx context.Context, orgID string, q Query) ([]AggRow, error)
	// Values lists the distinct values of a dimension (or of a tag key's
	// values when dim is DimTag and tagKey is set; DimTag without a key
	// lists the tag keys) among the lines charged in [from, to), the value
	// with the most lines first, at most limit (<= 0: no limit beyond the
	// engine's cap). Lines without a value are counted under NoValue,
	// except when listing tag keys. Zero from/to do not restrict.
	Values(ctx context.Context, orgID string, dim Dim, tagKey string, from, to time.Time, limit int) ([]DimValue, error)
	// Consumption sums quantities per service, SKU meter and unit (q's
	// GroupBy is ignored).
	Consumption(ctx context.Context, orgID string, q Query) ([]ConsumptionRow, error)
	// Freshness says, per provider and billing account, through which day
	// data was imported and when it was last imported.
	Freshness(ctx context.Context, orgID string) ([]Freshness, error)
	// Lines streams the matching lines (FOCUS 1.2 columns, Extra with the
	// source's x_ attributes) to fn, import by import in the order of
	// each file; fn's error stops the walk and is returned.
	Lines(ctx context.Context, orgID string, q Query, fn func(*billing.Line) error) error
}

// Dim names a dimension lines can be filtered and grouped by.
type Dim string

// Dimensions. DimTag is a tag key: Filter.TagKey / Query.GroupTag names it.
const (
	DimProvider        Dim = "provider"
	DimBillingAccount  Dim = "billing_account"
	DimSubAccount      Dim = "sub_account"
	DimResourceGroup   Dim = "resource_group"
	DimService         Dim = "service"
	DimServiceCategory Dim = "service_category"
	DimRegion          Dim = "region"
	DimResource        Dim = "resource"
	DimSKU             Dim = "sku"
	DimChargeCategory  Dim = "charge_category"
	DimBillingCurrency Dim = "billing_currency"
	DimTag             Dim = "tag"
	// DimGroup is the custom group (allocation) a line's cost went to;
	// its values are group IDs. The allocation service answers queries
	// that group or filter by it, not the cost store, so it is not in
	// Dims.
	DimGroup Dim = "custom_group"
)

// Dims are the dimensions in the order the explorer offers them.
var Dims = []Dim{DimProvider, DimBillingAccount, DimSubAccount, DimResourceGroup, DimService,
	DimServiceCategory, DimRegion, DimResource, DimSKU, DimChargeCategory, DimBillingCurrency, DimTag}

// Label is the dimension's name for people.
func (d Dim) Label() string {
	switch d {
	case DimProvider:
		return "Provider"
	case DimBillingAccount:
		return "Billing account"
	case DimSubAccount:
		return "Subscription / account"
	case DimResourceGroup:
		return "Resource group"
	case DimService:
		return "Service"
	case DimServiceCategory:
		return "Service category"
	case DimRegion:
		return "Region"
	case DimResource:
		return "Resource"
	case DimSKU:
		return "SKU"
	case DimChargeCategory:
		return "Charge category"
	case DimBillingCurrency:
		return "Billing currency"
	case DimTag:
		return "Tag"
	case DimGroup:
		return "Custom group"
	}
	return string(d)
}

// ParseDim accepts a dimension name; "" is no dimension.
func ParseDim(s string) (Dim, error) {
	if s == "" {
		return "", nil
	}
	if Dim(s) == DimGroup {
		return DimGroup, nil
	}
	for _, d := range Dims {
		if string(d) == s {
			return d, nil
		}
	}
	return "", domain.Errorf(domain.CodeInvalid, "unknown dimension %q (one of %s)", s, dimNames())
}

func dimNames() string {
	names := make([]string, len(Dims))
	for i, d := range Dims {
		names[i] = string(d)
	}
	return strings.Join(names, ", ")
}

// NoValue is the group and filter value of lines without a value for the
// dimension (e.g. untagged lines when grouping by a tag key; a tag with an
// empty value counts as no value). Resource groups match
// case-insensitively, as Azure treats them, and show the spelling
// imported first.
const NoValue = ""

// Filter keeps lines whose dimension value is one of Values (a NoValue
// entry matches lines without a value). For DimTag, TagKey names the key.
type Filter struct {
	Dim    Dim      `json:"dim"`
	TagKey string   `json:"tag_key,omitempty"`
	Values []string `json:"values"`
}

// Query selects lines: charge days in [From, To) (UTC midnights), all
// Filters (each an OR of its values), grouped by GroupBy (none when "";
// GroupTag names the key when GroupBy is DimTag).
type Query struct {
	From, To time.Time
	Filters  []Filter
	GroupBy  Dim
	GroupTag string
	// Scan makes the engine read the lines even where a rollup could
	// answer (tests and benchmarks compare both).
	Scan bool
}

// Validate checks the query's shape: a non-empty day range, known
// dimensions, tag keys where needed.
func (q Query) Validate() error {
	if q.From.IsZero() || q.To.IsZero() || !q.From.Before(q.To) {
		return domain.Errorf(domain.CodeInvalid, "the date range must have a start before its end")
	}
	for _, f := range q.Filters {
		if _, err := ParseDim(string(f.Dim)); err != nil || f.Dim == "" {
			return domain.Errorf(domain.CodeInvalid, "filter on unknown dimension %q", f.Dim)
		}
		if f.Dim == DimTag && f.TagKey == "" {
			return domain.Errorf(domain.CodeInvalid, "a tag filter needs a tag key")
		}
		if len(f.Values) == 0 && f.Dim != DimTag {
			return domain.Errorf(domain.CodeInvalid, "filter on %s has no values", f.Dim)
		}
	}
	if q.GroupBy == DimTag && q.GroupTag == "" {
		return domain.Errorf(domain.CodeInvalid, "grouping by tag needs a tag key")
	}
	return nil
}

// AggRow is the sum of the measures of one charge day, group and billing
// currency. Group is NoValue when the query has no GroupBy or a line has
// no value; Label is the group's display name where the source has one
// (account, subscription, region and resource names), else Group.
type AggRow struct {
	Day      time.Time
	Group    string
	Label    string
	Currency string
	Lines    int64
	Measures Measures
}

// DimValue is one distinct value of a dimension with its display label
// and how many lines carry it in the period.
type DimValue struct {
	Value string `json:"value"`
	Label string `json:"label"`
	Lines int64  `json:"lines"`
}

// ConsumptionRow sums what was consumed of one meter.
type ConsumptionRow struct {
	Service          string        `json:"service"`
	SKU              string        `json:"sku"`
	Meter            string        `json:"meter"` // the charge description
	ConsumedUnit     string        `json:"consumed_unit"`
	ConsumedQuantity domain.Amount `json:"consumed_quantity"`
	PricingUnit      string        `json:"pricing_unit"`
	PricingQuantity  domain.Amount `json:"pricing_quantity"`
	Currency         string        `json:"currency"`
	Measures         Measures      `json:"measures"`
	Lines            int64         `json:"lines"`
}

// Freshness is how current one provider/billing account's data is.
type Freshness struct {
	Provider           string    `json:"provider"`
	BillingAccount     string    `json:"billing_account"`
	BillingAccountName string    `json:"billing_account_name"`
	DataThrough        time.Time `json:"data_through"` // last charge day with lines
	LastImport         time.Time `json:"last_import"`
	Lines              int64     `json:"lines"`
}

// Metric is the cost measure the explorer shows.
type Metric string

// Metrics (FOCUS cost columns).
const (
	MetricBilled     Metric = "billed"
	MetricEffective  Metric = "effective"
	MetricList       Metric = "list"
	MetricContracted Metric = "contracted"
)

// Metrics in the order the explorer offers them.
var Metrics = []Metric{MetricBilled, MetricEffective, MetricList, MetricContracted}

// ParseMetric accepts a metric name; "" is billed.
func ParseMetric(s string) (Metric, error) {
	if s == "" {
		return MetricBilled, nil
	}
	for _, m := range Metrics {
		if string(m) == s {
			return m, nil
		}
	}
	return "", domain.Errorf(domain.CodeInvalid, "unknown metric %q (one of billed, effective, list, contracted)", s)
}

// Label is the FOCUS column name of the metric.
func (m Metric) Label() string {
	switch m {
	case MetricEffective:
		return "EffectiveCost"
	case MetricList:
		return "ListCost"
	case MetricContracted:
		return "ContractedCost"
	}
	return "BilledCost"
}

// Of picks the metric's amount from measures.
func (m Metric) Of(ms Measures) domain.Amount {
	switch m {
	case MetricEffective:
		return ms.Effective
	case MetricList:
		return ms.List
	case MetricContracted:
		return ms.Contracted
	}
	return ms.Billed
}

// String implements fmt.Stringer for filters in messages.
func (f Filter) String() string {
	if f.Dim == DimTag {
		return fmt.Sprintf("tag %s in %v", f.TagKey, f.Values)
	}
	return fmt.Sprintf("%s in %v", f.Dim, f.Values)
}

// UsesGroups reports whether q groups or filters by custom group.
func (q Query) UsesGroups() bool {
	if q.GroupBy == DimGroup {
		return true
	}
	for _, f := range q.Filters {
		if f.Dim == DimGroup {
			return true
		}
	}
	return false
}
