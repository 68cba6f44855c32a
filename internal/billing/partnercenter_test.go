package billing

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func period(start, end time.Time) string {
	return start.Format(time.RFC3339) + "/" + end.Format(time.RFC3339)
}

func text(d *apd.Decimal) string {
	if d == nil {
		return "<nil>"
	}
	return d.Text('f')
}

func TestPartnerCenterUsage(t *testing.T) {
	r, lines := readAll(t, "testdata/partnercenter_usage.csv")
	if r.Format() != PartnerCenterUsage || len(lines) != 3 {
		t.Fatalf("format %s, %d lines", r.Format(), len(lines))
	}
	vm := lines[0]
	if vm.BillingAccountID != "3b33e682-00c3-41ee-9dd2-a548adf56438" || vm.BillingAccountName != "Fabrikam CSP GmbH" ||
		vm.SubAccountID != "11111111-2222-3333-4444-555555555555" || vm.SubAccountName != "Contoso Production" ||
		vm.InvoiceID != "G012345678" || vm.ProviderName != "Microsoft" || vm.InvoiceIssuerName != "Microsoft" {
		t.Fatalf("accounts: %+v", vm)
	}
	if got := period(vm.ChargePeriodStart, vm.ChargePeriodEnd); got != period(day("2022-09-01"), day("2022-09-02")) {
		t.Fatalf("charge period %s", got)
	}
	if got := period(vm.BillingPeriodStart, vm.BillingPeriodEnd); got != period(day("2022-09-01"), day("2022-10-01")) {
		t.Fatalf("billing period %s", got)
	}
	if vm.ChargeCategory != CategoryUsage || vm.ChargeFrequency != FrequencyUsageBased || vm.ServiceName != "Virtual Machines" ||
		vm.ServiceCategory != "Compute" || vm.RegionID != "westeurope" || vm.ResourceName != "vm-web-1" ||
		vm.SkuID != "DZH318Z0BQ3Q/0001" || vm.SkuPriceID != "1cb88381-0905-4843-9ba2-7914066aabe5" {
		t.Fatalf("dimensions: %+v", vm)
	}
	// PEC is inside BillingPreTaxTotal; ContractedCost is the price-list
	// price converted to EUR: 0.096 × 24 × 0.92.
	if text(vm.BilledCost) != "1.801728" || text(vm.EffectiveCost) != "1.801728" || text(vm.ContractedCost) != "2.11968" ||
		vm.BillingCurrency != "EUR" || vm.PricingCurrency != "USD" || text(vm.ConsumedQuantity) != "24" || vm.ConsumedUnit != "1 Hour" {
		t.Fatalf("amounts: billed %s effective %s contracted %s", text(vm.BilledCost), text(vm.EffectiveCost), text(vm.ContractedCost))
	}
	if vm.Tags["team"] != "a,b" || vm.Tags["env"] != "prod" || vm.Extra["x_CustomerName"] != "Contoso, Ltd" ||
		vm.Extra["x_PartnerEarnedCreditPercentage"] != "15" || vm.Extra["x_ChargeType"] != "new" {
		t.Fatalf("tags/extras: %v %v", vm.Tags, vm.Extra)
	}
	checkUsageQuirks(t, lines)
}

func checkUsageQuirks(t *testing.T, lines []*Line) {
	t.Helper()
	st := lines[1] // US dates with hours, tags without braces, NULL publisher
	if st.Tags["env"] != "dev" || st.PublisherName != "Microsoft" || st.RegionID != "westeurope" ||
		period(st.ChargePeriodStart, st.ChargePeriodEnd) != period(day("2022-09-02"), day("2022-09-03")) ||
		!st.BillingPeriodEnd.Equal(day("2022-10-01")) {
		t.Fatalf("storage line: %+v", st)
	}
	bw := lines[2] // Azure credit: kept as attributes, amounts as stated
	if bw.Extra["x_CreditPercentage"] != "100" || bw.Extra["x_CreditType"] != "Azure Credit Applied" ||
		bw.SubAccountName != "Contoso Sandbox" || bw.ResourceID != "" || bw.Tags != nil || text(bw.BilledCost) != "0.8004" {
		t.Fatalf("bandwidth line: %+v", bw)
	}
	if got := sum(lines, func(l *Line) *apd.Decimal { return l.BilledCost }); got != "2.6590576" {
		t.Fatalf("billed total %s", got)
	}
	if got := sum(lines, func(l *Line) *apd.Decimal { return l.ContractedCost }); got != "2.9870560" {
		t.Fatalf("contracted total %s", got)
	}
}

func TestPartnerCenterLicense(t *testing.T) {
	r, lines := readAll(t, "testdata/partnercenter_license.csv")
	if r.Format() != PartnerCenterLicense || len(lines) != 7 {
		t.Fatalf("format %s, %d lines", r.Format(), len(lines))
	}
	wantCat := []string{CategoryPurchase, CategoryPurchase, CategoryPurchase, CategoryCredit, CategoryPurchase, CategoryPurchase, CategoryUsage}
	wantFreq := []string{FrequencyRecurring, FrequencyRecurring, FrequencyRecurring, FrequencyRecurring, FrequencyRecurring, FrequencyOneTime, FrequencyUsageBased}
	for i, l := range lines {
		if l.ChargeCategory != wantCat[i] || l.ChargeFrequency != wantFreq[i] {
			t.Errorf("line %d: %s/%s, want %s/%s", i+2, l.ChargeCategory, l.ChargeFrequency, wantCat[i], wantFreq[i])
		}
		if !l.BillingPeriodStart.Equal(day("2022-09-01")) || !l.BillingPeriodEnd.Equal(day("2022-10-01")) || l.InvoiceID != "G012345678" {
			t.Errorf("line %d: billing period %s, invoice %s", i+2, period(l.BillingPeriodStart, l.BillingPeriodEnd), l.InvoiceID)
		}
		if text(l.EffectiveCost) != text(l.BilledCost) {
			t.Errorf("line %d: effective %s != billed %s", i+2, text(l.EffectiveCost), text(l.BilledCost))
		}
	}
	first := lines[0]
	if text(first.BilledCost) != "336.00" || first.Extra["x_Tax"] != "63.84" || first.Extra["x_Total"] != "399.84" ||
		first.Extra["x_TaxTotal"] != "" || first.Extra["x_CustomerName"] != "Contoso, Ltd" || first.SubAccountName != "M365 E3" ||
		first.SkuID != "CFQ7TTC0LF8Q/0001" || text(first.ContractedCost) != "336.00" || first.PublisherName != "Microsoft Corporation" {
		t.Fatalf("first line: %+v", first)
	}
	annual := lines[4]
	if got := period(annual.ChargePeriodStart, annual.ChargePeriodEnd); got != period(day("2022-09-15"), day("2023-09-15")) {
		t.Fatalf("annual charge period %s", got)
	}
	azure := lines[6]
	if text(azure.ContractedCost) != "0.988141824" || azure.PricingCurrency != "USD" || azure.BillingCurrency != "EUR" {
		t.Fatalf("azure plan line: contracted %s %s→%s", text(azure.ContractedCost), azure.PricingCurrency, azure.BillingCurrency)
	}
	checkDocumentedSubtotals(t, lines)
}

// checkDocumentedSubtotals proves the fixture follows Partner Center's
// documented Subtotal formulas, so the totals test below tests the real
// rule and not numbers made up to fit it.
func checkDocumentedSubtotals(t *testing.T, lines []*Line) {
	t.Helper()
	down := apd.BaseContext.WithPrecision(60)
	down.Rounding = apd.RoundDown
	for i, l := range lines {
		eup, _, _ := apd.NewFromString(l.Extra["x_EffectiveUnitPrice"])
		rate, _, _ := apd.NewFromString(l.Extra["x_PCToBCExchangeRate"])
		want := new(apd.Decimal)
		if l.ChargeCategory == CategoryUsage { // ROUNDDOWN(ROUNDDOWN(EUP × BQ, 2) × rate, 2)
			pcExact.Mul(want, eup, l.PricingQuantity)
			down.Quantize(want, want, -2)
			pcExact.Mul(want, want, rate)
			down.Quantize(want, want, -2)
		} else { // ROUNDDOWN(EUP × rate, 2) × BQ
			pcExact.Mul(want, eup, rate)
			down.Quantize(want, want, -2)
			pcExact.Mul(want, want, l.PricingQuantity)
		}
		if want.Cmp(l.BilledCost) != 0 {
			t.Errorf("line %d: documented subtotal %s, fixture %s", i+2, want.Text('f'), text(l.BilledCost))
		}
	}
}

func TestPartnerCenterInvoiceTotals(t *testing.T) {
	_, lines := readAll(t, "testdata/partnercenter_license.csv")
	sub, tax, total, err := InvoiceTotals(lines)
	if err != nil {
		t.Fatal(err)
	}
	// Hand-computed: 336.00 + 6.25 + 6.25 − 33.60 + 144.00 + 250.00 + 0.83.
	if text(sub) != "709.73" || text(tax) != "134.86" || text(total) != "844.59" {
		t.Fatalf("invoice totals %s + %s = %s", text(sub), text(tax), text(total))
	}
	fileTotal := sum(lines, func(l *Line) *apd.Decimal { d, _, _ := apd.NewFromString(l.Extra["x_Total"]); return d })
	if fileTotal != text(total) {
		t.Fatalf("sum of the Total column %s, InvoiceTotals %s", fileTotal, text(total))
	}
	// The trap the rule avoids: the two prorated 6.245 lines round to 12.50
	// one by one but to 12.49 as a sum, one cent short of the invoice.
	if raw := sum(lines, func(l *Line) *apd.Decimal { return l.BilledCost }); raw != "709.720" {
		t.Fatalf("raw subtotal sum %s", raw)
	}

	_, legacy := readAll(t, "testdata/partnercenter_license_legacy.csv")
	sub, tax, total, err = InvoiceTotals(legacy)
	if err != nil {
		t.Fatal(err)
	}
	if text(sub) != "107.91" || text(tax) != "22.66" || text(total) != "130.57" {
		t.Fatalf("legacy totals %s + %s = %s", text(sub), text(tax), text(total))
	}
	if got := sum(legacy, func(l *Line) *apd.Decimal { d, _, _ := apd.NewFromString(l.Extra["x_Total"]); return d }); got != "130.57" {
		t.Fatalf("legacy TotalForCustomer sum %s", got)
	}
}

func TestPartnerCenterLegacyLicense(t *testing.T) {
	r, lines := readAll(t, "testdata/partnercenter_license_legacy.csv")
	if r.Format() != PartnerCenterLicense || len(lines) != 3 {
		t.Fatalf("format %s, %d lines", r.Format(), len(lines))
	}
	l := lines[0]
	if l.SubAccountID != "fb977ab5-1c2d-4e5f-8a9b-24c8d9591708" || l.SubAccountName != "OFFICE 365 E3" || l.SkuID != "1017D7F3-6D7F-4BFA-BDD8-79BC8F104E0C" ||
		period(l.ChargePeriodStart, l.ChargePeriodEnd) != period(day("2019-02-01"), day("2019-03-01")) ||
		period(l.BillingPeriodStart, l.BillingPeriodEnd) != period(day("2019-02-01"), day("2019-03-01")) {
		t.Fatalf("legacy line: %+v", l)
	}
	p := lines[1]
	if text(p.BilledCost) != "11.32" || text(p.ContractedCost) != "13.64" || p.Extra["x_TotalOtherDiscount"] != "2.32" ||
		p.ServiceName != "Project Online, Premium" || p.ChargeFrequency != FrequencyRecurring || p.ChargeCategory != CategoryPurchase {
		t.Fatalf("discounted line: %+v", p)
	}
	if c := lines[2]; c.ChargeCategory != CategoryCredit || text(c.BilledCost) != "-3.41" || c.Extra["x_Tax"] != "-0.72" {
		t.Fatalf("refund line: %+v", c)
	}
}

func TestInvoiceTotalsRules(t *testing.T) {
	line := func(cur, sub, tax, total string) *Line {
		d, _, _ := apd.NewFromString(sub)
		l := &Line{BillingCurrency: cur, BilledCost: d, Extra: map[string]string{"x_Tax": tax}}
		if total != "" {
			l.Extra["x_Total"] = total
		}
		return l
	}
	sub, tax, total, err := InvoiceTotals([]*Line{line("EUR", "-6.245", "-1.19", "-7.44"), line("EUR", "0.005", "0", "")})
	if err != nil || text(sub) != "-6.24" || text(tax) != "-1.19" || text(total) != "-7.43" {
		t.Fatalf("half away from zero: %s %s %s %v", text(sub), text(tax), text(total), err)
	}
	if sub, _, _, err = InvoiceTotals([]*Line{line("JPY", "1234.5", "123", "")}); err != nil || text(sub) != "1235" {
		t.Fatalf("JPY has no minor unit: %s %v", text(sub), err)
	}
	if _, _, _, err = InvoiceTotals([]*Line{line("EUR", "6.245", "1.19", "7.43")}); err == nil || !strings.Contains(err.Error(), "the file's Total is 7.43") {
		t.Fatalf("a line whose Total disagrees must be reported: %v", err)
	}
	if _, _, _, err = InvoiceTotals([]*Line{line("EUR", "1", "0", ""), line("USD", "1", "0", "")}); err == nil {
		t.Fatal("mixed currencies must be refused")
	}
	if sub, tax, total, err = InvoiceTotals(nil); err != nil || text(sub) != "0" || text(tax) != "0" || text(total) != "0" {
		t.Fatalf("empty invoice: %s %s %s %v", text(sub), text(tax), text(total), err)
	}
}

func TestPartnerCenterDetection(t *testing.T) {
	for path, want := range map[string]Format{
		"testdata/partnercenter_usage.csv":          PartnerCenterUsage,
		"testdata/partnercenter_license.csv":        PartnerCenterLicense,
		"testdata/partnercenter_license_legacy.csv": PartnerCenterLicense,
		"testdata/focus12_quirks.csv":               FOCUS12,
	} {
		if r, _ := readAll(t, path); r.Format() != want {
			t.Errorf("%s: detected %s, want %s", path, r.Format(), want)
		}
	}
	// No other format's fixture may be read as Partner Center.
	others, _ := filepath.Glob("testdata/*.csv")
	for _, path := range others {
		if strings.Contains(path, "partnercenter_") {
			continue
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if r, err := Open(f); err == nil && strings.HasPrefix(string(r.Format()), "partnercenter") {
			t.Errorf("%s detected as %s", path, r.Format())
		}
		f.Close()
	}
	// Headers that share names with Partner Center but are not its files
	// must score zero here, whatever other formats do with them.
	for name, header := range map[string]string{
		"azure mca": "InvoiceId,BillingAccountId,Date,MeterCategory,MeterId,ProductId,Quantity,UnitPrice,CostInBillingCurrency,BillingCurrency,PricingCurrency,PartnerEarnedCreditRate,CustomerName,ChargeType,Tags",
		"focus+x_":  "BilledCost,BillingAccountId,ChargeCategory,ChargePeriodStart,ChargePeriodEnd,BillingPreTaxTotal,UsageDate,Subtotal,TaxTotal,Total,Currency,ChargeStartDate",
	} {
		h := strings.Split(header, ",")
		r := &row{index: indexHeader(h), header: h}
		if u, l := pcUsageScore(r), pcLicenseScore(r); u != 0 || l != 0 {
			t.Errorf("%s: usage score %d, license score %d", name, u, l)
		}
	}
}

func TestPartnerCenterMalformed(t *testing.T) {
	usage, _ := os.ReadFile("testdata/partnercenter_usage.csv")
	license, _ := os.ReadFile("testdata/partnercenter_license.csv")
	u, l := string(usage), string(license)
	cases := map[string]struct{ body, want string }{
		"usage amount":    {strings.Replace(u, ",1.801728,", ",1.80x,", 1), "line 2, column BillingPreTaxTotal: not a number"},
		"usage date":      {strings.Replace(u, "09/02/2022", "02.09.2022", 1), "line 3, column UsageDate: not a date"},
		"usage currency":  {strings.Replace(u, ",0.8004,EUR,", ",0.8004,,", 1), "line 4, column BillingCurrency: a currency is required"},
		"usage tags":      {strings.Replace(u, `"""env"":""dev"""`, `"{""env"":}"`, 1), "line 3, column Tags"},
		"usage period":    {strings.Replace(u, "9/1/2022 0:00,9/30/2022 23:59", "9/30/2022,9/1/2022", 1), "column ChargeEndDate: ChargeEndDate is before ChargeStartDate"},
		"license amount":  {strings.Replace(l, ",336.00,63.84,", ",,63.84,", 1), "line 2, column Subtotal: a number is required"},
		"license tax":     {strings.Replace(l, ",63.84,", ",6e,", 1), "line 2, column TaxTotal: not a number"},
		"license date":    {strings.Replace(l, "9/15/2022,9/14/2023", "9/15/2022,", 1), "line 6, column ChargeEndDate: a date is required"},
		"license reverse": {strings.Replace(l, "9/15/2022,9/14/2023", "9/15/2022,9/14/2021", 1), "line 6, column ChargeEndDate"},
		"license fields":  {l + "a,b\n", "line 9: has 2 fields, the header has 47"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			if c.body == u || c.body == l {
				t.Fatal("the replacement did not apply: the case tests nothing")
			}
			err := readErr(c.body)
			var pe *ParseError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want a ParseError containing %q, got %v", c.want, err)
			}
		})
	}
}

// FuzzPartnerCenter mutates the Partner Center fixtures: the reader must
// not panic, must fail with a ParseError, and every line it accepts must
// be well formed.
func FuzzPartnerCenter(f *testing.F) {
	for _, p := range []string{"testdata/partnercenter_usage.csv", "testdata/partnercenter_license.csv", "testdata/partnercenter_license_legacy.csv"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Fuzz(func(t *testing.T, body string) {
		r, err := Open(strings.NewReader(body))
		if err != nil {
			return
		}
		var lines []*Line
		for {
			l, err := r.Next()
			if err != nil {
				var pe *ParseError
				if !errors.Is(err, io.EOF) && !errors.As(err, &pe) {
					t.Fatalf("error is not a ParseError: %v", err)
				}
				break
			}
			if l.BilledCost == nil || l.BillingCurrency == "" || !l.ChargePeriodEnd.After(l.ChargePeriodStart) ||
				!l.BillingPeriodEnd.After(l.BillingPeriodStart) || l.ChargeCategory == "" {
				t.Fatalf("malformed line accepted: %+v", l)
			}
			lines = append(lines, l)
		}
		if r.Format() == PartnerCenterLicense {
			InvoiceTotals(lines) // must not panic on whatever the file held
		}
	})
}
