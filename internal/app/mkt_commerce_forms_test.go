package app

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/marketplace"
	"github.com/canopyhq/canopy/internal/store"
)

// A signed-in buyer's browser tricked by another site into posting the
// Marketplace commerce forms is refused before any handler runs (Go's
// CrossOriginProtection is the UI's CSRF defence) and nothing is
// ordered; the same form posted from the site itself places the order.
func TestMktCommerceFormsRefuseCrossSitePosts(t *testing.T) {
	a, srv := openServingApp(t)
	addOwner(t, a, "mkt-owner@example.com", "correct horse battery staple 42")
	ctx := context.Background()
	org := ownerOrg(t, a, "mkt-owner@example.com")
	u, err := a.Store.GetUserByEmail(ctx, "mkt-owner@example.com")
	if err != nil {
		t.Fatal(err)
	}
	p, err := a.Auth.LoadPrincipal(ctx, u.ID, org)
	if err != nil {
		t.Fatal(err)
	}
	who := audit.Actor{Email: u.Email}
	buyer, err := a.Marketplace.CreateBuyer(ctx, p, who, marketplace.BuyerInput{Name: "Contoso", Currency: "USD"})
	if err != nil {
		t.Fatal(err)
	}
	v, err := a.Marketplace.CreateVendor(ctx, p, who, marketplace.VendorInput{Name: "Atlassian", Program: "general"})
	if err != nil {
		t.Fatal(err)
	}
	pr, err := a.Marketplace.CreateProduct(ctx, p, who, marketplace.ProductInput{VendorID: v.ID, Name: "Jira"})
	if err != nil {
		t.Fatal(err)
	}
	it, err := a.Marketplace.CreateItem(ctx, p, who, marketplace.ItemInput{ProductID: pr.ID, Name: "Jira Standard", SKU: "JIRA-STD",
		Prices: []marketplace.Price{{Term: "P1M", Currency: "USD", UnitPrice: "8.15"}}})
	if err != nil {
		t.Fatal(err)
	}
	c := signedInClient(t, srv.URL, u.Email, "correct horse battery staple 42")
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	post := formPoster(t, c, srv.URL)
	buy := url.Values{"item": {it.ID}, "buyer_id": {buyer.ID}, "quantity": {"3"}, "term": {"P1M"}}
	for _, path := range []string{"/marketplace/buy", "/marketplace/orders/ORD-x/cancel", "/marketplace/orders/ORD-x/answer",
		"/marketplace/orders/ORD-x/submit", "/marketplace/orders/ORD-x/decide", "/marketplace/subscriptions/SUB-x/po",
		"/marketplace/subscriptions/SUB-x/change", "/marketplace/subscriptions/SUB-x/terminate", "/marketplace/agreements/AGR-x/po"} {
		for _, hdr := range []map[string]string{{"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}} {
			if code := post(path, buy, hdr); code != http.StatusForbidden {
				t.Errorf("cross-site POST %s %v: %d, want 403", path, hdr, code)
			}
		}
	}
	if list, err := a.Store.ListMktOrders(ctx, org, store.MktOrderFilter{}); err != nil || len(list) != 0 {
		t.Fatalf("orders after forged posts: %v %v", list, err)
	}
	if code := post("/marketplace/buy", buy, map[string]string{"Sec-Fetch-Site": "same-origin"}); code != http.StatusSeeOther {
		t.Fatalf("same-origin POST: %d, want 303", code)
	}
	if list, err := a.Store.ListMktOrders(ctx, org, store.MktOrderFilter{}); err != nil || len(list) != 1 {
		t.Fatalf("orders after the real post: %v %v", list, err)
	}
}
