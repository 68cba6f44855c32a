package partnercenter

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

var nov10 = time.Date(2026, 11, 10, 6, 0, 0, 0, time.UTC)

func TestInvoicesMatchTheSandbox(t *testing.T) {
	e := newEnv(t, nov10)
	got, err := e.client(0, nil).Invoices(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := e.p.Invoices(partnerTenant)
	if len(got) != len(want) || len(got) != 12 {
		t.Fatalf("%d invoices, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.ID != w.ID || !g.BillingPeriodStart.Equal(w.PeriodStart) || !g.BillingPeriodEnd.Equal(w.PeriodEnd) ||
			!g.InvoiceDate.Equal(w.InvoiceDate) || g.CurrencyCode != w.Currency || g.TotalCharges.Text('f') != w.Total {
			t.Fatalf("invoice %d: %+v, want %+v", i, g, w)
		}
	}
}

func TestContinuationReturnsEveryLineOnce(t *testing.T) {
	e := newEnv(t, nov10)
	c := e.client(10, nil)
	inv := e.p.Invoices(partnerTenant)[0]
	for _, tc := range []struct {
		kind string
		want int
	}{{KindBilling, inv.BillingLines}, {KindUsage, inv.UsageLines}} {
		e.faults.ResetCounts()
		seen := map[string]bool{}
		err := c.LineItems(context.Background(), inv.ID, tc.kind, func(l map[string]any) error {
			b, _ := json.Marshal(l)
			if seen[string(b)] {
				t.Fatalf("%s line twice: %s", tc.kind, b)
			}
			seen[string(b)] = true
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		pages := (tc.want + 9) / 10
		if len(seen) != tc.want || pages < 3 || e.faults.Count("partnercenter", "") != pages {
			t.Fatalf("%s: %d lines in %d requests, want %d in %d", tc.kind, len(seen), e.faults.Count("partnercenter", ""), tc.want, pages)
		}
	}
	tokens := e.rec.continuationTokens()
	if tokens[0] != "" || tokens[1] == "" || tokens[1] == tokens[2] {
		t.Fatalf("continuation tokens sent: %q", tokens[:3])
	}
}

// readLines imports a written file with the billing importer.
func readLines(t *testing.T, file []byte) (billing.Format, []*billing.Line) {
	t.Helper()
	r, err := billing.Open(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var lines []*billing.Line
	for {
		l, err := r.Next()
		if errors.Is(err, io.EOF) {
			return r.Format(), lines
		}
		if err != nil {
			t.Fatalf("importing the written file: %v", err)
		}
		lines = append(lines, l)
	}
}

func TestReconciliationCSVImportsToTheInvoiceTotals(t *testing.T) {
	e := newEnv(t, nov10)
	c := e.client(0, nil)
	invoices, err := c.Invoices(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i, inv := range invoices {
		var buf bytes.Buffer
		if err := c.WriteReconciliation(context.Background(), inv.ID, &buf); err != nil {
			t.Fatal(err)
		}
		header, _, _ := strings.Cut(buf.String(), "\n")
		if !strings.Contains(header, ",Subtotal,TaxTotal,Total,") || strings.Contains(header, "TotalForCustomer") {
			t.Fatalf("header %s", header)
		}
		format, lines := readLines(t, buf.Bytes())
		want := e.p.Invoices(partnerTenant)[i]
		if format != billing.PartnerCenterLicense || len(lines) != want.BillingLines {
			t.Fatalf("invoice %s: format %s, %d lines, want %d", inv.ID, format, len(lines), want.BillingLines)
		}
		sub, tax, total, err := billing.InvoiceTotals(lines)
		if err != nil {
			t.Fatalf("invoice %s: %v", inv.ID, err)
		}
		if total.Cmp(inv.TotalCharges) != 0 || sub.Text('f') != want.Subtotal || tax.Text('f') != want.TaxTotal {
			t.Fatalf("invoice %s: imported %s + %s = %s, invoice says %s (%s + %s)", inv.ID,
				sub.Text('f'), tax.Text('f'), total.Text('f'), inv.TotalCharges.Text('f'), want.Subtotal, want.TaxTotal)
		}
		for _, l := range lines {
			if l.InvoiceID != inv.ID || l.BillingCurrency != "USD" || l.Extra["x_Total"] == "" {
				t.Fatalf("line %+v", l)
			}
		}
	}
}

func TestDailyUsageCSVImportsEveryLine(t *testing.T) {
	e := newEnv(t, nov10)
	c := e.client(500, nil)
	inv := e.p.Invoices(partnerTenant)[0]
	var buf bytes.Buffer
	if err := c.WriteDailyUsage(context.Background(), inv.ID, &buf); err != nil {
		t.Fatal(err)
	}
	format, lines := readLines(t, buf.Bytes())
	if format != billing.PartnerCenterUsage || len(lines) != inv.UsageLines {
		t.Fatalf("format %s, %d lines, want %d", format, len(lines), inv.UsageLines)
	}
	sum, want := new(apd.Decimal), new(apd.Decimal)
	for _, l := range lines {
		if _, err := apd.BaseContext.WithPrecision(60).Add(sum, sum, l.BilledCost); err != nil {
			t.Fatal(err)
		}
		if l.Tags["env"] == "" || l.SubAccountID == "" || l.ResourceID == "" {
			t.Fatalf("usage line %+v", l)
		}
	}
	err := c.LineItems(context.Background(), inv.ID, KindUsage, func(m map[string]any) error {
		d, _, err := apd.NewFromString(m["billingPreTaxTotal"].(json.Number).String())
		if err == nil {
			_, err = apd.BaseContext.WithPrecision(60).Add(want, want, d)
		}
		return err
	})
	if err != nil || sum.Cmp(want) != 0 {
		t.Fatalf("imported usage %s, API usage %s (%v)", sum.Text('f'), want.Text('f'), err)
	}
}

func TestUnbilledUsageIsUpToYesterday(t *testing.T) {
	e := newEnv(t, nov10)
	c := e.client(0, nil)
	n := 0
	err := c.UnbilledUsage(context.Background(), "current", func(m map[string]any) error {
		if d := m["usageDate"].(string); d < "2026-11-01" || d >= "2026-11-10" || m["invoiceNumber"] != "" {
			t.Fatalf("unbilled line %v", m)
		}
		n++
		return nil
	})
	if err != nil || n == 0 {
		t.Fatalf("%d unbilled lines, %v", n, err)
	}
	var buf bytes.Buffer
	if err := c.WriteUnbilledDailyUsage(context.Background(), "current", &buf); err != nil {
		t.Fatal(err)
	}
	if format, lines := readLines(t, buf.Bytes()); format != billing.PartnerCenterUsage || len(lines) != n {
		t.Fatalf("unbilled file: %s, %d lines, want %d", format, len(lines), n)
	}
	if err := c.UnbilledUsage(context.Background(), "next", func(map[string]any) error { return nil }); err == nil {
		t.Fatal("period next accepted")
	}
}

func TestAvailabilityFlipsOnTheSeededDay(t *testing.T) {
	nov1 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	e := newEnv(t, nov1)
	c := e.client(0, nil)
	october := time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC)
	if ok, err := c.Available(context.Background(), october.AddDate(0, -1, 0)); err != nil || !ok {
		t.Fatalf("September on 1 November: %v %v", ok, err)
	}
	day := 1
	for {
		ok, err := c.Available(context.Background(), october)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			break
		}
		if day++; day > 8 {
			t.Fatal("October's invoice was not available by 8 November")
		}
		e.clock.Advance(24 * time.Hour)
	}
	if day < 2 {
		t.Fatalf("October's invoice available on %d November", day)
	}
	inv, err := c.InvoiceFor(context.Background(), october)
	if err != nil || inv == nil || inv.ID != e.p.Invoices(partnerTenant)[0].ID {
		t.Fatalf("October's invoice %+v, %v", inv, err)
	}
}

func TestErrorsAreTypedAndRetriesBounded(t *testing.T) {
	e := newEnv(t, nov10)
	ctx := context.Background()
	_, err := e.client(0, sbx.Claims{"exp": nov10.Add(-time.Minute).Unix()}).Invoices(ctx)
	var pe *Error
	if !IsUnauthorized(err) || !errors.As(err, &pe) || pe.ErrorName != "InvalidToken" || pe.RequestID == "" {
		t.Fatalf("expired token: %v", err)
	}
	if _, err := e.client(0, sbx.Claims{"tid": "not-a-partner"}).Invoices(ctx); !IsForbidden(err) {
		t.Fatalf("non-partner tenant: %v", err)
	}
	c := e.client(0, nil)
	if err := c.LineItems(ctx, "G000000001", KindBilling, func(map[string]any) error { return nil }); !IsNotFound(err) {
		t.Fatalf("unknown invoice: %v", err)
	}
	e.faults.ResetCounts()
	e.faults.Add("partnercenter", sbx.Fault{Status: 429, RetryAfter: 3 * time.Second})
	if _, err := c.Invoices(ctx); !IsThrottled(err) || e.faults.Count("partnercenter", "") != 4 {
		t.Fatalf("429 storm: %v after %d requests, want 4", err, e.faults.Count("partnercenter", ""))
	}
	e.faults.Clear("partnercenter")
	e.faults.Add("partnercenter", sbx.Fault{Status: 500, Times: 2})
	if _, err := c.Invoices(ctx); err != nil {
		t.Fatalf("after two 500s: %v", err)
	}
	e.faults.Add("partnercenter", sbx.Fault{Path: "/v1/invoices/", Truncate: 900, Times: 1})
	n := 0
	err = c.LineItems(ctx, e.p.Invoices(partnerTenant)[0].ID, KindBilling, func(map[string]any) error { n++; return nil })
	if err == nil || !strings.Contains(err.Error(), "truncated") || n != 0 {
		t.Fatalf("truncated page: %d lines, %v", n, err)
	}
}
