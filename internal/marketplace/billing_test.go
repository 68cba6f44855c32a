package marketplace_test

import (
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/marketplace"
	"github.com/canopyhq/canopy/internal/sandbox/vendor"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

func (h *harness) charges(f store.MktChargeFilter) []marketplace.Charge {
	h.t.Helper()
	cs, err := h.st.ListMktCharges(h.ctx, h.buyer.Org.ID, f)
	h.must(err)
	return cs
}

func month(y int, m time.Month) time.Time { return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC) }

// November: a yearly Photoshop purchase and a monthly Microsoft 365 one
// go on one consolidated invoice (two statements, each with its
// agreement's PO number); December bills Microsoft 365's second month,
// so that purchase order is billed on two invoices.
func TestInvoicesConsolidateAndMapToOrders(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		ps := h.completedPurchase(h.photoshop, "P1Y", 5)
		m := h.completedPurchase(h.m365E3, "P1M", 10)
		_, err := h.svc.SetAgreementPO(h.ctx, h.buyer, h.who, ps.AgreementID, "4500012345-CREATIVE-CLOUD-2026")
		h.must(err)
		c := h.charges(store.MktChargeFilter{OrderID: ps.ID})
		if len(c) != 1 || c[0].Amount != "1319.4" || c[0].Kind != "purchase" || !c[0].PeriodEnd.Equal(time.Date(2027, 11, 2, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("Photoshop charges %+v", c)
		}
		invs, err := h.svc.IssueInvoices(h.ctx, h.ops, h.who, month(2026, 11))
		h.must(err)
		if len(invs) != 1 || invs[0].Total != "1679.4" || invs[0].Currency != "EUR" || invs[0].Status != "Issued" {
			t.Fatalf("November invoices %+v", invs)
		}
		nov, err := h.svc.Invoice(h.ctx, h.viewer, invs[0].ID)
		h.must(err)
		if len(nov.Statements) != 2 || len(nov.Orders) != 2 || nov.Orders[0] == nov.Orders[1] {
			t.Fatalf("November invoice %+v", nov)
		}
		pos := map[string]string{}
		for _, st := range nov.Statements {
			pos[st.Agreement.ID] = st.Statement.PONumber
		}
		if pos[ps.AgreementID] != "4500012345-CREATIVE-CLOUD-2026" || marketplace.PrintPO(pos[ps.AgreementID]) != "4500012345-CREAT…" {
			t.Fatalf("statement PO numbers %v", pos)
		}
		if again, err := h.svc.IssueInvoices(h.ctx, h.ops, h.who, month(2026, 11)); err != nil || len(again) != 0 {
			t.Fatalf("November issued twice: %+v %v", again, err)
		}

		h.clock = time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
		n, err := h.svc.BillRecurring(h.ctx, h.buyer.Org.ID, h.clock)
		if err != nil || n != 1 {
			t.Fatalf("December recurring: %d %v", n, err)
		}
		if n, _ := h.svc.BillRecurring(h.ctx, h.buyer.Org.ID, h.clock); n != 0 {
			t.Fatalf("recurring billed twice: %d", n)
		}
		dec, err := h.svc.IssueInvoices(h.ctx, h.ops, h.who, month(2026, 12))
		if err != nil || len(dec) != 1 || dec[0].Total != "360" {
			t.Fatalf("December invoices %+v %v", dec, err)
		}
		b, err := h.svc.OrderBilling(h.ctx, h.viewer, m.ID)
		h.must(err)
		if len(b.Invoices) != 2 || len(b.Charges) != 2 {
			t.Fatalf("Microsoft 365 order billed on %v (charges %d)", b.Invoices, len(b.Charges))
		}
	})
}

// Licences added mid-term are prorated to the co-termed anniversary; a
// return within the window is credited in full on a credit memo that
// names the invoice that billed it.
func TestProrationsAndReturns(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		ps := h.completedPurchase(h.photoshop, "P1Y", 5)
		sub := ps.Lines[0].SubscriptionID
		invs, err := h.svc.IssueInvoices(h.ctx, h.ops, h.who, month(2026, 11))
		h.must(err)

		h.clock = time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC) // day 8 of 14
		o, err := h.terminate(ps.AgreementID, sub)
		h.must(err)
		h.decide(o.ID, vendor.StateCompleted, "")
		h.poll(o.ID)
		b, err := h.svc.OrderBilling(h.ctx, h.viewer, o.ID)
		h.must(err)
		if len(b.CreditMemos) != 1 || b.CreditMemos[0].Total != "-1319.4" || b.CreditMemos[0].InvoiceID != invs[0].ID {
			t.Fatalf("credit memos %+v (invoice %s)", b.CreditMemos, invs[0].ID)
		}
		if again, _ := h.svc.IssueInvoices(h.ctx, h.ops, h.who, month(2026, 11)); len(again) != 0 {
			t.Fatalf("a return was invoiced: %+v", again)
		}

		// A second agreement: 5 more licences on 10 Feb 2027 cost 265 of
		// 365 days.
		h.clock = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
		p2 := h.completedPurchase(h.photoshop, "P1Y", 5)
		h.clock = time.Date(2027, 2, 10, 9, 0, 0, 0, time.UTC)
		up, err := h.svc.Change(h.ctx, h.buyer, h.who, p2.AgreementID, marketplace.OrderInput{Submit: true,
			Lines: []marketplace.LineInput{{SubscriptionID: p2.Lines[0].SubscriptionID, Quantity: 8}}})
		h.must(err)
		h.decide(up.ID, vendor.StateCompleted, "")
		h.poll(up.ID)
		c := h.charges(store.MktChargeFilter{OrderID: up.ID})
		if len(c) != 1 || c[0].Kind != "proration" || c[0].Quantity != 3 || c[0].Amount != "574.75" ||
			!c[0].PeriodStart.Equal(time.Date(2027, 2, 10, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("proration %+v", c)
		}
	})
}

// An issued invoice's charges reach the cost store as Marketplace lines
// whose total is the invoice's; exporting again replaces them.
func TestInvoicesFlowIntoTheCostStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		h.completedPurchase(h.photoshop, "P1Y", 5)
		h.completedPurchase(h.m365E3, "P1M", 10)
		invs, err := h.svc.IssueInvoices(h.ctx, h.ops, h.who, month(2026, 11))
		h.must(err)
		res, err := h.svc.ExportToCosts(h.ctx, h.st.Costs(), h.buyer.Org.ID, invs[0].ID)
		h.must(err)
		if res.Rows != 2 || res.Totals["EUR"].Billed.String() != invs[0].Total || res.Totals["EUR"].Effective.String() != invs[0].Total {
			t.Fatalf("cost import %+v, invoice total %s", res, invs[0].Total)
		}
		again, err := h.svc.ExportToCosts(h.ctx, h.st.Costs(), h.buyer.Org.ID, invs[0].ID)
		h.must(err)
		if again.Replaced != res.ImportID || again.Totals["EUR"].Billed.String() != invs[0].Total {
			t.Fatalf("second export %+v", again)
		}
		tot, err := h.st.Costs().Totals(h.ctx, h.buyer.Org.ID, costs.TotalsFilter{})
		h.must(err)
		if tot["EUR"].Billed.String() != "1679.4" {
			t.Fatalf("cost store totals %+v", tot)
		}
	})
}

func TestInvoicesArePaidOrOverdue(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		h.completedPurchase(h.m365E3, "P1M", 2)
		h.completedPurchase(h.photoshop, "P1Y", 1)
		invs, err := h.svc.IssueInvoices(h.ctx, h.ops, h.who, month(2026, 11))
		h.must(err)
		if _, err := h.svc.SetInvoiceStatus(h.ctx, h.buyer, h.who, invs[0].ID, "Paid"); domain.ErrorCode(err) != domain.CodeForbidden {
			t.Fatalf("a buyer marks paid: %v", err)
		}
		h.must(h.svc.BillingPass(h.ctx, time.Date(2026, 12, 2, 23, 0, 0, 0, time.UTC)))
		if inv, _ := h.st.GetMktInvoice(h.ctx, h.ops.Org.ID, invs[0].ID); inv.Status != "Issued" {
			t.Fatalf("on its due day: %s", inv.Status)
		}
		h.must(h.svc.BillingPass(h.ctx, time.Date(2026, 12, 3, 1, 0, 0, 0, time.UTC)))
		if inv, _ := h.st.GetMktInvoice(h.ctx, h.ops.Org.ID, invs[0].ID); inv.Status != "Overdue" {
			t.Fatalf("after its due day: %s", inv.Status)
		}
		inv, err := h.svc.SetInvoiceStatus(h.ctx, h.ops, h.who, invs[0].ID, "Paid")
		if err != nil || inv.Status != "Paid" {
			t.Fatalf("paid: %+v %v", inv, err)
		}
		if _, err := h.svc.SetInvoiceStatus(h.ctx, h.ops, h.who, invs[0].ID, "Overdue"); domain.ErrorCode(err) != domain.CodeConflict {
			t.Fatalf("paid → overdue: %v", err)
		}
	})
}
