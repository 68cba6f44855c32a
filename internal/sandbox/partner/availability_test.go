package partner

import (
	"testing"
	"time"
)

func TestLastMonthsInvoiceAppearsOnItsDay(t *testing.T) {
	nov1 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	e := newEnv(t, nov1)
	latest := func() string {
		var list struct {
			Items []map[string]any `json:"items"`
		}
		if st := e.get("/v1/invoices", e.token(nil), &list); st != 200 {
			t.Fatalf("invoices: %d", st)
		}
		return list.Items[0]["billingPeriodStartDate"].(string)
	}
	if got := latest(); got != "2026-09-01T00:00:00Z" {
		t.Fatalf("on 1 November the latest invoice is for %s", got)
	}
	day := 1
	for latest() != "2026-10-01T00:00:00Z" {
		e.clock.Advance(24 * time.Hour)
		day++
		if day > 8 {
			t.Fatal("October's invoice did not appear by 8 November")
		}
	}
	if day < 2 {
		t.Fatalf("October's invoice appeared on day %d", day)
	}
	id := e.p.Invoices(partnerTenant)[0].ID
	lines := "/v1/invoices/" + id + "/lineitems?provider=onetime&invoicelineitemtype=billinglineitems&currencycode=USD&period=current&size=2000"
	if st := e.get("/v1/invoices/"+id, e.token(nil), nil); st != 200 {
		t.Fatalf("invoice %s after its day: %d", id, st)
	}
	e.clock.Set(nov1.AddDate(0, 0, day-2).Add(23 * time.Hour))
	var eb errBody
	if st := e.get("/v1/invoices/"+id, e.token(nil), &eb); st != 404 || eb.ErrorName == "" {
		t.Fatalf("invoice %s the day before: %d %+v", id, st, eb)
	}
	if st := e.get(lines, e.token(nil), nil); st != 404 {
		t.Fatalf("reconciliation lines the day before: %d", st)
	}
}

func TestUnbilledUsageAccruesDaily(t *testing.T) {
	e := newEnv(t, time.Date(2026, 11, 10, 6, 0, 0, 0, time.UTC))
	q := "/v1/invoices/unbilled/lineitems?provider=onetime&invoicelineitemtype=usagelineitems&currencycode=USD&period=current&size=2000"
	before, _ := e.collect(q)
	e.clock.Advance(24 * time.Hour)
	after, _ := e.collect(q)
	if len(before) == 0 || len(after) <= len(before) {
		t.Fatalf("unbilled usage lines: %d then %d", len(before), len(after))
	}
	for _, l := range after {
		if l["invoiceNumber"] != "" || l["usageDate"].(string) >= "2026-11-11" {
			t.Fatalf("unbilled line %v", l)
		}
	}
	prev, _ := e.collect("/v1/invoices/unbilled/lineitems?provider=onetime&invoicelineitemtype=billinglineitems&currencycode=USD&period=previous")
	if len(prev) == 0 {
		t.Fatal("no unbilled lines for the previous period")
	}
	if st := e.get("/v1/invoices/unbilled/lineitems?provider=onetime&invoicelineitemtype=usagelineitems", e.token(nil), nil); st != 400 {
		t.Fatalf("unbilled without currencycode and period: %d", st)
	}
	if st := e.get("/v1/invoices/unbilled/lineitems?provider=onetime&invoicelineitemtype=usagelineitems&seekOperation=Next", e.token(nil), nil, "MS-ContinuationToken", "bogus"); st != 400 {
		t.Fatalf("bogus continuation token: %d", st)
	}
}
