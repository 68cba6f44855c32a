package web

import (
	"net/url"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/spend"
)

// SpendPage is the Spend explorer: the filter form, warnings, one chart
// and one table per currency block, and the data freshness.
type SpendPage struct {
	Layout
	FormErrors
	SpendFrame
	Blocks   []SpendBlock
	Warnings []spend.Warning
	// Chart is the data spend.js draws, serialised as JSON into a
	// <script type="application/json"> by the template (no inline code).
	Chart      []ChartBlock
	Periods    []string // column headings
	Compare    bool
	GroupLabel string // the grouped dimension's name, "Total" without one
	ExportURL  string // the table as CSV
	FOCUSURL   string // the filtered lines as FOCUS 1.2
	Sub        string // "explore" or "consumption", for the sub-navigation
}

func (SpendPage) Template() string { return "spend" }

// SpendForm is the form's current state.
type SpendForm struct {
	From, To    string
	Filters     map[costs.Dim][]string // selected values per dimension
	TagKey      string                 // tag filter
	TagValue    string
	GroupBy     string
	GroupTag    string
	Granularity string
	Metric      string
	Currency    string
	Compare     bool
	Query       url.Values // every parameter, for links that keep the state
}

// Selected reports whether a dimension's value is among the filters.
func (f SpendForm) Selected(dim costs.Dim, value string) bool {
	for _, v := range f.Filters[dim] {
		if v == value {
			return true
		}
	}
	return false
}

// Link is a labelled URL.
type Link struct {
	Label   string
	URL     string
	Current bool
}

// SpendOptions fills the form's selects.
type SpendOptions struct {
	Filters   []FilterSelect
	TagKeys   []costs.DimValue
	TagValues []costs.DimValue // of the chosen tag key
	GroupBy   []Choice
	Metrics   []Choice
}

// FilterSelect is one dimension's filter select; option values are the
// filter parameter ("service:Virtual Machines").
type FilterSelect struct {
	Dim     costs.Dim
	ID      string
	Label   string
	Options []Choice
}

// Choice is one option of a select.
type Choice struct {
	Value    string
	Label    string
	Selected bool
}

// SpendBlock is one currency's table.
type SpendBlock struct {
	Currency string
	Rows     []SpendRow
	Total    SpendRow
	Sorts    []SortLink // header links, in column order: label, total, previous, change
}

// SpendRow is one table row, amounts already rounded for display; Sort
// holds plain values for the script's client-side sorting.
type SpendRow struct {
	Label     string
	Total     string
	TotalRaw  string
	Previous  string
	PrevRaw   string
	Change    string
	ChangeRaw string
	Percent   string
	Amounts   []string
}

// SortLink is a sortable column heading.
type SortLink struct {
	Key   string
	Label string
	URL   string
	Aria  string // aria-sort: ascending, descending or none
}

// ChartBlock is the chart data of one currency.
type ChartBlock struct {
	Currency  string        `json:"currency"`
	Labels    []string      `json:"labels"`
	Series    []ChartSeries `json:"series"`
	Breakdown []ChartSeries `json:"breakdown"`
}

// ChartSeries is one stacked dataset (Values per period) or one slice of
// the breakdown (one value). Values are decimal strings: money stays out
// of floating point until the browser draws it.
type ChartSeries struct {
	Label  string   `json:"label"`
	Values []string `json:"values"`
}

// FreshnessView lists per source how current the data is.
type FreshnessView struct {
	Sources []FreshnessRow
	Note    string
}

// FreshnessRow is one billing account's freshness.
type FreshnessRow struct {
	Source      string
	DataThrough string
	LastImport  time.Time
}

// SpendConsumptionPage lists quantities per service and meter.
type SpendConsumptionPage struct {
	Layout
	FormErrors
	SpendFrame
	Rows []ConsumptionRowView
	Sub  string
}

// SpendFrame is what both Spend pages show around their result: the
// filter form with its options, date presets and data freshness.
type SpendFrame struct {
	Form      SpendForm
	Options   SpendOptions
	Presets   []Link
	Freshness FreshnessView
}

func (SpendConsumptionPage) Template() string { return "spend_consumption" }

// ConsumptionRowView is one meter, quantities shown exactly.
type ConsumptionRowView struct {
	Service, SKU, Meter      string
	Consumed, ConsumedUnit   string
	Priced, PricingUnit      string
	Cost, Currency, LinesTxt string
}

func freshnessView(list []costs.Freshness) FreshnessView {
	v := FreshnessView{Note: spend.FreshnessNote}
	for _, f := range list {
		name := f.BillingAccountName
		if name == "" {
			name = f.BillingAccount
		}
		src := strings.TrimSpace(f.Provider + " · " + name)
		v.Sources = append(v.Sources, FreshnessRow{Source: src, DataThrough: f.DataThrough.UTC().Format("2 Jan 2006"), LastImport: f.LastImport})
	}
	return v
}

func rowOf(label string, amounts []domain.Amount, total, prev domain.Amount, ch spend.Change, cur domain.Currency) SpendRow {
	r := SpendRow{Label: label, Total: spend.Display(total, cur), TotalRaw: spend.Round(total, cur),
		Previous: spend.Display(prev, cur), PrevRaw: spend.Round(prev, cur),
		Change: spend.Display(ch.Delta, cur), ChangeRaw: spend.Round(ch.Delta, cur), Percent: ch.Percent}
	for _, a := range amounts {
		r.Amounts = append(r.Amounts, spend.Display(a, cur))
	}
	return r
}

func chartOf(res *spend.Result, b spend.Block) ChartBlock {
	c := ChartBlock{Currency: string(b.Currency)}
	for _, p := range res.Periods {
		c.Labels = append(c.Labels, p.Label)
	}
	for _, s := range b.Chart {
		cs := ChartSeries{Label: s.Label}
		for _, a := range s.Amounts {
			cs.Values = append(cs.Values, spend.Round(a, b.Currency))
		}
		c.Series = append(c.Series, cs)
		c.Breakdown = append(c.Breakdown, ChartSeries{Label: s.Label, Values: []string{spend.Round(s.Total, b.Currency)}})
	}
	return c
}

// Encoded is the form's state as a query string, for the sub-navigation.
func (f SpendForm) Encoded() string { return f.Query.Encode() }

// Cols is the table's column count.
func (p SpendPage) Cols() int {
	n := 2 + len(p.Periods)
	if p.Compare {
		n += 3
	}
	return n
}
