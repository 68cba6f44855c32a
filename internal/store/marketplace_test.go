package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

type mktFixture struct {
	ctx                   context.Context
	s                     *store.Store
	org                   string
	vendor, product, item string
	buyer                 string
}

func newMktFixture(t *testing.T, s *store.Store, org string) mktFixture {
	t.Helper()
	f := mktFixture{ctx: context.Background(), s: s, org: org, vendor: "VND-0001-" + org[4:8], product: "PRD-0001-" + org[4:8],
		item: "ITM-0001-0001-" + org[4:8], buyer: "buy-" + org}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := s.CreateMktVendor(f.ctx, store.MktVendor{OrgID: org, ID: f.vendor, Name: "Adobe", Program: "adobe-vip"})
	must(err)
	_, err = s.CreateMktProduct(f.ctx, store.MktProduct{OrgID: org, ID: f.product, VendorID: f.vendor, Name: "Creative Cloud"})
	must(err)
	_, err = s.CreateMktItem(f.ctx, store.MktItem{OrgID: org, ID: f.item, ProductID: f.product, Name: "Photoshop", SKU: "65304520CA01A12" + org[4:8],
		Unit: "licence", Prices: []store.MktPrice{{Term: "P1Y", Currency: "EUR", UnitPrice: "263.88"}, {Term: "P1M", Currency: "EUR", UnitPrice: "24.19"}}})
	must(err)
	_, err = s.CreateMktBuyer(f.ctx, store.MktBuyer{OrgID: org, ID: f.buyer, Name: "Acme GmbH", Currency: "EUR"})
	must(err)
	return f
}

func TestMarketplaceCatalogAndCommerceRoundTrip(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := store.New(db)
		a, b := newOrg(t, s, "A"), newOrg(t, s, "B")
		f := newMktFixture(t, s, a)
		newMktFixture(t, s, b)
		ctx := f.ctx

		it, err := s.GetMktItem(ctx, a, f.item)
		if err != nil || len(it.Prices) != 2 || it.Prices[0] != (store.MktPrice{Term: "P1M", Currency: "EUR", UnitPrice: "24.19"}) {
			t.Fatalf("item %+v %v", it, err)
		}
		if _, err := s.CreateMktVendor(ctx, store.MktVendor{OrgID: a, ID: "VND-9999-9999", Name: "Adobe", Program: "general"}); domain.ErrorField(err) != "name" {
			t.Fatalf("duplicate vendor name: %v", err)
		}
		if _, err := s.GetMktItem(ctx, b, f.item); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("org B reads org A's item: %v", err)
		}

		agr, err := s.CreateMktAgreement(ctx, store.MktAgreement{OrgID: a, ID: "AGR-1000-2000-3000", BuyerID: f.buyer, ProductID: f.product,
			Name: "Creative Cloud for Acme", Status: "New", Currency: "EUR", PONumber: "PO-4711"})
		if err != nil {
			t.Fatal(err)
		}
		day := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
		renews := day.AddDate(1, 0, 0)
		sub, err := s.CreateMktSubscription(ctx, store.MktSubscription{OrgID: a, ID: "SUB-1000-2000-3000", AgreementID: agr.ID, ItemID: f.item,
			Name: "Photoshop", Status: "Draft", Quantity: 5, Term: "P1Y", UnitPrice: "263.88", Currency: "EUR", AutoRenew: true,
			StartsOn: &day, RenewsOn: &renews})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.GetMktSubscription(ctx, a, sub.ID, false)
		if err != nil || got.Quantity != 5 || !got.RenewsOn.Equal(renews) || got.EndedOn != nil || !got.AutoRenew {
			t.Fatalf("subscription %+v %v", got, err)
		}
		renew := false
		po := "PO-2"
		o, err := s.CreateMktOrder(ctx, store.MktOrder{OrgID: a, ID: "ORD-1000-2000-3000-4000", AgreementID: agr.ID, Type: "Change",
			Status: "Draft", CreatedBy: "usr_1", Lines: []store.MktOrderLine{
				{Action: "change", ItemID: f.item, SubscriptionID: sub.ID, Quantity: 7, OldQuantity: 5, Term: "P1Y", UnitPrice: "263.88", AutoRenew: &renew, PONumber: &po},
				{Action: "new", ItemID: f.item, Quantity: 1, Term: "P1M", UnitPrice: "24.19"},
			}})
		if err != nil {
			t.Fatal(err)
		}
		ro, err := s.GetMktOrder(ctx, a, o.ID, false)
		if err != nil || len(ro.Lines) != 2 || ro.Lines[0].LineNo != 1 || *ro.Lines[0].AutoRenew || *ro.Lines[0].PONumber != "PO-2" ||
			ro.Lines[1].SubscriptionID != "" || ro.Lines[1].AutoRenew != nil || ro.Lines[1].PONumber != nil {
			t.Fatalf("order %+v %v", ro, err)
		}

		// Status: the expected from status guards against lost updates,
		// and every change is in the history.
		if err := s.SetMktStatus(ctx, a, store.MktStatusChange{ObjectType: store.MktAgreementObj, ObjectID: agr.ID, From: "New", To: "Provisioning", Actor: "ines"}); err != nil {
			t.Fatal(err)
		}
		err = s.SetMktStatus(ctx, a, store.MktStatusChange{ObjectType: store.MktAgreementObj, ObjectID: agr.ID, From: "New", To: "Draft", Actor: "x"})
		if domain.ErrorCode(err) != domain.CodeConflict {
			t.Fatalf("stale from status: %v", err)
		}
		if err := s.SetMktStatus(ctx, b, store.MktStatusChange{ObjectType: store.MktAgreementObj, ObjectID: agr.ID, From: "Provisioning", To: "Active"}); domain.ErrorCode(err) != domain.CodeConflict {
			t.Fatalf("org B moved org A's agreement: %v", err)
		}
		if err := s.SetMktStatus(ctx, a, store.MktStatusChange{ObjectType: store.MktAgreementObj, ObjectID: agr.ID, From: "Provisioning", To: "Active", Actor: "vendor", Note: "done"}); err != nil {
			t.Fatal(err)
		}
		h, err := s.MktHistory(ctx, a, agr.ID)
		if err != nil || len(h) != 2 || h[0].Seq != 1 || h[1].From != "Provisioning" || h[1].To != "Active" || h[1].Note != "done" {
			t.Fatalf("history %+v %v", h, err)
		}
		if h, _ := s.MktHistory(ctx, b, agr.ID); len(h) != 0 {
			t.Fatalf("org B reads org A's history: %+v", h)
		}
		if g, err := s.GetMktAgreement(ctx, a, agr.ID, true); err != nil || g.Status != "Active" || g.PONumber != "PO-4711" {
			t.Fatalf("agreement %+v %v", g, err)
		}

		list, err := s.ListMktAgreements(ctx, a, store.MktAgreementFilter{Query: "acme"})
		if err != nil || len(list) != 1 {
			t.Fatalf("search by name: %+v %v", list, err)
		}
		if list, _ := s.ListMktAgreements(ctx, a, store.MktAgreementFilter{Query: "PO-4711", Status: "Active"}); len(list) != 1 {
			t.Fatalf("search by PO: %+v", list)
		}
		if list, _ := s.ListMktAgreements(ctx, a, store.MktAgreementFilter{Query: "100%"}); len(list) != 0 {
			t.Fatalf("%% is literal: %+v", list)
		}
		due := renews.Add(time.Hour)
		if subs, err := s.ListMktSubscriptions(ctx, a, store.MktSubscriptionFilter{RenewsBy: &due}); err != nil || len(subs) != 1 {
			t.Fatalf("renewals due: %+v %v", subs, err)
		}
		if subs, _ := s.ListMktSubscriptions(ctx, a, store.MktSubscriptionFilter{RenewsBy: &day}); len(subs) != 0 {
			t.Fatalf("nothing due yet: %+v", subs)
		}
	})
}

func TestMarketplaceOrderQueueIsBySubmission(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := store.New(db)
		a := newOrg(t, s, "A")
		f := newMktFixture(t, s, a)
		ctx := f.ctx
		agr, err := s.CreateMktAgreement(ctx, store.MktAgreement{OrgID: a, ID: "AGR-1000-2000-3001", BuyerID: f.buyer, ProductID: f.product,
			Name: "CC", Status: "Active", Currency: "EUR"})
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
		mk := func(id, status string, submitted *time.Time) {
			var n int64
			if submitted != nil {
				var err error
				if n, err = s.NextMktQueueNo(ctx, a, agr.ID); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := s.CreateMktOrder(ctx, store.MktOrder{OrgID: a, ID: id, AgreementID: agr.ID, Type: "Change", Status: status,
				CreatedBy: "u", SubmittedAt: submitted, QueueNo: n}); err != nil {
				t.Fatal(err)
			}
		}
		// Submitted in this order (at one instant): 9, 2, 1 (completed).
		mk("ORD-0000-0000-0000-0001", "Completed", &t0)
		mk("ORD-0000-0000-0000-0009", "Processing", &t0)
		mk("ORD-0000-0000-0000-0002", "Querying", &t0)
		mk("ORD-0000-0000-0000-0004", "Quoted", nil)
		q, err := s.MktOrderQueue(ctx, a, agr.ID)
		if err != nil || len(q) != 2 || q[0].ID != "ORD-0000-0000-0000-0009" || q[1].ID != "ORD-0000-0000-0000-0002" || q[0].QueueNo != 2 {
			t.Fatalf("queue %+v %v", q, err)
		}
	})
}
