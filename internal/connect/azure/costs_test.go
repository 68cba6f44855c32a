package azureconn_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/billing"
	azureconn "github.com/canopyhq/canopy/internal/connect/azure"
	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

// dayTotals sums lines' billed and effective cost per day.
type dayTotals map[time.Time][2]*apd.Decimal

func (d dayTotals) add(l *billing.Line) {
	cur, ok := d[l.ChargePeriodStart]
	if !ok {
		cur = [2]*apd.Decimal{new(apd.Decimal), new(apd.Decimal)}
		d[l.ChargePeriodStart] = cur
	}
	_, _ = apd.BaseContext.Add(cur[0], cur[0], l.BilledCost)
	_, _ = apd.BaseContext.Add(cur[1], cur[1], l.EffectiveCost)
}

// checkAgainstSandbox compares each day with the sandbox's own totals.
func checkAgainstSandbox(t *testing.T, e *env, subID string, from, to time.Time, got dayTotals) {
	t.Helper()
	for day := from; day.Before(to); day = day.AddDate(0, 0, 1) {
		want := e.c.Billing.DailyCost(subID, day)
		for i, w := range []string{want.Actual, want.Amortized} {
			wd, _, _ := apd.NewFromString(w)
			if g := got[day][i]; g == nil || g.Cmp(wd) != 0 {
				t.Fatalf("%s %s: got %v, want %s", day.Format(time.DateOnly), []string{"actual", "amortized"}[i], g, w)
			}
		}
	}
}

// TestCostsMatchTheSandboxExactly reads a month across several nextLink
// pages and checks every day's totals to the last digit, the FOCUS
// mapping, and the CSV round trip through billing.Open.
func TestCostsMatchTheSandboxExactly(t *testing.T) {
	e := newEnv(t)
	e.onboard(azureconn.GrantOptions{})
	e.c.Billing.SetQueryBudget(1000)
	e.c.Billing.SetPageSize(40)
	prod, from, to := e.c.Demo.Production.ID, monthStart(-2), monthStart(-1)
	cl := e.client(e.cfg)
	before := e.c.Faults.Count("arm", "")
	got, lines := dayTotals{}, 0
	err := cl.Costs(ctx, prod, from, to, func(l *billing.Line) error {
		lines++
		got.add(l)
		checkLine(t, e, l)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls := e.c.Faults.Count("arm", "") - before; calls < 6 {
		t.Fatalf("%d ARM calls for two queries: expected several pages each", calls)
	}
	checkAgainstSandbox(t, e, prod, from, to, got)

	var buf bytes.Buffer
	if err := cl.WriteFOCUS(ctx, prod, from, to, &buf); err != nil {
		t.Fatal(err)
	}
	r, err := billing.Open(&buf)
	if err != nil {
		t.Fatal(err)
	}
	back := dayTotals{}
	n := 0
	for l, err := r.Next(); err != io.EOF; l, err = r.Next() {
		if err != nil {
			t.Fatal(err)
		}
		n++
		back.add(l)
	}
	if r.Format() != billing.FOCUS12 || n != lines {
		t.Fatalf("round trip: format %s, %d lines of %d", r.Format(), n, lines)
	}
	checkAgainstSandbox(t, e, prod, from, to, back)
}

func checkLine(t *testing.T, e *env, l *billing.Line) {
	t.Helper()
	d := e.c.Demo
	if l.ProviderName != "Microsoft" || l.BillingAccountID != d.Customer.ID || l.SubAccountID != d.Production.ID ||
		l.BillingCurrency != "USD" || !l.ChargePeriodEnd.Equal(l.ChargePeriodStart.AddDate(0, 0, 1)) || l.ServiceName == "" {
		t.Fatalf("line: %+v", l)
	}
	if strings.Contains(l.ResourceID, "/resourceGroups/") && l.Extra[billing.ExtraResourceGroup] == "" {
		t.Fatalf("resource group not parsed from %s", l.ResourceID)
	}
}

// TestThrottlingIsBoundedAndRecovers: a 429 storm ends after MaxAttempts
// requests with ErrThrottled; the real per-minute budget is waited out
// (by the test's Sleep, which moves the sandbox clock) and the read
// completes.
func TestThrottlingIsBoundedAndRecovers(t *testing.T) {
	e := newEnv(t)
	e.onboard(azureconn.GrantOptions{})
	prod, from, to := e.c.Demo.Production.ID, monthStart(-2), monthStart(-1)
	cl := e.client(e.cfg)
	if _, err := cl.Subscriptions(ctx); err != nil { // token fetched before counting
		t.Fatal(err)
	}
	e.c.Faults.Add("arm", sbx.Fault{Status: 429, RetryAfter: 7 * time.Second})
	before := e.c.Faults.Count("arm", "")
	err := cl.Costs(ctx, prod, from, to, func(*billing.Line) error { t.Fatal("no line expected"); return nil })
	if !errors.Is(err, azureconn.ErrThrottled) {
		t.Fatalf("want ErrThrottled, got %v", err)
	}
	if n := e.c.Faults.Count("arm", "") - before; n != 4 {
		t.Fatalf("%d requests in a 429 storm, want 4 (MaxAttempts)", n)
	}
	if len(e.slept) != 3 || e.slept[0] != 7*time.Second {
		t.Fatalf("waits %v, want three of 7s", e.slept)
	}
	e.c.Faults.Clear("arm")
	e.slept = nil
	e.c.Billing.SetQueryBudget(1)
	got := dayTotals{}
	if err := cl.Costs(ctx, prod, from, to, func(l *billing.Line) error { got.add(l); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(e.slept) == 0 {
		t.Fatal("the second query should have been throttled and waited")
	}
	checkAgainstSandbox(t, e, prod, from, to, got)
}

// TestTruncatedPageIsAnError: a half-written page fails the read and no
// line is handed out.
func TestTruncatedPageIsAnError(t *testing.T) {
	e := newEnv(t)
	e.onboard(azureconn.GrantOptions{})
	cl := e.client(e.cfg)
	if _, err := cl.Subscriptions(ctx); err != nil {
		t.Fatal(err)
	}
	e.c.Billing.SetPageSize(40)
	e.c.Faults.Add("arm", sbx.Fault{Truncate: 300, Times: 1})
	err := cl.Costs(ctx, e.c.Demo.Production.ID, monthStart(-2), monthStart(-1), func(*billing.Line) error {
		t.Fatal("no line may be handed out")
		return nil
	})
	if err == nil {
		t.Fatal("a truncated page must fail the read")
	}
}

// TestServerErrorsAreRetriedWithinBounds: ARM's 5xx answers are retried by
// the SDK's retry policy a bounded number of times (4 requests in all for
// a persistent 500, then the error, which is no token state); two 503s in a
// row are absorbed and the read completes with the sandbox's totals.
func TestServerErrorsAreRetriedWithinBounds(t *testing.T) {
	e := newEnv(t)
	e.onboard(azureconn.GrantOptions{})
	e.c.Billing.SetQueryBudget(1000)
	prod, from, to := e.c.Demo.Production.ID, monthStart(-2), monthStart(-1)
	cl := e.client(e.cfg)
	if _, err := cl.Subscriptions(ctx); err != nil { // token fetched before counting
		t.Fatal(err)
	}
	query := "/subscriptions/" + prod + "/providers/Microsoft.CostManagement/query"
	e.c.Faults.Add("arm", sbx.Fault{Path: query, Status: 500})
	before := e.c.Faults.Count("arm", query)
	err := cl.Costs(ctx, prod, from, to, func(*billing.Line) error { t.Fatal("no line expected"); return nil })
	var te *azureconn.TokenError
	if err == nil || errors.As(err, &te) || errors.Is(err, azureconn.ErrThrottled) {
		t.Fatalf("persistent 500: %v", err)
	}
	if n := e.c.Faults.Count("arm", query) - before; n != 4 {
		t.Fatalf("%d requests for a persistent 500, want 4 (one and three retries)", n)
	}
	e.c.Faults.Clear("arm")
	e.c.Faults.Add("arm", sbx.Fault{Path: query, Status: 503, Times: 2})
	got := dayTotals{}
	if err := cl.Costs(ctx, prod, from, to, func(l *billing.Line) error { got.add(l); return nil }); err != nil {
		t.Fatalf("after two 503s: %v", err)
	}
	checkAgainstSandbox(t, e, prod, from, to, got)
}
