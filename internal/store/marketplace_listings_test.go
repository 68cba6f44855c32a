package store_test

import (
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// A new product is listed for every buyer; listings are one per buyer
// (and one for every buyer) per product, set again in place, and stay
// in their organisation.
func TestMarketplaceListings(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := store.New(db)
		a, b := newOrg(t, s, "A"), newOrg(t, s, "B")
		f := newMktFixture(t, s, a)
		newMktFixture(t, s, b)
		ctx := f.ctx
		listed := func(product, buyer string) bool {
			t.Helper()
			ok, err := s.MktListedFor(ctx, a, product, buyer)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		ls, err := s.ListMktListings(ctx, a)
		if err != nil || len(ls) != 1 || ls[0].ProductID != f.product || ls[0].BuyerID != "" || !ls[0].Enabled || len(ls[0].ID) != len("LST-0000-0000-0000") {
			t.Fatalf("default listing %+v %v", ls, err)
		}
		if !listed(f.product, f.buyer) {
			t.Fatal("a new product is not listed for a buyer")
		}
		hidden, err := s.CreateMktProductUnlisted(ctx, store.MktProduct{OrgID: a, ID: "PRD-0002-0002", VendorID: f.vendor, Name: "Acrobat"})
		if err != nil {
			t.Fatal(err)
		}
		if listed(hidden.ID, f.buyer) {
			t.Fatal("an unlisted product is listed")
		}
		l, err := s.SetMktListing(ctx, store.MktListing{OrgID: a, ProductID: hidden.ID, BuyerID: f.buyer, Enabled: true})
		if err != nil || l.ID == "" || l.BuyerID != f.buyer || !l.Enabled {
			t.Fatalf("listing for a buyer %+v %v", l, err)
		}
		if !listed(hidden.ID, f.buyer) || listed(hidden.ID, "buy-other") {
			t.Fatal("a listing for one buyer covers the wrong buyers")
		}
		again, err := s.SetMktListing(ctx, store.MktListing{OrgID: a, ProductID: hidden.ID, BuyerID: f.buyer, Enabled: false})
		if err != nil || again.ID != l.ID || again.Enabled {
			t.Fatalf("setting a listing again %+v %v (first %+v)", again, err, l)
		}
		if listed(hidden.ID, f.buyer) {
			t.Fatal("a disabled listing still lists")
		}
		if _, err := s.SetMktListing(ctx, store.MktListing{OrgID: a, ProductID: f.product, Enabled: false}); err != nil {
			t.Fatal(err)
		}
		if listed(f.product, f.buyer) {
			t.Fatal("the product is listed after its every-buyer listing is disabled")
		}
		if ls, _ = s.ListMktListings(ctx, a); len(ls) != 2 {
			t.Fatalf("listings %+v", ls)
		}
		if ok, err := s.MktListedFor(ctx, b, hidden.ID, f.buyer); err != nil || ok {
			t.Fatalf("org B sees org A's listing: %v %v", ok, err)
		}
		if ls, _ = s.ListMktListings(ctx, b); len(ls) != 1 || ls[0].OrgID != b {
			t.Fatalf("org B's listings %+v", ls)
		}
	})
}

// Items are renamed and repriced, taken off sale and back; products are
// renamed; a vendor remembers when its ordering system was connected.
func TestMarketplaceCatalogChanges(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := store.New(db)
		a, b := newOrg(t, s, "A"), newOrg(t, s, "B")
		f := newMktFixture(t, s, a)
		fb := newMktFixture(t, s, b)
		ctx := f.ctx
		err := s.UpdateMktItem(ctx, store.MktItem{OrgID: a, ID: f.item, Name: "Photoshop Pro", Prices: []store.MktPrice{{Term: "P1M", Currency: "USD", UnitPrice: "30"}}})
		if err != nil {
			t.Fatal(err)
		}
		it, err := s.GetMktItem(ctx, a, f.item)
		if err != nil || it.Name != "Photoshop Pro" || len(it.Prices) != 1 || it.Prices[0].Currency != "USD" || it.DisabledAt != nil {
			t.Fatalf("updated item %+v %v", it, err)
		}
		if err := s.UpdateMktItem(ctx, store.MktItem{OrgID: b, ID: f.item, Name: "x"}); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("org B updates org A's item: %v", err)
		}
		off := time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)
		if err := s.SetMktItemDisabled(ctx, a, f.item, &off); err != nil {
			t.Fatal(err)
		}
		if it, _ = s.GetMktItem(ctx, a, f.item); it.DisabledAt == nil || !it.DisabledAt.Equal(off) {
			t.Fatalf("disabled item %+v", it)
		}
		if other, _ := s.GetMktItem(ctx, b, fb.item); other.DisabledAt != nil {
			t.Fatal("disabling an item touched another org's")
		}
		if err := s.SetMktItemDisabled(ctx, a, f.item, nil); err != nil {
			t.Fatal(err)
		}
		if items, _ := s.ListMktItems(ctx, a, ""); len(items) != 1 || items[0].DisabledAt != nil {
			t.Fatalf("item back on sale %+v", items)
		}
		if err := s.UpdateMktProduct(ctx, store.MktProduct{OrgID: a, ID: f.product, Name: "Creative Cloud Pro", Category: "Design"}); err != nil {
			t.Fatal(err)
		}
		if p, _ := s.GetMktProduct(ctx, a, f.product); p.Name != "Creative Cloud Pro" || p.Category != "Design" {
			t.Fatalf("renamed product %+v", p)
		}
		if _, err := s.CreateMktProduct(ctx, store.MktProduct{OrgID: a, ID: "PRD-0003-0003", VendorID: f.vendor, Name: "Acrobat"}); err != nil {
			t.Fatal(err)
		}
		if err := s.UpdateMktProduct(ctx, store.MktProduct{OrgID: a, ID: "PRD-0003-0003", Name: "Creative Cloud Pro"}); domain.ErrorField(err) != "name" {
			t.Fatalf("renaming onto another product's name: %v", err)
		}
		if err := s.SetMktVendorAPI(ctx, a, f.vendor, "https://vendor.example/api", "sealed"); err != nil {
			t.Fatal(err)
		}
		v, err := s.GetMktVendor(ctx, a, f.vendor)
		if err != nil || v.APISetAt == nil || time.Since(*v.APISetAt) > time.Hour || v.APIURL == "" {
			t.Fatalf("connected vendor %+v %v", v, err)
		}
		if err := s.SetMktVendorAPI(ctx, a, f.vendor, "", ""); err != nil {
			t.Fatal(err)
		}
		if v, _ = s.GetMktVendor(ctx, a, f.vendor); v.APISetAt != nil || v.APIKey != "" {
			t.Fatalf("disconnected vendor %+v", v)
		}
	})
}
