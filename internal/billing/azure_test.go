package billing

import (
	"encoding/csv"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/cockroachdb/apd/v3"
)

func billed(l *Line) *apd.Decimal     { return l.BilledCost }
func effective(l *Line) *apd.Decimal  { return l.EffectiveCost }
func listCost(l *Line) *apd.Decimal   { return l.ListCost }
func contracted(l *Line) *apd.Decimal { return l.ContractedCost }

// txt prints an optional amount; "nil" for a null.
func txt(d *apd.Decimal) string {
	if d == nil {
		return "nil"
	}
	return d.Text('f')
}

// Totals below were worked out by hand from the fixtures' rows (see the
// comments); the importer must reproduce them digit for digit.
func TestAzureFixturesTotals(t *testing.T) {
	cases := []struct {
		path                         string
		format                       Format
		lines                        int
		billed, effective, list, con string
	}{
		// 2.304 + 0 + 876.00 + 0.70 - 0.004 - 292.00; effective drops the
		// RI purchase and refund; list = 2.88 + 2.88 + 0.875.
		{"testdata/azure_ea_legacy_actual.csv", AzureEA, 6, "587.000", "3.000", "6.635", "589.308"},
		// Only on-demand usage and the Marketplace purchase are billed.
		{"testdata/azure_ea_amortized.csv", AzureEA, 6, "30.50", "36.00", "51.50", "46.5"},
		// 2.70 + 0.90 + 100.00 - 50.00; list = 3.24 (column) + 0.025×50×0.9;
		// contracted = 1.00×30×0.9/10 + 0.02×50×0.9.
		{"testdata/azure_mca_actual.csv", AzureMCA, 4, "53.60", "3.60", "4.3650", "3.6000"},
		{"testdata/azure_mca_amortized.csv", AzureMCA, 3, "0.90", "5.90", "7.56", "6.300"},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			r, lines := readAll(t, c.path)
			if r.Format() != c.format || len(lines) != c.lines {
				t.Fatalf("format %s, %d lines", r.Format(), len(lines))
			}
			got := []string{sum(lines, billed), sum(lines, effective), sum(lines, listCost), sum(lines, contracted)}
			want := []string{c.billed, c.effective, c.list, c.con}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Fatalf("billed/effective/list/contracted = %v, want %v", got, want)
			}
		})
	}
}

func TestOpenPicksAzureAndKeepsFOCUS(t *testing.T) {
	for path, want := range map[string]Format{
		"testdata/azure_ea_legacy_actual.csv": AzureEA, "testdata/azure_ea_amortized.csv": AzureEA,
		"testdata/azure_mca_actual.csv": AzureMCA, "testdata/azure_mca_amortized.csv": AzureMCA,
		"testdata/focus12_quirks.csv": FOCUS12,
	} {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		r, err := Open(f)
		f.Close()
		if err != nil || r.Format() != want {
			t.Fatalf("%s: format %v, err %v; want %s", path, r, err, want)
		}
	}
}

func TestAzureLegacyEA(t *testing.T) {
	_, lines := readAll(t, "testdata/azure_ea_legacy_actual.csv")
	vm := lines[0]
	if vm.SubAccountID != "6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f" || vm.BillingAccountID != "8611537" || vm.BillingCurrency != "USD" ||
		vm.PricingCurrency != "USD" || vm.RegionName != "EastUS" || vm.RegionID != "eastus" || vm.ServiceName != "Virtual Machines" ||
		vm.ServiceCategory != "Compute" || vm.ResourceName != "web-01" || vm.ResourceType != "microsoft.compute/virtualmachines" ||
		vm.ProviderName != "Microsoft" || vm.InvoiceIssuerName != "Microsoft" || vm.PublisherName != "Microsoft" {
		t.Fatalf("legacy usage line: %+v", vm)
	}
	if vm.Tags["team"] != "web,api" || vm.Tags["env"] != "prod" || vm.Extra[ExtraResourceGroup] != "RG-Web" || vm.Extra["x_CostCenter"] != "CC-42" {
		t.Fatalf("tags without braces / resource group / extras: %v %v", vm.Tags, vm.Extra)
	}
	// The explorer filters on this exact key.
	if ExtraResourceGroup != "x_ResourceGroup" || vm.Extra["x_ChargeType"] != "Usage" || vm.Extra["x_PayGPrice"] != "0.12" || vm.Extra[ExtraCostType] != "" {
		t.Fatalf("extras: %v", vm.Extra)
	}
	assertPeriods(t, vm, "2026-01-05", "2026-01-06", "2026-01-01", "2026-02-01")
	assertAmounts(t, vm, "2.304", "2.304", "2.88", "2.304")
	if vm.ChargeCategory != CategoryUsage || vm.ChargeFrequency != FrequencyUsageBased || vm.ChargeClass != "" ||
		txt(vm.ConsumedQuantity) != "24" || vm.ConsumedUnit != "Hour" || vm.PricingUnit != "Hour" {
		t.Fatalf("usage charge: %+v", vm)
	}
}

func TestAzureLegacyEACommitments(t *testing.T) {
	_, lines := readAll(t, "testdata/azure_ea_legacy_actual.csv")
	covered := lines[1]
	assertAmounts(t, covered, "0", "0", "2.88", "2.304")
	if covered.CommitmentDiscountID != "9a8b7c6d-0000-4000-8000-000000000001" || covered.CommitmentDiscountType != CommitmentReservation ||
		covered.CommitmentDiscountCategory != "Usage" || covered.CommitmentDiscountStatus != CommitmentUsed ||
		covered.Extra[ExtraCostType] != "ActualCost" || covered.Tags["env"] != "prod" {
		t.Fatalf("RI-covered usage in an actual file: %+v", covered)
	}
	purchase := lines[2]
	assertAmounts(t, purchase, "876.00", "0", "nil", "876.00")
	if purchase.ChargeCategory != CategoryPurchase || purchase.ChargeFrequency != FrequencyOneTime || purchase.CommitmentDiscountStatus != "" ||
		purchase.ServiceName != "Microsoft.Capacity" || purchase.ServiceCategory != "Other" || purchase.Extra[ExtraCostType] != "ActualCost" ||
		purchase.ConsumedQuantity != nil || txt(purchase.PricingQuantity) != "1" {
		t.Fatalf("RI purchase: %+v", purchase)
	}
}

func TestAzureLegacyEABlocksAndAdjustments(t *testing.T) {
	_, lines := readAll(t, "testdata/azure_ea_legacy_actual.csv")
	storage := lines[3]
	assertAmounts(t, storage, "0.70", "0.70", "0.875", "0.70")
	if txt(storage.PricingQuantity) != "3.5" || storage.PricingUnit != "GB/Month" || txt(storage.ConsumedQuantity) != "35" || storage.Tags != nil {
		t.Fatalf("10 GB/Month block: %+v", storage)
	}
	rounding := lines[4]
	if rounding.ChargeCategory != CategoryAdjustment || rounding.ChargeFrequency != FrequencyOneTime || txt(rounding.BilledCost) != "-0.004" ||
		rounding.PricingQuantity != nil || rounding.ListCost != nil {
		t.Fatalf("rounding adjustment: %+v", rounding)
	}
	refund := lines[5]
	assertAmounts(t, refund, "-292.00", "0", "nil", "-292.00")
	if refund.ChargeCategory != CategoryPurchase || refund.ChargeClass != ChargeClassCorrection {
		t.Fatalf("refund dated before its billing period is a Correction: %+v", refund)
	}
	assertPeriods(t, refund, "2025-12-28", "2025-12-29", "2026-01-01", "2026-02-01")
}

func TestAzureAmortizedEA(t *testing.T) {
	_, lines := readAll(t, "testdata/azure_ea_amortized.csv")
	od := lines[0]
	if od.SubAccountID != "7a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d" || od.BillingCurrency != "EUR" || od.ResourceName != "app-01" ||
		od.Tags["owner"] != "ana" || od.Extra[ExtraResourceGroup] != "rg-app" || od.CommitmentDiscountType != "" {
		t.Fatalf("on-demand line: %+v", od)
	}
	assertPeriods(t, od, "2026-02-03", "2026-02-04", "2026-02-01", "2026-03-01")
	want := []struct{ billed, effective, typ, cat, status, costType, category string }{
		{"10.50", "10.50", "", "", "", "", CategoryUsage},
		{"0", "1.75", CommitmentReservation, "Usage", CommitmentUsed, "AmortizedCost", CategoryUsage},
		{"0", "0.25", CommitmentReservation, "Usage", CommitmentUnused, "AmortizedCost", CategoryUsage},
		{"0", "3.00", CommitmentSavingsPlan, "Spend", CommitmentUsed, "AmortizedCost", CategoryUsage},
		{"0", "0.50", CommitmentSavingsPlan, "Spend", CommitmentUnused, "AmortizedCost", CategoryUsage},
		{"20.00", "20.00", "", "", "", "", CategoryPurchase},
	}
	for i, w := range want {
		l := lines[i]
		got := []string{txt(l.BilledCost), txt(l.EffectiveCost), l.CommitmentDiscountType, l.CommitmentDiscountCategory,
			l.CommitmentDiscountStatus, l.Extra[ExtraCostType], l.ChargeCategory}
		exp := []string{w.billed, w.effective, w.typ, w.cat, w.status, w.costType, w.category}
		if strings.Join(got, "|") != strings.Join(exp, "|") {
			t.Errorf("line %d: got %v, want %v", i+2, got, exp)
		}
	}
	if lines[1].CommitmentDiscountID != "/providers/Microsoft.Capacity/reservationOrders/ro-1/reservations/r-1" || lines[1].CommitmentDiscountName != "VM_RI_D2sv5" {
		t.Errorf("benefit id/name: %+v", lines[1])
	}
	if lines[2].ConsumedQuantity != nil || txt(lines[2].PricingQuantity) != "2" {
		t.Errorf("unused reservation hours are not consumption: %+v", lines[2])
	}
	mp := lines[5]
	if mp.PublisherName != "Contoso Software" || mp.ChargeFrequency != FrequencyRecurring || mp.Extra["x_PlanName"] != "standard" {
		t.Errorf("marketplace purchase: %+v", mp)
	}
}

func TestAzureMCA(t *testing.T) {
	_, lines := readAll(t, "testdata/azure_mca_actual.csv")
	db := lines[0]
	if db.BillingAccountID != "ABCD-EFGH-XYZ-PGB" || db.BillingAccountName != "Fabrikam Europe" || db.BillingCurrency != "EUR" ||
		db.PricingCurrency != "USD" || db.ResourceName != "db-1" || db.ResourceType != "microsoft.sql/servers/databases" ||
		db.SkuID != "DZH318Z0BQPS" || db.ServiceCategory != "Databases" || db.Extra[ExtraResourceGroup] != "rg-dev" ||
		db.Tags["cost-center"] != "CC-7" || db.Extra["x_billingAccountId"] == "" {
		t.Fatalf("MCA usage line: %+v", db)
	}
	if _, raw := db.Extra["x_resourceGroupName"]; raw {
		t.Fatalf("resource group kept twice: %v", db.Extra)
	}
	// 30 hours of a "10 Hours" meter: 3 blocks at 1.00 USD, at 0.9 EUR/USD.
	assertAmounts(t, db, "2.70", "2.70", "3.24", "2.7000")
	if txt(db.PricingQuantity) != "3.0" || db.PricingUnit != "Hours" || txt(db.ConsumedQuantity) != "30" || db.ConsumedUnit != "Hours" {
		t.Fatalf("block pricing: %+v", db)
	}
	assertAmounts(t, lines[1], "0.90", "0.90", "1.1250", "0.900")
	if lines[1].Tags["env"] != "dev" {
		t.Fatalf("tags without braces: %v", lines[1].Tags)
	}
	sp := lines[2]
	assertAmounts(t, sp, "100.00", "0", "nil", "nil")
	if sp.CommitmentDiscountType != CommitmentSavingsPlan || sp.ChargeFrequency != FrequencyRecurring || sp.Extra[ExtraCostType] != "ActualCost" {
		t.Fatalf("savings plan purchase: %+v", sp)
	}
	refund := lines[3]
	if refund.ChargeCategory != CategoryPurchase || refund.ChargeClass != ChargeClassCorrection || txt(refund.BilledCost) != "-50.00" ||
		!refund.EffectiveCost.IsZero() || refund.InvoiceID != "G000333444" || refund.CommitmentDiscountType != CommitmentReservation {
		t.Fatalf("refund of an invoiced reservation: %+v", refund)
	}
}

func assertPeriods(t *testing.T, l *Line, cs, ce, bs, be string) {
	t.Helper()
	f := func(tm timeField) string {
		if tm.Location().String() != "UTC" {
			return "not UTC"
		}
		return tm.Format("2006-01-02T15:04:05")
	}
	got := []string{f(l.ChargePeriodStart), f(l.ChargePeriodEnd), f(l.BillingPeriodStart), f(l.BillingPeriodEnd)}
	want := []string{cs + "T00:00:00", ce + "T00:00:00", bs + "T00:00:00", be + "T00:00:00"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("periods %v, want %v", got, want)
	}
}

func assertAmounts(t *testing.T, l *Line, b, e, list, con string) {
	t.Helper()
	got := []string{txt(l.BilledCost), txt(l.EffectiveCost), txt(l.ListCost), txt(l.ContractedCost)}
	if want := []string{b, e, list, con}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("billed/effective/list/contracted %v, want %v", got, want)
	}
}

func TestAzureChargeMapping(t *testing.T) {
	for typ, want := range map[string]string{"Usage": CategoryUsage, "Purchase": CategoryPurchase, "Refund": CategoryPurchase,
		"UnusedReservation": CategoryUsage, "UnusedSavingsPlan": CategoryUsage, "RoundingAdjustment": CategoryAdjustment,
		"Tax": CategoryTax, "Credit": CategoryCredit, "SomethingNew": CategoryAdjustment} {
		if got := chargeCategory(normWord(typ)); got != want {
			t.Errorf("%s -> %s, want %s", typ, got, want)
		}
	}
}

// azureVariant is the EA amortized fixture with one cell of its first row
// replaced.
func azureVariant(t *testing.T, column, value string) string {
	t.Helper()
	f, err := os.Open("testdata/azure_ea_amortized.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	i := slices.Index(recs[0], column)
	if i < 0 {
		t.Fatalf("no column %s", column)
	}
	recs[1][i] = value
	var b strings.Builder
	w := csv.NewWriter(&b)
	if err := w.WriteAll(recs[:2]); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestAzureMalformedNamesLineAndColumn(t *testing.T) {
	cases := []struct{ column, value, want string }{

		{"CostInBillingCurrency", "ten", "line 2, column CostInBillingCurrency: not a number"},
		{"CostInBillingCurrency", "", "line 2, column CostInBillingCurrency: a number is required"},
		{"Date", "31/02/2026", "line 2, column Date: not a date"},
		{"Date", "NULL", "line 2, column Date: a date is required"},
		{"BillingPeriodEndDate", "01/15/2026", "line 2, column BillingPeriodEndDate: BillingPeriodEndDate is before"},
		{"BillingCurrencyCode", "", "line 2, column BillingCurrencyCode: a currency is required"},
		{"ChargeType", "", "line 2, column ChargeType: a charge type is required"},
		{"Quantity", "2x", "line 2, column Quantity: not a number"},
		{"UnitPrice", "abc", "line 2, column UnitPrice: not a number"},
		{"UnitPrice", "9E+99999", "line 2, column UnitPrice: price × quantity is out of range"},
		{"Tags", `{"env":`, "line 2, column Tags: tags are not a JSON object"},
	}
	bad := azureVariant(t, "Date", "02/03/2026")
	if err := readErr(strings.Replace(bad, "02/03/2026", "02/03/2026,extra", 1)); err == nil || !strings.Contains(err.Error(), "line 2: has 58 fields, the header has 57") {
		t.Fatalf("extra field: %v", err)
	}
	for _, c := range cases {
		t.Run(c.column+"="+c.value, func(t *testing.T) {
			err := readErr(azureVariant(t, c.column, c.value))
			var pe *ParseError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want ParseError containing %q, got %v", c.want, err)
			}
		})
	}
}

// FuzzAzure mutates Azure exports: the mapper must never panic, must fail
// only with a ParseError, and every line it accepts must be well formed.
func FuzzAzure(f *testing.F) {
	for _, p := range []string{"testdata/azure_ea_legacy_actual.csv", "testdata/azure_ea_amortized.csv",
		"testdata/azure_mca_actual.csv", "testdata/azure_mca_amortized.csv"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Fuzz(func(t *testing.T, body string) {
		r, err := Open(strings.NewReader(body))
		if err != nil {
			checkParseError(t, err)
			return
		}
		for {
			l, err := r.Next()
			if err != nil {
				checkParseError(t, err)
				return
			}
			if r.Format() == AzureEA || r.Format() == AzureMCA {
				checkAzureLine(t, l)
			}
		}
	})
}

func checkParseError(t *testing.T, err error) {
	var pe *ParseError
	if !errors.Is(err, io.EOF) && !errors.As(err, &pe) {
		t.Fatalf("error is not a ParseError: %v", err)
	}
}

func checkAzureLine(t *testing.T, l *Line) {
	if l.BilledCost == nil || l.EffectiveCost == nil || l.BillingCurrency == "" || l.ChargeCategory == "" || l.ChargeFrequency == "" {
		t.Fatalf("incomplete line: %+v", l)
	}
	if !l.ChargePeriodEnd.Equal(l.ChargePeriodStart.AddDate(0, 0, 1)) || !l.BillingPeriodEnd.After(l.BillingPeriodStart) {
		t.Fatalf("periods: %+v", l)
	}
	if l.CommitmentDiscountStatus == CommitmentUnused && !l.BilledCost.IsZero() {
		t.Fatalf("unused commitment billed again: %+v", l)
	}
}

// The oldest EA files have neither ChargeType nor billing-period columns:
// every row is usage and the billing period is the charge's month.
func TestAzureOldestEAColumns(t *testing.T) {
	body := "\ufeffSubscriptionGuid,Date,MeterCategory,ConsumedService,ResourceLocation,UnitOfMeasure,Quantity,Cost,BillingCurrencyCode,InstanceId,Tags\r\n" +
		"s-1,03/15/2026,Bandwidth,Microsoft.Network,West Europe,1 GB,12.5,1.25,GBP,vnet-1,\"\"\"env\"\": \"\"prod\"\"\"\r\n"
	r, err := Open(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	l, err := r.Next()
	if err != nil || r.Format() != AzureEA {
		t.Fatalf("%s: %v", r.Format(), err)
	}
	assertPeriods(t, l, "2026-03-15", "2026-03-16", "2026-03-01", "2026-04-01")
	if l.ChargeCategory != CategoryUsage || l.ChargeFrequency != FrequencyUsageBased || l.ServiceCategory != "Networking" ||
		l.RegionID != "westeurope" || l.ResourceID != "vnet-1" || l.ResourceName != "" || l.Tags["env"] != "prod" || l.BillingCurrency != "GBP" {
		t.Fatalf("oldest EA row: %+v", l)
	}
	assertAmounts(t, l, "1.25", "1.25", "nil", "nil")
}
