package partnercenter

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/sandbox/partner"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

func decimal(t *testing.T, s string) *apd.Decimal {
	t.Helper()
	d, _, err := apd.NewFromString(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// checkInvoices proves that every sandbox invoice the window overlaps is
// in the cost store under its key, to the cent: the stored lines of the
// invoice add up (billing.InvoiceTotals: per-line rounding, plus tax) to
// its totalCharges and subtotal.
func (e *syncEnv) checkInvoices(c connect.Connection, y store.ConnectionSync, atLeast int) map[string]costs.Import {
	e.T.Helper()
	got, stored := e.imports(), e.invoiceLines()
	n := 0
	for _, inv := range e.Cloud.Partner.Invoices(e.Cloud.Demo.PartnerTenant.ID) {
		if !inv.PeriodStart.Before(y.WindowTo) || !inv.PeriodEnd.AddDate(0, 0, 1).After(y.WindowFrom) {
			continue
		}
		n++
		if _, ok := got["connection:"+c.ID+":"+InvoiceKey(inv.ID)]; !ok {
			e.T.Fatalf("invoice %s (%s) not imported; imports %v", inv.ID, inv.PeriodStart.Format("2006-01"), keys(got))
		}
		sub, _, total, err := billing.InvoiceTotals(stored[inv.ID])
		if err != nil || total.Cmp(decimal(e.T, inv.Total)) != 0 || sub.Cmp(decimal(e.T, inv.Subtotal)) != 0 || len(stored[inv.ID]) != inv.BillingLines {
			e.T.Fatalf("invoice %s: stored %d lines, %s (subtotal %s), invoice totalCharges %s (subtotal %s, %d lines): %v",
				inv.ID, len(stored[inv.ID]), total, sub, inv.Total, inv.Subtotal, inv.BillingLines, err)
		}
	}
	if n < atLeast {
		e.T.Fatalf("only %d invoices in the window", n)
	}
	return got
}

// invoiceLines are the organisation's stored lines by invoice ID.
func (e *syncEnv) invoiceLines() map[string][]*billing.Line {
	e.T.Helper()
	out := map[string][]*billing.Line{}
	q := costs.Query{From: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC), Scan: true}
	err := e.Store.Costs().Lines(e.Ctx, e.Owner.Org.ID, q, func(l *billing.Line) error {
		if l.InvoiceID != "" {
			out[l.InvoiceID] = append(out[l.InvoiceID], l)
		}
		return nil
	})
	if err != nil {
		e.T.Fatal(err)
	}
	return out
}

func keys(m map[string]costs.Import) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Invoices reach the cost store to the cent; last month's appears only
// once it is issued (until then its unbilled usage stands in, without a
// warning before the 8th), then replaces that usage; a re-sync replaces.
func TestInvoicesReachTheCostStoreWhenIssued(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		thisMonth := monthOf(time.Now())
		e := newSyncEnv(t, db, thisMonth.Add(12*time.Hour)) // the 1st: last month's invoice is not issued yet
		c := e.create()
		last := thisMonth.AddDate(0, -1, 0)
		lastInvoice := func() *partner.Invoice {
			for _, inv := range e.Cloud.Partner.Invoices(e.Cloud.Demo.PartnerTenant.ID) {
				if inv.PeriodStart.Equal(last) {
					return &inv
				}
			}
			return nil
		}
		if lastInvoice() != nil {
			t.Fatal("the sandbox issued last month's invoice on the 1st")
		}
		y := e.Sync(c)
		if y.State != store.SyncSucceeded || string(y.Warnings) != "[]" {
			t.Fatalf("sync on the 1st: %+v (%s)", y, y.Error)
		}
		got := e.checkInvoices(c, y, 2)
		if im, ok := got["connection:"+c.ID+":"+UnbilledKey(last)]; !ok || im.Rows == 0 {
			t.Fatalf("last month's unbilled usage: %+v (%v)", im, keys(got))
		}

		e.Cloud.Clock.Set(thisMonth.AddDate(0, 0, IssueDay).Add(12 * time.Hour)) // the 9th
		inv := lastInvoice()
		if inv == nil {
			t.Fatal("the sandbox has not issued last month's invoice by the 9th")
		}
		y = e.Sync(c)
		if y.State != store.SyncSucceeded {
			t.Fatalf("sync on the 9th: %+v", y)
		}
		got = e.checkInvoices(c, y, 1)
		if _, ok := got["connection:"+c.ID+":"+InvoiceKey(inv.ID)]; !ok {
			t.Fatalf("last month's invoice %s not imported: %v", inv.ID, keys(got))
		}
		if im := got["connection:"+c.ID+":"+UnbilledKey(last)]; im.Rows != 0 {
			t.Fatalf("last month's unbilled usage was not replaced by its invoice: %+v", im)
		}
		before := e.billed()
		if y = e.Sync(c); y.State != store.SyncSucceeded || e.billed() != before {
			t.Fatalf("re-sync %s changed the total %s to %s", y.State, before, e.billed())
		}
		if checks, err := e.Service.RunDoctor(e.Ctx, e.Owner, c.ID); err != nil || len(checks) != 2 || !checks[0].Granted || !checks[1].Granted {
			t.Fatalf("doctor %+v %v", checks, err)
		}
	})
}

func (e *syncEnv) billed() string {
	e.T.Helper()
	return e.Totals(e.Owner.Org.ID, costs.TotalsFilter{})["USD"].Billed.String()
}

// Without consent in the partner tenant, the sync fails pointing at the
// app access page, and the doctor says so.
func TestNoConsentFailsWithTheAppAccessFix(t *testing.T) {
	RegisterHelp()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newSyncEnv(t, db, time.Now())
		e.Cloud.Entra.RevokeConsent(e.Cloud.Demo.PartnerTenant.ID, e.Cloud.Demo.App.ClientID)
		c := e.create()
		y := e.Sync(c)
		if y.State != store.SyncFailed || !strings.Contains(y.Error, "/help/"+HelpAppAccess) {
			t.Fatalf("sync %+v", y)
		}
		checks, err := e.Service.RunDoctor(e.Ctx, e.Owner, c.ID)
		if err != nil || checks[0].Granted || checks[0].Fix != HelpAppAccess {
			t.Fatalf("doctor %+v %v", checks, err)
		}
		if _, ok := connect.Help(HelpAppAccess); !ok {
			t.Fatal("no help page")
		}
	})
}

// A conditional-access policy of the partner tenant blocking Canopy's
// sign-in (AADSTS53003) fails the sync and the doctor with the
// conditional-access help page instead of the app-access one.
func TestConditionalAccessBlockLinksItsHelpPage(t *testing.T) {
	e := newSyncEnv(t, storetest.Open(t, store.SQLite), time.Now())
	e.Cloud.Entra.BlockByConditionalAccess(e.Cloud.Demo.PartnerTenant.ID, e.Cloud.Demo.App.ClientID, true)
	c := e.create()
	y := e.Sync(c)
	if y.State != store.SyncFailed || !strings.Contains(y.Error, "AADSTS53003") || !strings.Contains(y.Error, "/help/"+HelpConditionalAccess) {
		t.Fatalf("sync %+v", y)
	}
	checks, err := e.Service.RunDoctor(e.Ctx, e.Owner, c.ID)
	if err != nil || checks[0].Granted || checks[0].Fix != HelpConditionalAccess {
		t.Fatalf("doctor %+v %v", checks, err)
	}
	e.Cloud.Entra.BlockByConditionalAccess(e.Cloud.Demo.PartnerTenant.ID, e.Cloud.Demo.App.ClientID, false)
	if checks, err := e.Service.RunDoctor(e.Ctx, e.Owner, c.ID); err != nil || !checks[0].Granted {
		t.Fatalf("doctor after the exclusion %+v %v", checks, err)
	}
}

func TestMissingInvoiceWarnsOnlyAfterTheIssueDay(t *testing.T) {
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		today time.Time
		warn  bool
	}{{time.Date(2026, 3, 8, 0, 0, 0, 0, time.UTC), false}, {time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC), true}} {
		steps, note := plan(New(Config{}), nil, from, tc.today.AddDate(0, 0, 1), tc.today)
		if (warning(tc.today, note) != "") != tc.warn || note == "" || steps[len(steps)-1].key != UnbilledKey(monthOf(tc.today)) || steps[0].key != UnbilledKey(monthOf(tc.today).AddDate(0, -1, 0)) {
			t.Fatalf("%s: note %q, steps %d", tc.today, note, len(steps))
		}
	}
	if err := (Connector{}).ValidateSettings([]byte(`{"partner_tenant_id":"x"}`)); err == nil {
		t.Fatal("a tenant ID that is no GUID was accepted")
	}
}
