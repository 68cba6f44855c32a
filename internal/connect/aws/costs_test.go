package awsconn

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/aws/smithy-go"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

// sums adds decimals exactly, per currency.
type sums map[string]*apd.Decimal

var exact = apd.BaseContext.WithPrecision(60)

func (s sums) add(t *testing.T, cur string, d *apd.Decimal) {
	t.Helper()
	if s[cur] == nil {
		s[cur] = new(apd.Decimal)
	}
	if _, err := exact.Add(s[cur], s[cur], d); err != nil {
		t.Fatal(err)
	}
}

func (s sums) equals(t *testing.T, cur, want string) {
	t.Helper()
	w, _, err := apd.NewFromString(want)
	if err != nil {
		t.Fatal(err)
	}
	if s[cur] == nil || s[cur].Cmp(w) != 0 {
		t.Fatalf("%s total %v, want exactly %s", cur, s[cur], want)
	}
}

func collect(t *testing.T, c *Client, from, to time.Time) []*billing.Line {
	t.Helper()
	var lines []*billing.Line
	if err := c.Costs(ctx(), from, to, func(l *billing.Line) error { lines = append(lines, l); return nil }); err != nil {
		t.Fatal(err)
	}
	return lines
}

func TestCostsOfAMonthOverSeveralPages(t *testing.T) {
	e := newEnv(t)
	c, _ := e.userClient(t, allowAll...)
	from, to := e.lastMonth()
	lines := collect(t, c, from, to)
	if n := e.aws.Requests("GetCostAndUsage"); n < 3 {
		t.Fatalf("%d pages; the month should span several", n)
	}
	seen := map[string]bool{}
	days := map[time.Time]bool{}
	billed, effective := sums{}, sums{}
	for _, l := range lines {
		k := l.ChargePeriodStart.Format(time.DateOnly) + "|" + l.SubAccountID + "|" + l.ServiceName
		if seen[k] {
			t.Fatalf("%s delivered twice", k)
		}
		seen[k], days[l.ChargePeriodStart] = true, true
		checkLine(t, l, from)
		billed.add(t, l.BillingCurrency, l.BilledCost)
		effective.add(t, l.BillingCurrency, l.EffectiveCost)
	}
	if len(days) != int(to.Sub(from).Hours()/24) {
		t.Fatalf("lines on %d days of %s..%s", len(days), from, to)
	}
	billed.equals(t, "USD", e.aws.TotalCost(payer, "UnblendedCost", from, to))
	effective.equals(t, "USD", e.aws.TotalCost(payer, "AmortizedCost", from, to))
}

func checkLine(t *testing.T, l *billing.Line, month time.Time) {
	t.Helper()
	if l.BillingAccountID != payer || l.SubAccountID == "" || !strings.HasPrefix(l.SubAccountName, "Acme") {
		t.Fatalf("accounts %q %q %q", l.BillingAccountID, l.SubAccountID, l.SubAccountName)
	}
	if !l.BillingPeriodStart.Equal(month) || !l.BillingPeriodEnd.Equal(month.AddDate(0, 1, 0)) ||
		!l.ChargePeriodEnd.Equal(l.ChargePeriodStart.AddDate(0, 0, 1)) {
		t.Fatalf("periods %v..%v, charge %v..%v", l.BillingPeriodStart, l.BillingPeriodEnd, l.ChargePeriodStart, l.ChargePeriodEnd)
	}
	if l.ProviderName != amazonWebServices || l.InvoiceIssuerName != amazonWebServices || l.ChargeCategory != billing.CategoryUsage {
		t.Fatalf("provider %q issuer %q category %q", l.ProviderName, l.InvoiceIssuerName, l.ChargeCategory)
	}
	if l.ServiceName == "Amazon Elastic Compute Cloud - Compute" && (l.ServiceCategory != "Compute" || l.ConsumedUnit != "Hrs" || l.ConsumedQuantity == nil) {
		t.Fatalf("EC2 line: category %q, quantity %v %q", l.ServiceCategory, l.ConsumedQuantity, l.ConsumedUnit)
	}
	if l.Extra[xEstimated] != "false" {
		t.Fatalf("last month's figures are final; x_Estimated = %q", l.Extra[xEstimated])
	}
}

// lineText spells out every field, decimals with their scale and nil
// apart from zero, so two lines are identical exactly when their texts are.
func lineText(l *billing.Line) string {
	var b strings.Builder
	v := reflect.ValueOf(l).Elem()
	for i := range v.NumField() {
		if v.Type().Field(i).Name == "Shape" { // which lines the reader found to share text: not content
			continue
		}
		fmt.Fprintf(&b, "%s=", v.Type().Field(i).Name)
		switch x := v.Field(i).Interface().(type) {
		case *apd.Decimal:
			if x == nil {
				b.WriteString("<nil>")
			} else {
				b.WriteString(x.Text('f'))
			}
		case time.Time:
			b.WriteString(x.UTC().Format(time.RFC3339Nano))
		default:
			fmt.Fprintf(&b, "%v", x)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func TestWriteFOCUSRoundTripsThroughBillingOpen(t *testing.T) {
	e := newEnv(t)
	c, _ := e.userClient(t, allowAll...)
	from, to := e.lastMonth()
	from = from.AddDate(0, 0, 20) // a shorter window keeps the test quick
	want := collect(t, c, from, to)
	var buf bytes.Buffer
	if err := c.WriteFOCUS(ctx(), from, to, &buf); err != nil {
		t.Fatal(err)
	}
	r, err := billing.Open(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if r.Format() != billing.FOCUS12 {
		t.Fatalf("format %s", r.Format())
	}
	total := sums{}
	for i := 0; ; i++ {
		l, err := r.Next()
		if errors.Is(err, io.EOF) {
			if i != len(want) {
				t.Fatalf("read %d lines, wrote %d", i, len(want))
			}
			break
		}
		if err != nil {
			t.Fatalf("line %d: %v", r.Line(), err)
		}
		if got, w := lineText(l), lineText(want[i]); got != w {
			t.Fatalf("line %d differs:\n got %s\nwant %s", i, got, w)
		}
		total.add(t, l.BillingCurrency, l.BilledCost)
	}
	total.equals(t, "USD", e.aws.TotalCost(payer, "UnblendedCost", from, to))
}

func TestCostsThrottlingStormIsBounded(t *testing.T) {
	e := newEnv(t)
	c, _ := e.userClient(t, allowAll...)
	from, to := e.lastMonth()
	e.aws.Throttle("GetCostAndUsage", 1000)
	err := c.Costs(ctx(), from, to, func(*billing.Line) error { t.Fatal("a line from a throttled call"); return nil })
	ae := wantKind(t, err, ErrThrottled)
	if ae.Code != "LimitExceededException" {
		t.Fatalf("code %q", ae.Code)
	}
	if n := e.aws.Requests("GetCostAndUsage"); n != maxAttempts {
		t.Fatalf("%d requests in a throttling storm, want %d", n, maxAttempts)
	}
	// A short burst is ridden out by the retries.
	e.aws.Throttle("GetCostAndUsage", 2)
	if got := collect(t, c, to.AddDate(0, 0, -2), to); len(got) == 0 {
		t.Fatal("no lines after a short burst of throttling")
	}
}

func TestTruncatedPageIsAnErrorNotPartialData(t *testing.T) {
	e := newEnv(t)
	c, _ := e.userClient(t, allowAll...)
	from, to := e.lastMonth()
	full := collect(t, c, from, to)
	// Cut every answer from the second page on: page 1 arrives whole,
	// page 2 is half-written.
	var got []*billing.Line
	err := c.Costs(ctx(), from, to, func(l *billing.Line) error {
		if len(got) == 0 {
			e.faults.Add("aws", sbx.Fault{Truncate: 300})
		}
		got = append(got, l)
		return nil
	})
	e.faults.Clear("aws")
	if err == nil {
		t.Fatal("a truncated page was accepted")
	}
	// The connection ended mid-answer: the sync tries again (from its
	// checkpoint) rather than failing for good.
	if !transient(err) {
		t.Fatalf("a cut-off page is not worth another try: %v", err)
	}
	if transient(&Error{Op: "GetCostAndUsage", err: &smithy.DeserializationError{Err: errors.New("invalid character '<'")}}) {
		t.Fatal("a malformed answer counts as transient")
	}
	if len(got) == 0 || len(got) >= len(full) {
		t.Fatalf("%d lines delivered of %d; want page 1 only", len(got), len(full))
	}
	for i, l := range got {
		if lineText(l) != lineText(full[i]) {
			t.Fatalf("line %d of page 1 differs", i)
		}
	}
}
