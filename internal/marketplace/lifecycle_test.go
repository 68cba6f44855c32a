package marketplace_test

import (
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/marketplace"
	"github.com/canopyhq/canopy/internal/sandbox/vendor"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

func (h *harness) terminate(agr string, subs ...string) (marketplace.Order, error) {
	var lines []marketplace.LineInput
	for _, s := range subs {
		lines = append(lines, marketplace.LineInput{SubscriptionID: s})
	}
	return h.svc.Terminate(h.ctx, h.buyer, h.who, agr, marketplace.OrderInput{Submit: true, Lines: lines})
}

// Terminating the last running subscription terminates the agreement for
// good; terminating one of two leaves it Active.
func TestTheLastTerminationTerminatesTheAgreement(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		p := h.completedCreativeCloud()
		h.clock = h.clock.AddDate(0, 0, 3) // inside Adobe's 14-day return window
		ps, ac := p.Lines[0].SubscriptionID, p.Lines[1].SubscriptionID

		o, err := h.terminate(p.AgreementID, ps)
		h.must(err)
		if h.sub(ps).Status != "Terminating" {
			t.Fatalf("subscription %s", h.sub(ps).Status)
		}
		h.decide(o.ID, vendor.StateCompleted, "")
		h.poll(o.ID)
		if s := h.sub(ps); s.Status != "Terminated" || s.EndedOn == nil || h.agreement(p.AgreementID).Status != "Active" {
			t.Fatalf("after the first termination: %+v, agreement %s", s, h.agreement(p.AgreementID).Status)
		}
		if _, err := h.terminate(p.AgreementID, ps); domain.ErrorCode(err) != domain.CodeConflict {
			t.Fatalf("terminate a terminated subscription: %v", err)
		}

		o, err = h.terminate(p.AgreementID, ac)
		h.must(err)
		h.decide(o.ID, vendor.StateCompleted, "")
		h.poll(o.ID)
		if a := h.agreement(p.AgreementID); a.Status != "Terminated" {
			t.Fatalf("agreement %s after its last subscription ended", a.Status)
		}
		if got := statuses(h, p.AgreementID); !strings.HasSuffix(got, ">Updating>Terminated") {
			t.Fatalf("agreement history %s", got)
		}
		_, err = h.svc.Change(h.ctx, h.buyer, h.who, p.AgreementID, marketplace.OrderInput{Lines: []marketplace.LineInput{{ItemID: h.photoshop.ID, Term: "P1Y", Quantity: 1}}})
		if domain.ErrorCode(err) != domain.CodeConflict || !strings.Contains(domain.ErrorMessage(err), "is Terminated") {
			t.Fatalf("an order on a terminated agreement: %v", err)
		}
	})
}

// A failed termination puts the subscription and agreement back.
func TestAFailedTerminationRestores(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		p := h.completedPurchase(h.m365E3, "P1M", 10)
		sub := p.Lines[0].SubscriptionID
		o, err := h.terminate(p.AgreementID, sub)
		h.must(err)
		h.decide(o.ID, vendor.StateFailed, "the subscription has add-ons; remove them first")
		h.poll(o.ID)
		if h.sub(sub).Status != "Active" || h.agreement(p.AgreementID).Status != "Active" {
			t.Fatalf("after a failed termination: %s, %s", h.sub(sub).Status, h.agreement(p.AgreementID).Status)
		}
		if got := statuses(h, sub); got != "Draft>Active>Terminating>Active" {
			t.Fatalf("subscription history %s", got)
		}
	})
}

// Adobe VIP Marketplace: returns only within 14 days; licences added
// later renew on the agreement's anniversary; the PO number may change
// mid-term. Microsoft NCE: 7 days, no mid-term PO change.
func TestProgrammeRules(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		p := h.completedPurchase(h.photoshop, "P1Y", 5)
		ps := p.Lines[0].SubscriptionID
		h.clock = h.clock.AddDate(0, 0, 15)
		_, err := h.terminate(p.AgreementID, ps)
		if domain.ErrorCode(err) != domain.CodeConflict || !strings.Contains(domain.ErrorMessage(err), "within 14 days") ||
			!strings.Contains(domain.ErrorMessage(err), "16 Nov 2026") {
			t.Fatalf("an Adobe return after 15 days: %v", err)
		}
		_, err = h.svc.Change(h.ctx, h.buyer, h.who, p.AgreementID, marketplace.OrderInput{Submit: true, Lines: []marketplace.LineInput{{SubscriptionID: ps, Quantity: 4}}})
		if domain.ErrorCode(err) != domain.CodeConflict || !strings.Contains(domain.ErrorMessage(err), "lower its renewal quantity") {
			t.Fatalf("fewer Adobe licences after 15 days: %v", err)
		}
		// Acrobat bought three months later co-terms with the anniversary.
		h.clock = time.Date(2027, 2, 10, 12, 0, 0, 0, time.UTC)
		o, err := h.svc.Change(h.ctx, h.buyer, h.who, p.AgreementID, marketplace.OrderInput{Submit: true,
			Lines: []marketplace.LineInput{{ItemID: h.acrobat.ID, Term: "P1Y", Quantity: 2}, {SubscriptionID: ps, Quantity: 7}}})
		h.must(err)
		h.decide(o.ID, vendor.StateCompleted, "")
		h.poll(o.ID)
		var acro string
		for _, l := range o.Lines {
			if l.Action == "new" {
				acro = l.SubscriptionID
			}
		}
		if s := h.sub(acro); s.Status != "Active" || !s.RenewsOn.Equal(time.Date(2027, 11, 2, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("co-termed Acrobat %+v", s)
		}
		if s := h.sub(ps); s.Quantity != 7 {
			t.Fatalf("Photoshop quantity %d", s.Quantity)
		}
		s, err := h.svc.SetSubscriptionPO(h.ctx, h.buyer, h.who, ps, "PO-2027-NEW")
		if err != nil || s.PONumber != "PO-2027-NEW" {
			t.Fatalf("Adobe mid-term PO: %+v %v", s, err)
		}
		// A subscription in an open order (here a quote) is in no other
		// until that one is submitted and finished, or cancelled.
		quote, err := h.svc.Change(h.ctx, h.buyer, h.who, p.AgreementID, marketplace.OrderInput{Lines: []marketplace.LineInput{{SubscriptionID: ps, Quantity: 9}}})
		h.must(err)
		_, err = h.svc.Change(h.ctx, h.buyer, h.who, p.AgreementID, marketplace.OrderInput{Lines: []marketplace.LineInput{{SubscriptionID: ps, Quantity: 10}}})
		if domain.ErrorCode(err) != domain.CodeConflict || !strings.Contains(domain.ErrorMessage(err), "already in open order "+quote.ID) {
			t.Fatalf("a second order on a subscription in a quote: %v", err)
		}
		if _, err := h.svc.Cancel(h.ctx, h.buyer, h.who, quote.ID, "changed my mind"); err != nil {
			t.Fatal(err)
		}
		if _, err := h.svc.Change(h.ctx, h.buyer, h.who, p.AgreementID, marketplace.OrderInput{Lines: []marketplace.LineInput{{SubscriptionID: ps, Quantity: 10}}}); err != nil {
			t.Fatalf("an order after the quote was cancelled: %v", err)
		}

		m := h.completedPurchase(h.m365E3, "P1Y-M", 20)
		_, err = h.svc.SetSubscriptionPO(h.ctx, h.buyer, h.who, m.Lines[0].SubscriptionID, "PO-X")
		if domain.ErrorCode(err) != domain.CodeConflict || !strings.Contains(domain.ErrorMessage(err), "only Adobe VIP Marketplace") {
			t.Fatalf("Microsoft mid-term PO: %v", err)
		}
		h.clock = h.clock.AddDate(0, 0, 8)
		if _, err := h.terminate(m.AgreementID, m.Lines[0].SubscriptionID); !strings.Contains(domain.ErrorMessage(err), "within 7 days") {
			t.Fatalf("an NCE return after 8 days: %v", err)
		}
		if a, err := h.svc.SetAgreementPO(h.ctx, h.buyer, h.who, m.AgreementID, "PO-RECURRING-0042"); err != nil || a.PONumber != "PO-RECURRING-0042" {
			t.Fatalf("agreement PO %+v %v", a, err)
		}
	})
}

// At the end of a term: auto-renew starts a new term, otherwise the
// subscription expires, and the agreement ends with its last one.
func TestRenewalsAndExpiry(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		keep := h.completedPurchase(h.m365E3, "P1M", 10)
		stop := h.completedPurchase(h.m365E3, "P1M", 3)
		off := false
		o, err := h.svc.Change(h.ctx, h.buyer, h.who, stop.AgreementID, marketplace.OrderInput{Submit: true,
			Lines: []marketplace.LineInput{{SubscriptionID: stop.Lines[0].SubscriptionID, AutoRenew: &off}}})
		h.must(err)
		h.decide(o.ID, vendor.StateCompleted, "")
		h.poll(o.ID)
		if h.sub(stop.Lines[0].SubscriptionID).AutoRenew {
			t.Fatal("auto-renew still on")
		}
		org := h.buyer.Org.ID
		res, err := h.svc.RenewDue(h.ctx, org, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
		if err != nil || res != (marketplace.RenewalResult{}) {
			t.Fatalf("before the term ends: %+v %v", res, err)
		}
		end := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
		res, err = h.svc.RenewDue(h.ctx, org, end)
		if err != nil || res != (marketplace.RenewalResult{Renewed: 1, Expired: 1, Terminated: 1}) {
			t.Fatalf("at the term's end: %+v %v", res, err)
		}
		if s := h.sub(keep.Lines[0].SubscriptionID); !s.RenewsOn.Equal(time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC)) || s.Status != "Active" {
			t.Fatalf("renewed %+v", s)
		}
		if s := h.sub(stop.Lines[0].SubscriptionID); s.Status != "Expired" || !s.EndedOn.Equal(end) {
			t.Fatalf("expired %+v", s)
		}
		if a := h.agreement(stop.AgreementID); a.Status != "Terminated" {
			t.Fatalf("the agreement of the expired subscription is %s", a.Status)
		}
		if res, _ := h.svc.RenewDue(h.ctx, org, end); res != (marketplace.RenewalResult{}) {
			t.Fatalf("a second run did something: %+v", res)
		}
	})
}

func TestPermissionsAndTenancy(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		other := newHarness(t, db)
		if _, err := h.svc.CreateVendor(h.ctx, h.buyer, h.who, marketplace.VendorInput{Name: "X"}); domain.ErrorCode(err) != domain.CodeForbidden {
			t.Fatalf("a buyer edits the catalog: %v", err)
		}
		_, err := h.svc.Purchase(h.ctx, h.viewer, h.who, marketplace.OrderInput{BuyerID: h.buyerID, Lines: []marketplace.LineInput{{ItemID: h.photoshop.ID, Term: "P1Y", Quantity: 1}}})
		if domain.ErrorCode(err) != domain.CodeForbidden {
			t.Fatalf("a viewer buys: %v", err)
		}
		p := h.completedPurchase(h.photoshop, "P1Y", 1)
		if _, err := other.svc.Decide(other.ctx, other.ops, other.who, p.ID, marketplace.Outcome{State: "failed"}); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("another org decides our order: %v", err)
		}
		if _, err := other.svc.Terminate(other.ctx, other.buyer, other.who, p.AgreementID, marketplace.OrderInput{Lines: []marketplace.LineInput{{SubscriptionID: p.Lines[0].SubscriptionID}}}); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("another org terminates our subscription: %v", err)
		}
		_, err = other.svc.Purchase(other.ctx, other.buyer, other.who, marketplace.OrderInput{BuyerID: other.buyerID, Lines: []marketplace.LineInput{{ItemID: h.photoshop.ID, Term: "P1Y", Quantity: 1}}})
		if domain.ErrorField(err) != "lines" {
			t.Fatalf("another org buys our item: %v", err)
		}
		if _, err := h.svc.Purchase(h.ctx, h.buyer, h.who, marketplace.OrderInput{BuyerID: h.buyerID, Lines: []marketplace.LineInput{{ItemID: h.photoshop.ID, Term: "P1M", Quantity: 1}}}); domain.ErrorField(err) != "lines" ||
			!strings.Contains(domain.ErrorMessage(err), "no Monthly price in EUR") {
			t.Fatalf("a term without a price: %v", err)
		}
	})
}
