package marketplace_test

import (
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/marketplace"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

func ids[T any](list []T, id func(T) string) []string {
	var out []string
	for _, v := range list {
		out = append(out, id(v))
	}
	return out
}

// A buyer buys only products listed for it or for every buyer; the
// catalog as the buyer sees it shows just those.
func TestAProductIsBoughtOnlyWhereListed(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		other, err := h.svc.CreateBuyer(h.ctx, h.ops, h.who, marketplace.BuyerInput{Name: "Acme Ltd", Currency: "EUR"})
		h.must(err)
		acro, err := h.svc.CreateProduct(h.ctx, h.ops, h.who, marketplace.ProductInput{VendorID: h.adobe.ID, Name: "Acrobat Sign", Unlisted: true})
		h.must(err)
		sign := h.item(acro.ID, "Sign Business", "SIGN-1", marketplace.Price{Term: "P1Y", Currency: "EUR", UnitPrice: "120"})
		buy := func(buyer, item string) error {
			_, err := h.svc.Purchase(h.ctx, h.buyer, h.who, marketplace.OrderInput{BuyerID: buyer,
				Lines: []marketplace.LineInput{{ItemID: item, Term: "P1Y", Quantity: 1}}})
			return err
		}
		err = buy(h.buyerID, sign.ID)
		if domain.ErrorField(err) != "lines" || !strings.Contains(domain.ErrorMessage(err), "Acrobat Sign is not listed for buyer Acme GmbH") {
			t.Fatalf("buying an unlisted product: %v", err)
		}
		if _, err := h.svc.SetListing(h.ctx, h.buyer, h.who, marketplace.ListingInput{ProductID: acro.ID, BuyerID: h.buyerID, Enabled: true}); domain.ErrorCode(err) != domain.CodeForbidden {
			t.Fatalf("a buyer lists a product: %v", err)
		}
		_, err = h.svc.SetListing(h.ctx, h.ops, h.who, marketplace.ListingInput{ProductID: acro.ID, BuyerID: h.buyerID, Enabled: true})
		h.must(err)
		h.must(buy(h.buyerID, sign.ID))
		if err := buy(other.ID, sign.ID); domain.ErrorField(err) != "lines" || !strings.Contains(domain.ErrorMessage(err), "buyer Acme Ltd") {
			t.Fatalf("another buyer buys a product listed for one: %v", err)
		}

		c, err := h.svc.CatalogFor(h.ctx, h.viewer, other.ID)
		h.must(err)
		if got := ids(c.Products, func(p marketplace.Product) string { return p.Name }); strings.Join(got, ",") != "Creative Cloud,Microsoft 365" {
			t.Fatalf("Acme Ltd's products %v", got)
		}
		if len(c.Buyers) != 1 || c.Buyers[0].ID != other.ID || len(c.Items) != 3 {
			t.Fatalf("Acme Ltd's catalog %+v", c)
		}
		if c, err = h.svc.CatalogFor(h.ctx, h.viewer, h.buyerID); err != nil || len(c.Products) != 3 || len(c.Items) != 4 {
			t.Fatalf("Acme GmbH's catalog %+v %v", c, err)
		}
		if _, err := h.svc.CatalogFor(h.ctx, h.viewer, "buy_nobody"); domain.ErrorField(err) != "buyer_id" {
			t.Fatalf("catalog of no buyer: %v", err)
		}

		// unlisting for every buyer stops new purchases, not running agreements
		cc := h.photoshop.ProductID
		_, err = h.svc.SetListing(h.ctx, h.ops, h.who, marketplace.ListingInput{ProductID: cc, BuyerID: h.buyerID, Enabled: false})
		if domain.ErrorField(err) != "buyer_id" || !strings.Contains(domain.ErrorMessage(err), "listed for every buyer") {
			t.Fatalf("unlisting for one buyer what every buyer may buy: %v", err)
		}
		running := h.completedPurchase(h.photoshop, "P1Y", 2)
		_, err = h.svc.SetListing(h.ctx, h.ops, h.who, marketplace.ListingInput{ProductID: cc, Enabled: false})
		h.must(err)
		if err := buy(h.buyerID, h.photoshop.ID); domain.ErrorField(err) != "lines" {
			t.Fatalf("buying a product unlisted for every buyer: %v", err)
		}
		_, err = h.svc.Change(h.ctx, h.buyer, h.who, running.AgreementID, marketplace.OrderInput{Submit: true,
			Lines: []marketplace.LineInput{{SubscriptionID: running.Lines[0].SubscriptionID, Quantity: 3}}})
		h.must(err)
		ls, err := h.svc.Listings(h.ctx, h.viewer)
		h.must(err)
		// Creative Cloud for every buyer (now off), Microsoft 365 for every buyer, Acrobat Sign for Acme GmbH
		if len(ls) != 3 {
			t.Fatalf("listings %+v", ls)
		}
		for _, l := range ls {
			if want := l.ProductID != cc; l.Enabled != want || (l.ProductID == acro.ID) != (l.BuyerID == h.buyerID) {
				t.Errorf("listing %+v", l)
			}
		}
		if _, err := h.svc.SetListing(h.ctx, h.ops, h.who, marketplace.ListingInput{ProductID: "PRD-0000-0000"}); domain.ErrorField(err) != "product_id" {
			t.Fatalf("listing no product: %v", err)
		}
		if _, err := h.svc.SetListing(h.ctx, h.ops, h.who, marketplace.ListingInput{ProductID: cc, BuyerID: "buy_nobody", Enabled: true}); domain.ErrorField(err) != "buyer_id" {
			t.Fatalf("listing for no buyer: %v", err)
		}
	})
}

// A quote saved while a product was listed cannot be submitted once it
// is not.
func TestAQuoteOfAnUnlistedProductIsNotSubmitted(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		q, err := h.svc.Purchase(h.ctx, h.buyer, h.who, marketplace.OrderInput{BuyerID: h.buyerID,
			Lines: []marketplace.LineInput{{ItemID: h.m365E3.ID, Term: "P1M", Quantity: 5}}})
		h.must(err)
		_, err = h.svc.SetListing(h.ctx, h.ops, h.who, marketplace.ListingInput{ProductID: h.m365E3.ProductID, Enabled: false})
		h.must(err)
		if _, err := h.svc.Submit(h.ctx, h.buyer, h.who, q.ID); domain.ErrorCode(err) != domain.CodeConflict ||
			!strings.Contains(domain.ErrorMessage(err), "Microsoft 365 is not listed for buyer Acme GmbH") {
			t.Fatalf("submitting the quote of an unlisted product: %v", err)
		}
	})
}

// An item off sale cannot be bought, but its running subscriptions go
// on; new prices apply to new purchases only; products are renamed.
func TestCatalogChanges(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		running := h.completedPurchase(h.photoshop, "P1Y", 2)
		if _, err := h.svc.SetItemOnSale(h.ctx, h.buyer, h.who, h.photoshop.ID, false); domain.ErrorCode(err) != domain.CodeForbidden {
			t.Fatalf("a buyer takes an item off sale: %v", err)
		}
		off, err := h.svc.SetItemOnSale(h.ctx, h.ops, h.who, h.photoshop.ID, false)
		h.must(err)
		if off.DisabledAt == nil || !off.DisabledAt.Equal(h.clock) {
			t.Fatalf("item off sale %+v", off)
		}
		_, err = h.svc.Purchase(h.ctx, h.buyer, h.who, marketplace.OrderInput{BuyerID: h.buyerID,
			Lines: []marketplace.LineInput{{ItemID: h.photoshop.ID, Term: "P1Y", Quantity: 1}}})
		if domain.ErrorField(err) != "lines" || !strings.Contains(domain.ErrorMessage(err), "Photoshop (SKU 65304520CA01A12) is no longer sold") {
			t.Fatalf("buying an item off sale: %v", err)
		}
		sub := running.Lines[0].SubscriptionID
		_, err = h.svc.Change(h.ctx, h.buyer, h.who, running.AgreementID, marketplace.OrderInput{Submit: true,
			Lines: []marketplace.LineInput{{ItemID: h.photoshop.ID, Term: "P1Y", Quantity: 1}}})
		if domain.ErrorField(err) != "lines" {
			t.Fatalf("adding an item off sale to an agreement: %v", err)
		}
		ch, err := h.svc.Change(h.ctx, h.buyer, h.who, running.AgreementID, marketplace.OrderInput{Submit: true,
			Lines: []marketplace.LineInput{{SubscriptionID: sub, Quantity: 4}}})
		h.must(err)
		h.decide(ch.ID, "completed", "")
		if o := h.poll(ch.ID); o.Status != "Completed" || h.sub(sub).Quantity != 4 {
			t.Fatalf("change of a subscription of an item off sale: %+v", o)
		}
		c, err := h.svc.CatalogFor(h.ctx, h.viewer, h.buyerID)
		h.must(err)
		for _, it := range c.Items {
			if it.ID == h.photoshop.ID {
				t.Fatal("the buyer's catalog shows an item off sale")
			}
		}
		if _, err = h.svc.SetItemOnSale(h.ctx, h.ops, h.who, h.photoshop.ID, true); err != nil {
			t.Fatal(err)
		}

		_, err = h.svc.UpdateItem(h.ctx, h.ops, h.who, h.photoshop.ID, marketplace.ItemUpdate{Name: "Photoshop"})
		if domain.ErrorField(err) != "prices" {
			t.Fatalf("an item without prices: %v", err)
		}
		_, err = h.svc.UpdateItem(h.ctx, h.ops, h.who, h.photoshop.ID, marketplace.ItemUpdate{Name: "Photoshop",
			Prices: []marketplace.Price{{Term: "P1Y", Currency: "EUR", UnitPrice: "abc"}}})
		if domain.ErrorField(err) != "prices" || !strings.Contains(domain.ErrorMessage(err), `price 1: unit price "abc"`) {
			t.Fatalf("a bad price: %v", err)
		}
		it, err := h.svc.UpdateItem(h.ctx, h.ops, h.who, h.photoshop.ID, marketplace.ItemUpdate{Name: "Photoshop 2027",
			Prices: []marketplace.Price{{Term: "P1Y", Currency: "EUR", UnitPrice: "299.00"}}})
		h.must(err)
		if it.Name != "Photoshop 2027" || it.SKU != h.photoshop.SKU || len(it.Prices) != 1 || it.Prices[0].UnitPrice != "299.00" {
			t.Fatalf("updated item %+v", it)
		}
		if s := h.sub(sub); s.UnitPrice != "263.88" {
			t.Fatalf("a running subscription's price changed to %s", s.UnitPrice)
		}
		o := h.buy(it, "P1Y", 1)
		if o.Lines[0].UnitPrice != "299.00" {
			t.Fatalf("a new purchase's price %s", o.Lines[0].UnitPrice)
		}

		pr, err := h.svc.UpdateProduct(h.ctx, h.ops, h.who, h.photoshop.ProductID, marketplace.ProductUpdate{Name: "Creative Cloud Pro", Category: "Design"})
		h.must(err)
		if pr.Name != "Creative Cloud Pro" || pr.VendorID != h.adobe.ID {
			t.Fatalf("renamed product %+v", pr)
		}
		if _, err := h.svc.UpdateProduct(h.ctx, h.ops, h.who, h.photoshop.ProductID, marketplace.ProductUpdate{Name: "  "}); domain.ErrorField(err) != "name" {
			t.Fatalf("an empty product name: %v", err)
		}
		other := newHarness(t, db)
		if _, err := other.svc.UpdateProduct(other.ctx, other.ops, other.who, h.photoshop.ProductID, marketplace.ProductUpdate{Name: "Mine"}); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("another org renames our product: %v", err)
		}
		if _, err := other.svc.SetItemOnSale(other.ctx, other.ops, other.who, h.photoshop.ID, false); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("another org takes our item off sale: %v", err)
		}
	})
}
