package spend

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/fx"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func amt(s string) domain.Amount {
	d, _, err := apd.NewFromString(s)
	if err != nil {
		panic(err)
	}
	a, err := domain.AmountFromDecimal(d)
	if err != nil {
		panic(err)
	}
	return a
}

func row(d, group, cur, billed string) costs.AggRow {
	return costs.AggRow{Day: day(d), Group: group, Label: strings.ToUpper(group), Currency: cur,
		Measures: costs.Measures{Billed: amt(billed), Effective: amt(billed)}}
}

func rate(d, base, quote, v string) domain.FXRate {
	x, _, _ := apd.NewFromString(v)
	return domain.FXRate{Day: day(d), Base: domain.Currency(base), Quote: domain.Currency(quote), Value: x}
}

func request(from, to string, g Granularity, mode Mode) Request {
	return Request{Query: costs.Query{From: day(from), To: day(to), GroupBy: costs.DimService},
		Granularity: g, Metric: costs.MetricBilled, Mode: mode, Sort: SortTotal, Desc: true, Top: DefaultTop}
}

func TestBuildConvertsWithEachDaysRateAndWarnsOnMissingRates(t *testing.T) {
	conv := fx.NewConverter([]domain.FXRate{rate("2026-11-01", "EUR", "USD", "1.1"), rate("2026-11-02", "EUR", "USD", "1.2")})
	rows := []costs.AggRow{
		row("2026-11-01", "vm", "EUR", "10.00"), // 11.00 USD
		row("2026-11-02", "vm", "EUR", "10.00"), // 12.00 USD
		row("2026-11-02", "db", "USD", "5.005"),
		row("2026-11-02", "db", "GBP", "7"), // no GBP rate at all
		row("2026-11-03", "db", "GBP", "3"),
	}
	res, err := Build(request("2026-11-01", "2026-11-04", Day, Reporting), "USD", conv, rows, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Blocks) != 1 || res.Blocks[0].Currency != "USD" || len(res.Periods) != 3 {
		t.Fatalf("blocks %+v periods %v", res.Blocks, res.Periods)
	}
	b := res.Blocks[0]
	if b.Total != amt("28.005") || b.PeriodTotals[0] != amt("11") || b.PeriodTotals[1] != amt("17.005") || !b.PeriodTotals[2].IsZero() {
		t.Errorf("total %s, per period %v", b.Total, b.PeriodTotals)
	}
	if len(b.Series) != 2 || b.Series[0].Group != "vm" || b.Series[0].Total != amt("23") || b.Series[0].Label != "VM" {
		t.Errorf("series %+v", b.Series)
	}
	if len(res.Warnings) != 1 {
		t.Fatalf("warnings %+v", res.Warnings)
	}
	w := res.Warnings[0]
	if w.Currency != "GBP" || w.Amount != amt("10") || !slices.Equal(w.Days, []time.Time{day("2026-11-02"), day("2026-11-03")}) {
		t.Errorf("warning %+v", w)
	}
	if w.DayRanges() != "2026-11-02 – 2026-11-03" || !strings.Contains(w.Message(), "10 GBP is left out") {
		t.Errorf("warning text %q / %q", w.DayRanges(), w.Message())
	}
}

func TestBuildRoundsEachConvertedAmountHalfEvenAtTenDecimals(t *testing.T) {
	// 1/3 through the inverse pair: 0.00000000005 and beyond are rounded.
	conv := fx.NewConverter([]domain.FXRate{rate("2026-11-01", "EUR", "USD", "3")})
	rows := []costs.AggRow{row("2026-11-01", "a", "USD", "1"), row("2026-11-01", "b", "USD", "2")}
	res, err := Build(request("2026-11-01", "2026-11-02", Day, Reporting), "EUR", conv, rows, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Blocks[0].Total; got != amt("1.0000000000") || res.Blocks[0].Series[1].Total != amt("0.3333333333") {
		t.Errorf("total %s series %+v", got, res.Blocks[0].Series)
	}
}

func TestBuildBillingModeKeepsCurrenciesApart(t *testing.T) {
	rows := []costs.AggRow{row("2026-11-01", "vm", "EUR", "10"), row("2026-11-01", "vm", "USD", "4"), row("2026-11-02", "db", "USD", "1")}
	res, err := Build(request("2026-11-01", "2026-11-03", Day, Billing), "USD", nil, rows, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Blocks) != 2 || res.Blocks[0].Currency != "EUR" || res.Blocks[1].Currency != "USD" || len(res.Warnings) != 0 {
		t.Fatalf("blocks %+v warnings %+v", res.Blocks, res.Warnings)
	}
	if res.Blocks[0].Total != amt("10") || res.Blocks[1].Total != amt("5") || len(res.Blocks[1].Series) != 2 {
		t.Errorf("EUR %s USD %s", res.Blocks[0].Total, res.Blocks[1].Total)
	}
}

func TestBuildMonthsAndPreviousPeriod(t *testing.T) {
	req := request("2026-10-15", "2026-12-10", Month, Billing)
	req.Compare = true
	if p := req.Previous(); p.From != day("2026-08-20") || p.To != day("2026-10-15") {
		t.Fatalf("previous %v – %v", p.From, p.To)
	}
	rows := []costs.AggRow{row("2026-10-15", "vm", "USD", "1"), row("2026-10-31", "vm", "USD", "2"),
		row("2026-11-30", "vm", "USD", "4"), row("2026-12-09", "db", "USD", "8")}
	prev := []costs.AggRow{row("2026-09-01", "vm", "USD", "14"), row("2026-09-02", "gone", "USD", "1")}
	res, err := Build(req, "USD", nil, rows, prev)
	if err != nil {
		t.Fatal(err)
	}
	labels := []string{}
	for _, p := range res.Periods {
		labels = append(labels, p.Label)
	}
	if !slices.Equal(labels, []string{"2026-10", "2026-11", "2026-12"}) || res.Periods[0].Start != day("2026-10-15") ||
		res.Periods[2].End != day("2026-12-10") {
		t.Fatalf("periods %+v", res.Periods)
	}
	b := res.Blocks[0]
	if !slices.Equal(b.PeriodTotals, []domain.Amount{amt("3"), amt("4"), amt("8")}) || b.Total != amt("15") || b.Previous != amt("15") {
		t.Errorf("totals %v total %s previous %s", b.PeriodTotals, b.Total, b.Previous)
	}
	if !b.Change.Delta.IsZero() || b.Change.Percent != "0.0" {
		t.Errorf("change %+v", b.Change)
	}
	byGroup := map[string]Series{}
	for _, s := range b.Series {
		byGroup[s.Group] = s
	}
	if vm := byGroup["vm"]; vm.Total != amt("7") || vm.Previous != amt("14") || vm.Change.Delta != amt("-7") || vm.Change.Percent != "-50.0" {
		t.Errorf("vm %+v", vm)
	}
	if db := byGroup["db"]; db.Change.Percent != "" || db.Change.Delta != amt("8") {
		t.Errorf("db (new) %+v", db)
	}
	if gone := byGroup["gone"]; !gone.Total.IsZero() || gone.Previous != amt("1") || gone.Change.Percent != "-100.0" {
		t.Errorf("gone %+v", gone)
	}
}

func TestBuildChartKeepsTopGroupsAndSumsTheRest(t *testing.T) {
	var rows []costs.AggRow
	for i, g := range []string{"a", "b", "c", "d", "e"} {
		rows = append(rows, row("2026-11-01", g, "USD", strings.Repeat("1", i+1))) // 1, 11, 111, ...
	}
	req := request("2026-11-01", "2026-11-02", Day, Billing)
	req.Top, req.Sort, req.Desc = 2, SortLabel, false
	res, err := Build(req, "USD", nil, rows, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := res.Blocks[0]
	if len(b.Series) != 5 || b.Series[0].Group != "a" || b.Series[4].Group != "e" {
		t.Errorf("table not sorted by label: %+v", b.Series)
	}
	if len(b.Chart) != 3 || b.Chart[0].Group != "e" || b.Chart[1].Group != "d" || !b.Chart[2].Other || b.Chart[2].Total != amt("123") {
		t.Errorf("chart %+v", b.Chart)
	}
}

func TestReportingModeWithoutRowsStillHasItsBlock(t *testing.T) {
	res, err := Build(request("2026-11-01", "2026-11-02", Day, Reporting), "CHF", fx.NewConverter(nil), nil, nil)
	if err != nil || len(res.Blocks) != 1 || res.Blocks[0].Currency != "CHF" || !res.Empty() {
		t.Fatalf("%+v %v", res, err)
	}
}

func TestUngroupedAndValuelessLabels(t *testing.T) {
	rows := []costs.AggRow{{Day: day("2026-11-01"), Currency: "USD", Measures: costs.Measures{Billed: amt("2")}}}
	req := request("2026-11-01", "2026-11-02", Day, Billing)
	req.GroupBy = ""
	res, err := Build(req, "USD", nil, rows, nil)
	if err != nil || res.Blocks[0].Series[0].Label != AllLabel {
		t.Fatalf("ungrouped %+v %v", res, err)
	}
	req.GroupBy = costs.DimRegion
	res, err = Build(req, "USD", nil, rows, nil)
	if err != nil || res.Blocks[0].Series[0].Label != NoValueLabel {
		t.Fatalf("lines without a region %+v %v", res, err)
	}
}

func TestRoundAndDisplay(t *testing.T) {
	cases := []struct {
		a       string
		cur     domain.Currency
		round   string
		display string
	}{
		{"1234567.125", "USD", "1234567.13", "1,234,567.13"},
		{"-1234.5", "JPY", "-1235", "-1,235"},
		{"0.0004", "BHD", "0.000", "0.000"},
		{"-0.001", "EUR", "0.00", "0.00"},
		{"999.995", "EUR", "1000.00", "1,000.00"},
	}
	for _, c := range cases {
		if got := Round(amt(c.a), c.cur); got != c.round {
			t.Errorf("Round(%s %s) = %s, want %s", c.a, c.cur, got, c.round)
		}
		if got := Display(amt(c.a), c.cur); got != c.display {
			t.Errorf("Display(%s %s) = %s, want %s", c.a, c.cur, got, c.display)
		}
	}
}

func TestTableCSV(t *testing.T) {
	rows := []costs.AggRow{row("2026-11-01", "=HYPERLINK(1)", "USD", "1.005"), row("2026-11-02", "vm", "USD", "-2")}
	req := request("2026-11-01", "2026-11-03", Day, Billing)
	req.Compare = true
	res, err := Build(req, "USD", nil, rows, []costs.AggRow{row("2026-10-30", "vm", "USD", "4")})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteTableCSV(&buf, res); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"currency", "service", "label", "2026-11-01", "2026-11-02", "total", "previous_total", "change", "change_percent"},
		{"USD", "'=HYPERLINK(1)", "'=HYPERLINK(1)", "1.01", "0.00", "1.01", "0.00", "1.01", ""},
		{"USD", "vm", "VM", "0.00", "-2.00", "-2.00", "4.00", "-6.00", "-150.0"},
		{"USD", "", "Total", "1.01", "-2.00", "-1.00", "4.00", "-5.00", "-124.9"},
	}
	if len(recs) != len(want) {
		t.Fatalf("csv %v", recs)
	}
	for i := range want {
		if !slices.Equal(recs[i], want[i]) {
			t.Errorf("row %d = %q, want %q", i, recs[i], want[i])
		}
	}
}
