package web

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/fx"
	"github.com/canopyhq/canopy/internal/spend"
)

func sampleAmount(s string) domain.Amount {
	d, _, _ := apd.NewFromString(s)
	a, _ := domain.AmountFromDecimal(d)
	return a
}

// sampleSpend builds a page the way the handler does: a request parsed
// from a URL, the service's pure builder over aggregate rows, then fill.
func sampleSpend(query string, canExport bool) SpendPage {
	q, _ := url.ParseQuery(query)
	req, err := spend.ParseRequest(q, time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC))
	if err != nil {
		panic(err)
	}
	day := func(d int) time.Time { return time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC) }
	rows := []costs.AggRow{
		{Day: day(1), Group: "Virtual Machines", Currency: "USD", Measures: costs.Measures{Billed: sampleAmount("1234.567")}},
		{Day: day(2), Group: "Storage <b>", Currency: "EUR", Measures: costs.Measures{Billed: sampleAmount("10")}},
		{Day: day(2), Group: "Storage <b>", Currency: "GBP", Measures: costs.Measures{Billed: sampleAmount("7.5")}},
	}
	rate, _, _ := apd.NewFromString("1.1")
	conv := fx.NewConverter([]domain.FXRate{{Day: day(1), Base: "EUR", Quote: "USD", Value: rate}})
	res, err := spend.Build(req, "USD", conv, rows, nil)
	if err != nil {
		panic(err)
	}
	p := SpendPage{Layout: sampleLayout(NavSpend), Sub: "explore", SpendFrame: SpendFrame{Presets: presetLinks("/spend", q)}}
	p.fill(req, res, canExport)
	p.Form = formOf(q, req)
	p.Options = SpendOptions{Filters: []FilterSelect{filterSelect(costs.DimService,
		[]costs.DimValue{{Value: "Virtual Machines", Lines: 9}, {Value: "", Lines: 1}}, p.Form)},
		TagKeys: []costs.DimValue{{Value: "env"}}, GroupBy: []Choice{{Value: "service", Label: "Service", Selected: true}}}
	p.Freshness = freshnessView([]costs.Freshness{{Provider: "Microsoft", BillingAccount: "86115370", BillingAccountName: "Contoso Europe EA",
		DataThrough: day(23), LastImport: day(24)}})
	return p
}

func spendSamples() []pageCase {
	return []pageCase{
		{sampleSpend("from=2026-11-01&to=2026-11-03&group_by=service&filter=service:Virtual%20Machines&compare=previous", true),
			[]string{`action="/spend"`, `method="get"`, `name="from" type="date" value="2026-11-01"`, `name="filter"`,
				`<option value="service:Virtual Machines" selected>Virtual Machines</option>`, `<option value="service:">(none)</option>`,
				`Contoso Europe EA</strong>: data through 23 Nov 2026`, `Cloud billing data arrives 24–48 hours late and is revised.`,
				`No GBP→USD exchange rate for 1 day in the shown period: 7.5 GBP is left out of the totals.`,
				`1,234.57`, `Storage &lt;b&gt;`, `id="spend-chart-0"`, `id="spend-breakdown-0"`, `id="spend-chart-data"`,
				`href="/spend/export.csv?compare=previous&amp;currency=reporting&amp;filter=service%3AVirtual&#43;Machines`,
				`href="/spend/lines.csv?filter=service%3AVirtual&#43;Machines&amp;from=2026-11-01&amp;to=2026-11-03"`,
				`aria-sort="descending" data-sort-key="total"`, `Previous period`, `Change %`, `>Last 30 days<`, `vendor/chart.umd.min.js?v=`,
				`spend.js?v=`, `spend.css?v=`, `href="/spend" aria-current="page"`}},
		{SpendConsumptionPage{Layout: sampleLayout(NavSpend), Sub: "consumption", SpendFrame: SpendFrame{Form: SpendForm{From: "2026-11-01", To: "2026-11-30"}},
			Rows: consumptionRows([]costs.ConsumptionRow{{Service: "Virtual Machines", Meter: "D4s v5", SKU: "DZH318Z0BQ4L",
				ConsumedQuantity: sampleAmount("720.5"), ConsumedUnit: "Hours", PricingQuantity: sampleAmount("720.5"), PricingUnit: "1 Hour",
				Currency: "EUR", Measures: costs.Measures{Billed: sampleAmount("1234.5")}, Lines: 30}})},
			[]string{`action="/spend/consumption"`, `D4s v5`, `720.5`, `Hours`, `1,234.50`, `href="/spend/consumption?" aria-current="page"`}},
	}
}

var chartJSON = regexp.MustCompile(`(?s)<script type="application/json" id="spend-chart-data">(.*?)</script>`)

// The chart data is JSON in a data block (no inline script), with the
// amounts as rounded decimal strings.
func TestSpendChartDataIsJSON(t *testing.T) {
	r := newTestRenderer(t)
	_, _, body := render(t, r, sampleSpend("from=2026-11-01&to=2026-11-02&group_by=service", false))
	m := chartJSON.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no chart data block")
	}
	var blocks []ChartBlock
	if err := json.Unmarshal([]byte(m[1]), &blocks); err != nil {
		t.Fatalf("chart data %q: %v", m[1], err)
	}
	if len(blocks) != 1 || blocks[0].Currency != "USD" || len(blocks[0].Labels) != 2 || blocks[0].Series[0].Label != "Virtual Machines" ||
		blocks[0].Series[0].Values[0] != "1234.57" || blocks[0].Breakdown[1].Values[0] != "11.00" {
		t.Errorf("chart data %+v", blocks)
	}
	if strings.Contains(body, "spend-export-csv") {
		t.Error("export links shown without costs.export")
	}
}
