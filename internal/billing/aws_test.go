package billing

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"
)

func awsBilled(l *Line) *apd.Decimal    { return l.BilledCost }
func awsEffective(l *Line) *apd.Decimal { return l.EffectiveCost }

// awsInvoiceTotals sums BilledCost per invoice ID.
func awsInvoiceTotals(lines []*Line) map[string]string {
	byInvoice := map[string][]*Line{}
	for _, l := range lines {
		byInvoice[l.InvoiceID] = append(byInvoice[l.InvoiceID], l)
	}
	out := map[string]string{}
	for id, ls := range byInvoice {
		out[id] = sum(ls, awsBilled)
	}
	return out
}

func awsCents(t *testing.T, s string) string {
	t.Helper()
	d, _, err := apd.NewFromString(s)
	if err != nil {
		t.Fatal(err)
	}
	var out apd.Decimal
	if _, err := apd.BaseContext.WithPrecision(40).Quantize(&out, d, -2); err != nil {
		t.Fatal(err)
	}
	return out.Text('f')
}

func awsLine(t *testing.T, lines []*Line, id string) *Line {
	t.Helper()
	for _, l := range lines {
		if l.Extra["x_identity/LineItemId"] == id || l.Extra["x_identity_line_item_id"] == id {
			return l
		}
	}
	t.Fatalf("no line %s", id)
	return nil
}

// Hand computation for testdata/aws_cur_legacy.csv (January 2026):
// invoice 2000000001 = 10.1234557896 + 0.00000015 + 0 + 70.00 + 8.00 - 8.00
// + 6.00 - 0.50 - 0.10 + 2.31 - 5.00 - 1.25 = 81.5834559396 (81.58);
// purchases 2000000002 = 120.00 (RI upfront), 2000000003 = 50.00 (SP
// upfront); Marketplace 2000000004 = 12.00. Amortised: 10.1234559396 usage
// + 3.21 RI usage + (1.50 + 2.25) unused RI + 5.60 SP usage + (7.00 - 5.60)
// unused SP + 0 for both upfront fees and the negation - 0.60 discounts
// + 2.31 tax - 5.00 credit - 1.25 refund + 12.00 Marketplace = 31.5434559396.
func TestAWSLegacyCURTotals(t *testing.T) {
	r, lines := readAll(t, "testdata/aws_cur_legacy.csv")
	if r.Format() != AWSCUR || len(lines) != 15 {
		t.Fatalf("format %s, %d lines", r.Format(), len(lines))
	}
	want := map[string]string{"2000000001": "81.5834559396", "2000000002": "120.00", "2000000003": "50.00", "2000000004": "12.00"}
	got := awsInvoiceTotals(lines)
	for id, total := range want {
		if got[id] != total {
			t.Errorf("invoice %s: billed %s, want %s", id, got[id], total)
		}
	}
	if awsCents(t, got["2000000001"]) != "81.58" {
		t.Errorf("invoice to the cent: %s", awsCents(t, got["2000000001"]))
	}
	if b, e := sum(lines, awsBilled), sum(lines, awsEffective); b != "263.5834559396" || e != "31.5434559396" {
		t.Fatalf("billed %s, effective %s", b, e)
	}
}

func TestAWSLegacyCURLineKinds(t *testing.T) {
	_, lines := readAll(t, "testdata/aws_cur_legacy.csv")
	cases := []struct {
		id, category, frequency, billed, effective, cdStatus string
	}{
		{"li-01", CategoryUsage, FrequencyUsageBased, "10.1234557896", "10.1234557896", ""},
		{"li-02", CategoryUsage, FrequencyUsageBased, "0.00000015", "0.00000015", ""},
		{"li-03", CategoryUsage, FrequencyUsageBased, "0", "3.21", "Used"},
		{"li-04", CategoryPurchase, FrequencyRecurring, "70.00", "3.75", ""},
		{"li-05", CategoryPurchase, FrequencyOneTime, "120.00", "0", ""},
		{"li-06", CategoryUsage, FrequencyUsageBased, "8.00", "5.60", "Used"},
		{"li-07", CategoryUsage, FrequencyUsageBased, "-8.00", "0", ""},
		{"li-08", CategoryPurchase, FrequencyRecurring, "6.00", "1.40", ""},
		{"li-09", CategoryPurchase, FrequencyOneTime, "50.00", "0", ""},
		{"li-10", CategoryCredit, FrequencyUsageBased, "-0.50", "-0.50", ""},
		{"li-11", CategoryCredit, FrequencyUsageBased, "-0.10", "-0.10", ""},
		{"li-12", CategoryTax, FrequencyRecurring, "2.31", "2.31", ""},
		{"li-13", CategoryCredit, FrequencyRecurring, "-5.00", "-5.00", ""},
		{"li-14", CategoryCredit, FrequencyRecurring, "-1.25", "-1.25", ""},
		{"li-15", CategoryUsage, FrequencyUsageBased, "12.00", "12.00", ""},
	}
	for _, c := range cases {
		l := awsLine(t, lines, c.id)
		if l.ChargeCategory != c.category || l.ChargeFrequency != c.frequency || l.BilledCost.Text('f') != c.billed ||
			l.EffectiveCost.Text('f') != c.effective || l.CommitmentDiscountStatus != c.cdStatus {
			t.Errorf("%s: %s %s billed %s effective %s status %q", c.id, l.ChargeCategory, l.ChargeFrequency,
				l.BilledCost.Text('f'), l.EffectiveCost.Text('f'), l.CommitmentDiscountStatus)
		}
		wantClass := ""
		if c.id == "li-14" {
			wantClass = ChargeClassCorrection // refund of December usage
		}
		if l.ChargeClass != wantClass || l.ProviderName != "Amazon Web Services" || l.InvoiceIssuerName != "Amazon Web Services" {
			t.Errorf("%s: class %q provider %q issuer %q", c.id, l.ChargeClass, l.ProviderName, l.InvoiceIssuerName)
		}
	}
}

func TestAWSLegacyCURFields(t *testing.T) {
	_, lines := readAll(t, "testdata/aws_cur_legacy.csv")
	l := awsLine(t, lines, "li-01")
	if l.BillingAccountID != "111111111111" || l.SubAccountID != "222222222222" || l.ServiceName != "Amazon Elastic Compute Cloud" ||
		l.ServiceCategory != "Compute" || l.RegionID != "us-east-1" || l.RegionName != "US East (N. Virginia)" ||
		l.ResourceID != "i-0abc" || l.SkuID != "SKU111" || l.PublisherName != "Amazon Web Services" || l.BillingCurrency != "USD" {
		t.Fatalf("li-01 dimensions: %+v", l)
	}
	if l.ConsumedQuantity.Text('f') != "24" || l.ConsumedUnit != "Hrs" || l.ListCost.Text('f') != "10.1234557896" {
		t.Fatalf("li-01 quantities: %v %s %v", l.ConsumedQuantity, l.ConsumedUnit, l.ListCost)
	}
	wantTags := map[string]string{"CostCenter": "CC-1,CC-2", "env": "prod", "aws:createdBy": "IAMUser:AIDAEXAMPLE:alice"}
	if len(l.Tags) != len(wantTags) {
		t.Fatalf("tags %v", l.Tags)
	}
	for k, v := range wantTags {
		if l.Tags[k] != v {
			t.Fatalf("tag %s = %q, want %q (all %v)", k, l.Tags[k], v, l.Tags)
		}
	}
	if l.Extra["x_costCategory/Team"] != "Platform" || l.Extra["x_bill/BillingEntity"] != "AWS" || l.Extra["x_lineItem/NetUnblendedCost"] == "" {
		t.Fatalf("extras %v", l.Extra)
	}
	want := [4]time.Time{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)}
	if got := [4]time.Time{l.BillingPeriodStart, l.BillingPeriodEnd, l.ChargePeriodStart, l.ChargePeriodEnd}; got != want {
		t.Fatalf("periods %v", got)
	}
	ri := awsLine(t, lines, "li-03")
	if ri.CommitmentDiscountID != "arn:aws:ec2:us-east-1:111111111111:reserved-instances/11111111-2222-3333-4444-555555555555" ||
		ri.CommitmentDiscountName != "11111111-2222-3333-4444-555555555555" || ri.CommitmentDiscountType != "Reserved Instance" ||
		ri.CommitmentDiscountCategory != "Usage" {
		t.Fatalf("RI commitment: %+v", ri)
	}
	sp := awsLine(t, lines, "li-08")
	if sp.CommitmentDiscountName != "abcd1234-5678-90ab-cdef-1234567890ab" || sp.CommitmentDiscountType != "Savings Plan" ||
		sp.CommitmentDiscountCategory != "Spend" || sp.ConsumedQuantity != nil {
		t.Fatalf("SP commitment: %+v", sp)
	}
	mp := awsLine(t, lines, "li-15")
	if mp.PublisherName != "Example Software, Inc." || mp.InvoiceIssuerName != "Amazon Web Services" || mp.ServiceCategory != "Other" {
		t.Fatalf("marketplace: publisher %q issuer %q category %q", mp.PublisherName, mp.InvoiceIssuerName, mp.ServiceCategory)
	}
	if awsLine(t, lines, "li-02").Tags["env"] != "dev" || awsLine(t, lines, "li-12").Tags != nil {
		t.Fatal("tags per line")
	}
}

// Hand computation for testdata/aws_cur2.csv (February 2026): invoice
// 3000000001 = 20.0049999999 + 10.00 - 10.00 + 9.00 + 0 + 5.00 - 1.11 + 3.33
// - 2.50 = 33.7249999999 (33.72); 3000000002 = 12.00 (domain fee).
// Amortised: 20.0049999999 + 7.25 + 0 + (9.00 - 7.25) + 4.1234 + (0.10 +
// 0.20) - 1.11 + 3.33 + 12.00 - 2.50 = 45.1483999999.
func TestAWSCUR2(t *testing.T) {
	r, lines := readAll(t, "testdata/aws_cur2.csv")
	if r.Format() != AWSCUR2 || len(lines) != 10 {
		t.Fatalf("format %s, %d lines", r.Format(), len(lines))
	}
	got := awsInvoiceTotals(lines)
	if got["3000000001"] != "33.7249999999" || got["3000000002"] != "12.00" || awsCents(t, got["3000000001"]) != "33.72" {
		t.Fatalf("invoices %v", got)
	}
	if e := sum(lines, awsEffective); e != "45.1483999999" {
		t.Fatalf("effective %s", e)
	}
	l := awsLine(t, lines, "c1")
	if l.ServiceName != "Amazon Elastic Compute Cloud" || l.RegionID != "eu-central-1" || l.SubAccountName != "Example Workloads" ||
		l.BillingAccountName != "Example Payer" || l.ChargePeriodStart != time.Date(2026, 2, 3, 0, 0, 0, 0, time.UTC) {
		t.Fatalf("c1: %+v", l)
	}
	if l.Tags["env"] != "prod" || l.Tags["cost_center"] != "CC-9" || l.Tags["aws:created_by"] != "IAMUser:AIDAEXAMPLE:bob" || len(l.Tags) != 3 {
		t.Fatalf("c1 tags %v", l.Tags)
	}
	ri := awsLine(t, lines, "c5")
	if ri.EffectiveCost.Text('f') != "4.1234" || ri.CommitmentDiscountName != "prod-db-ri-2026" || ri.CommitmentDiscountStatus != "Used" {
		t.Fatalf("c5: %+v", ri)
	}
	checks := map[string][3]string{ // category, frequency, effective
		"c3": {CategoryUsage, FrequencyUsageBased, "0"}, "c4": {CategoryPurchase, FrequencyRecurring, "1.75"},
		"c6": {CategoryPurchase, FrequencyRecurring, "0.30"}, "c7": {CategoryCredit, FrequencyUsageBased, "-1.11"},
		"c8": {CategoryTax, FrequencyRecurring, "3.33"}, "c9": {CategoryPurchase, FrequencyOneTime, "12.00"},
		"c10": {CategoryCredit, FrequencyRecurring, "-2.50"},
	}
	for id, want := range checks {
		l := awsLine(t, lines, id)
		if got := [3]string{l.ChargeCategory, l.ChargeFrequency, l.EffectiveCost.Text('f')}; got != want {
			t.Errorf("%s: %v, want %v", id, got, want)
		}
	}
	// An instant purchase (usage start = end) ends at the end of its day,
	// as FOCUS wants End > Start.
	if c9 := awsLine(t, lines, "c9"); !c9.ChargePeriodEnd.After(c9.ChargePeriodStart) ||
		!c9.ChargePeriodEnd.Equal(c9.ChargePeriodStart.Truncate(24*time.Hour).Add(24*time.Hour)) || c9.ServiceCategory != "Networking" {
		t.Fatalf("c9 instant purchase: %v to %v, %+v", c9.ChargePeriodStart, c9.ChargePeriodEnd, c9)
	}
	if awsLine(t, lines, "c7").Extra["x_discount_total_discount"] != "-1.11" || awsLine(t, lines, "c1").Extra["x_product"] == "" {
		t.Fatal("discount and product columns kept as x_ attributes")
	}
}

func TestAWSCURGzipAndDetection(t *testing.T) {
	for path, want := range map[string]Format{"testdata/aws_cur_legacy.csv": AWSCUR, "testdata/aws_cur2.csv": AWSCUR2,
		"testdata/focus12_quirks.csv": FOCUS12} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.Write(b)
		zw.Close()
		for _, body := range [][]byte{b, gz.Bytes()} {
			r, err := Open(bytes.NewReader(body))
			if err != nil || r.Format() != want {
				t.Fatalf("%s: format %v, err %v, want %s", path, r.Format(), err, want)
			}
		}
	}
}

func TestAWSCURMalformed(t *testing.T) {
	b, err := os.ReadFile("testdata/aws_cur_legacy.csv")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	header, usage, ri, rifee := lines[0], lines[1], lines[3], lines[4]
	cases := map[string]struct{ body, want string }{
		"bad cost":  {header + strings.Replace(usage, ",10.1234557896,10.1234557896,", ",1O.12,10.12,", 1), "line 2, column lineItem/UnblendedCost: not a number"},
		"no cost":   {header + strings.Replace(usage, ",10.1234557896,10.1234557896,", ",,10.12,", 1), "line 2, column lineItem/UnblendedCost: a number is required"},
		"bad date":  {header + strings.Replace(usage, ",2026-01-01T00:00:00Z,2026-01-02T00:00:00Z,AmazonEC2", ",2026-13-01,2026-01-02T00:00:00Z,AmazonEC2", 1), "line 2, column lineItem/UsageStartDate: not a date"},
		"reversed":  {header + strings.Replace(usage, ",2026-01-01T00:00:00Z,2026-01-02T00:00:00Z,AmazonEC2", ",2026-01-03T00:00:00Z,2026-01-02T00:00:00Z,AmazonEC2", 1), "column lineItem/UsageEndDate"},
		"kind":      {header + strings.Replace(usage, ",Usage,", ",Mystery,", 1), "line 2, column lineItem/LineItemType: unknown line item type"},
		"currency":  {header + strings.Replace(usage, ",USD,0.4218106579", ",,0.4218106579", 1), "column lineItem/CurrencyCode: a currency is required"},
		"RI no eff": {header + strings.Replace(ri, ",Hrs,3.21,", ",Hrs,,", 1), "line 2, column reservation/EffectiveCost: a number is required"},
		"RIFee":     {header + strings.Replace(rifee, ",1.50,2.25,", ",1.50,x,", 1), "column reservation/UnusedRecurringFee: not a number"},
		"no RI col": {strings.Replace(header, "reservation/EffectiveCost", "reservation/Other", 1) + ri, "line 2, column reservation/EffectiveCost: this line item type needs the column"},
		"missing":   {strings.Replace(header, "lineItem/UnblendedCost", "lineItem/Cost", 1) + usage, "line 1, column lineItem/UnblendedCost: required column missing"},
		"fields":    {header + "li-99,1,2\n", "line 2: has 3 fields"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			err := readErr(c.body)
			var pe *ParseError
			if err == nil || !errors.As(err, &pe) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want ParseError containing %q, got %v", c.want, err)
			}
		})
	}
}

func TestAWSCUR2BadMaps(t *testing.T) {
	b, err := os.ReadFile("testdata/aws_cur2.csv")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	body := lines[0] + strings.Replace(lines[1], `"{""user_env""`, `"{user_env""`, 1)
	if err := readErr(body); err == nil || !strings.Contains(err.Error(), "column resource_tags") {
		t.Fatalf("bad tags map: %v", err)
	}
	noName := strings.Replace(lines[1], `""product_name"":""Amazon Elastic Compute Cloud"",`, "", 1)
	r, err := Open(strings.NewReader(lines[0] + noName))
	if err != nil {
		t.Fatal(err)
	}
	l, err := r.Next()
	if err != nil || l.ServiceName != "AmazonEC2" {
		t.Fatalf("service falls back to the product code: %v %v", l, err)
	}
}

// FuzzAWSCUR mutates real CUR files: the reader must never panic, must
// fail only with a ParseError, and every line it accepts has both costs
// and a currency.
func FuzzAWSCUR(f *testing.F) {
	for _, p := range []string{"testdata/aws_cur_legacy.csv", "testdata/aws_cur2.csv"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Fuzz(func(t *testing.T, body string) {
		r, err := Open(strings.NewReader(body))
		var pe *ParseError
		if err != nil {
			if !errors.As(err, &pe) {
				t.Fatalf("open error is not a ParseError: %v", err)
			}
			return
		}
		for {
			l, err := r.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				if !errors.As(err, &pe) {
					t.Fatalf("error is not a ParseError: %v", err)
				}
				return
			}
			if (r.Format() == AWSCUR || r.Format() == AWSCUR2) && (l.BilledCost == nil || l.EffectiveCost == nil || l.BillingCurrency == "") {
				t.Fatalf("accepted line without costs or currency: %+v", l)
			}
		}
	})
}
