package marketplace_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/marketplace"
	"github.com/canopyhq/canopy/internal/sandbox/vendor"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

func statuses(h *harness, id string) string {
	h.t.Helper()
	hist, err := h.st.MktHistory(h.ctx, h.buyer.Org.ID, id)
	h.must(err)
	var out []string
	for _, c := range hist {
		out = append(out, c.To)
	}
	return strings.Join(out, ">")
}

func TestPurchaseGoesToTheVendorAndActivates(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		o := h.buy(h.photoshop, "P1Y", 5)
		if o.Status != "Processing" || o.Type != "Purchase" || !marketplace.ValidID(marketplace.PrefixOrder, o.ID) {
			t.Fatalf("order %+v", o)
		}
		agrID, subID := o.AgreementID, o.Lines[0].SubscriptionID
		if a := h.agreement(agrID); a.Status != "Provisioning" || a.PONumber != "PO-1" || a.Name != "Creative Cloud for Acme GmbH" {
			t.Fatalf("agreement %+v", a)
		}
		if s := h.sub(subID); s.Status != "Draft" || s.UnitPrice != "263.88" || s.Currency != "EUR" {
			t.Fatalf("subscription %+v", s)
		}
		got, ok := h.vendor.Get(o.ID)
		if !ok || got.State != vendor.StateProcessing {
			t.Fatalf("the vendor has %+v %v", got, ok)
		}
		var req marketplace.Request
		h.must(json.Unmarshal(got.Request, &req))
		if req.PONumber != "PO-1" || req.Buyer != "Acme GmbH" || len(req.Lines) != 1 || req.Lines[0].SKU != "65304520CA01A12" || req.Lines[0].Quantity != 5 {
			t.Fatalf("vendor request %+v", req)
		}
		if o = h.poll(o.ID); o.Status != "Processing" {
			t.Fatalf("before the vendor decides: %s", o.Status)
		}
		h.decide(o.ID, vendor.StateCompleted, "")
		if o = h.poll(o.ID); o.Status != "Completed" || o.CompletedAt == nil {
			t.Fatalf("after completion: %+v", o)
		}
		a, s := h.agreement(agrID), h.sub(subID)
		start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
		if a.Status != "Active" || a.Anniversary == nil || !a.Anniversary.Equal(start) {
			t.Fatalf("agreement %+v", a)
		}
		if s.Status != "Active" || !s.StartsOn.Equal(start) || !s.RenewsOn.Equal(start.AddDate(1, 0, 0)) || s.PONumber != "PO-1" {
			t.Fatalf("subscription %+v", s)
		}
		if got := statuses(h, agrID); got != "New>Provisioning>Active" {
			t.Fatalf("agreement history %s", got)
		}
		if got := statuses(h, o.ID); got != "Draft>Processing>Completed" {
			t.Fatalf("order history %s", got)
		}
	})
}

func TestQuotesAreSubmittedOrCancelled(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		in := marketplace.OrderInput{BuyerID: h.buyerID, Lines: []marketplace.LineInput{{ItemID: h.m365E3.ID, Term: "P1M", Quantity: 10}}}
		q, err := h.svc.Purchase(h.ctx, h.buyer, h.who, in)
		h.must(err)
		if q.Status != "Quoted" || h.agreement(q.AgreementID).Status != "Draft" {
			t.Fatalf("quote %+v", q)
		}
		if _, ok := h.vendor.Get(q.ID); ok {
			t.Fatal("a quote went to the vendor")
		}
		q, err = h.svc.Submit(h.ctx, h.buyer, h.who, q.ID)
		h.must(err)
		if q.Status != "Processing" || h.agreement(q.AgreementID).Status != "Provisioning" {
			t.Fatalf("submitted quote %+v", q)
		}
		if _, ok := h.vendor.Get(q.ID); !ok {
			t.Fatal("the submitted quote did not reach the vendor")
		}
		if _, err := h.svc.Cancel(h.ctx, h.buyer, h.who, q.ID, "changed my mind"); domain.ErrorCode(err) != domain.CodeConflict {
			t.Fatalf("cancel an order with the vendor: %v", err)
		}

		q2, err := h.svc.Purchase(h.ctx, h.buyer, h.who, in)
		h.must(err)
		c, err := h.svc.Cancel(h.ctx, h.buyer, h.who, q2.ID, "not needed")
		h.must(err)
		if c.Status != "Failed" || !strings.Contains(c.StatusNote, "not needed") {
			t.Fatalf("cancelled quote %+v", c)
		}
		if a := h.agreement(q2.AgreementID); a.Status != "Deleted" {
			t.Fatalf("the cancelled quote's agreement is %s", a.Status)
		}
		if s := h.sub(q2.Lines[0].SubscriptionID); s.Status != "Deleted" {
			t.Fatalf("the cancelled quote's subscription is %s", s.Status)
		}
		if _, err := h.svc.Submit(h.ctx, h.buyer, h.who, q2.ID); domain.ErrorCode(err) != domain.CodeConflict ||
			!strings.Contains(domain.ErrorMessage(err), "a failed order cannot change") {
			t.Fatalf("submit a cancelled order: %v", err)
		}
	})
}

func TestFailedPurchaseFailsTheAgreement(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		o := h.buy(h.photoshop, "P1Y", 1)
		h.decide(o.ID, vendor.StateFailed, "the customer's VIP ID is suspended")
		if o = h.poll(o.ID); o.Status != "Failed" || o.StatusNote != "the customer's VIP ID is suspended" {
			t.Fatalf("order %+v", o)
		}
		if got := statuses(h, o.AgreementID); got != "New>Provisioning>Failed" {
			t.Fatalf("agreement history %s", got)
		}
		if s := h.sub(o.Lines[0].SubscriptionID); s.Status != "Deleted" {
			t.Fatalf("subscription %s", s.Status)
		}
		_, err := h.svc.Change(h.ctx, h.buyer, h.who, o.AgreementID, marketplace.OrderInput{Lines: []marketplace.LineInput{{ItemID: h.acrobat.ID, Term: "P1Y", Quantity: 1}}})
		if domain.ErrorCode(err) != domain.CodeConflict {
			t.Fatalf("order on a failed agreement: %v", err)
		}
	})
}

func TestAQueriedOrderWaitsForTheBuyersAnswer(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		o := h.buy(h.m365E3, "P1Y-M", 25)
		h.decide(o.ID, vendor.StateQuerying, "Which tenant domain should the licences go to?")
		if o = h.poll(o.ID); o.Status != "Querying" || o.QueryMessage != "Which tenant domain should the licences go to?" {
			t.Fatalf("order %+v", o)
		}
		if _, err := h.svc.AnswerQuery(h.ctx, h.viewer, h.who, o.ID, "acme.onmicrosoft.com"); domain.ErrorCode(err) != domain.CodeForbidden {
			t.Fatalf("a viewer answers: %v", err)
		}
		a, err := h.svc.AnswerQuery(h.ctx, h.buyer, h.who, o.ID, "acme.onmicrosoft.com")
		h.must(err)
		if a.Status != "Processing" {
			t.Fatalf("answered order %s", a.Status)
		}
		if v, _ := h.vendor.Get(o.ID); len(v.Answers) != 1 || v.Answers[0] != "acme.onmicrosoft.com" || v.State != vendor.StateProcessing {
			t.Fatalf("the vendor has %+v", v)
		}
		h.decide(o.ID, vendor.StateCompleted, "")
		if o = h.poll(o.ID); o.Status != "Completed" {
			t.Fatalf("order %s", o.Status)
		}
		if got := statuses(h, o.ID); got != "Draft>Processing>Querying>Processing>Completed" {
			t.Fatalf("order history %s", got)
		}
	})
}

// Two change orders on one agreement: the second waits until the first
// is done, then goes to the vendor by itself.
func TestOnlyOneOrderPerAgreementIsWithTheVendor(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		p := h.completedCreativeCloud()
		ps, ac := p.Lines[0].SubscriptionID, p.Lines[1].SubscriptionID
		first, err := h.svc.Change(h.ctx, h.buyer, h.who, p.AgreementID, marketplace.OrderInput{Submit: true, Lines: []marketplace.LineInput{{SubscriptionID: ps, Quantity: 8}}})
		h.must(err)
		second, err := h.svc.Change(h.ctx, h.buyer, h.who, p.AgreementID, marketplace.OrderInput{Submit: true, Lines: []marketplace.LineInput{{SubscriptionID: ac, Quantity: 3}}})
		h.must(err)
		if _, ok := h.vendor.Get(second.ID); ok {
			t.Fatal("the second order went to the vendor while the first is there")
		}
		if h.sub(ps).Status != "Updating" || h.sub(ac).Status != "Active" || h.agreement(p.AgreementID).Status != "Updating" {
			t.Fatalf("while the first runs: %s %s %s", h.sub(ps).Status, h.sub(ac).Status, h.agreement(p.AgreementID).Status)
		}
		_, err = h.svc.Change(h.ctx, h.buyer, h.who, p.AgreementID, marketplace.OrderInput{Lines: []marketplace.LineInput{{SubscriptionID: ps, Quantity: 9}}})
		if domain.ErrorCode(err) != domain.CodeConflict || !strings.Contains(domain.ErrorMessage(err), first.ID) {
			t.Fatalf("a subscription in two open orders: %v", err)
		}
		h.decide(first.ID, vendor.StateCompleted, "")
		h.poll(first.ID)
		if s := h.sub(ps); s.Status != "Active" || s.Quantity != 8 {
			t.Fatalf("after the first: %+v", s)
		}
		if _, ok := h.vendor.Get(second.ID); !ok || h.sub(ac).Status != "Updating" {
			t.Fatal("the second order did not follow the first")
		}
		h.decide(second.ID, vendor.StateCompleted, "")
		h.poll(second.ID)
		if s := h.sub(ac); s.Quantity != 3 || h.agreement(p.AgreementID).Status != "Active" {
			t.Fatalf("after the second: %+v", s)
		}
		if got := statuses(h, p.AgreementID); got != "New>Provisioning>Active>Updating>Active>Updating>Active" {
			t.Fatalf("agreement history %s", got)
		}
	})
}

// Dispatchers racing on one agreement (several workers) send exactly
// one order, the first submitted, exactly once.
func TestConcurrentDispatchSendsOneOrderOnce(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		p := h.completedCreativeCloud()
		h.svc.Dispatch = func(context.Context, string, string) error { return nil } // submit without dispatching
		var ids []string
		for _, l := range p.Lines {
			o, err := h.svc.Change(h.ctx, h.buyer, h.who, p.AgreementID, marketplace.OrderInput{Submit: true,
				Lines: []marketplace.LineInput{{SubscriptionID: l.SubscriptionID, Quantity: 10}}})
			h.must(err)
			ids = append(ids, o.ID)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- h.svc.DispatchAgreement(h.ctx, h.buyer.Org.ID, p.AgreementID)
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			h.must(err)
		}
		first, ok := h.vendor.Get(ids[0])
		if !ok || first.Sends != 1 {
			t.Fatalf("the first order reached the vendor %d times (%v)", first.Sends, ok)
		}
		if _, ok := h.vendor.Get(ids[1]); ok {
			t.Fatal("the second order went to the vendor too")
		}
	})
}
