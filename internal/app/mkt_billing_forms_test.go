package app

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/marketplace"
)

// The Marketplace billing forms (issue invoices, mark paid) posted by
// another site through a signed-in operations user's browser are
// refused before any handler runs, and nothing changes; posted from the
// site itself they work.
func TestMarketplaceBillingFormsRefuseCrossSitePosts(t *testing.T) {
	a, srv := openServingApp(t)
	ctx := context.Background()
	addOwner(t, a, "mkt-owner@example.com", "correct horse battery staple 42")
	org := ownerOrg(t, a, "mkt-owner@example.com")
	sys, err := a.Auth.SystemPrincipal(ctx, org)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.seedDemoMarketplace(ctx, sys, time.Now()); err != nil {
		t.Fatal(err)
	}
	invs, err := a.Marketplace.Invoices(ctx, sys, marketplace.InvoiceFilter{})
	if err != nil || len(invs.Items) != 1 {
		t.Fatalf("seeded invoices %+v %v", invs.Items, err)
	}
	inv := invs.Items[0]
	c := signedInClient(t, srv.URL, "mkt-owner@example.com", "correct horse battery staple 42")
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	post := formPoster(t, c, srv.URL)
	paid := "/marketplace/invoices/" + inv.ID + "/paid"
	issue := url.Values{"issue_month": {inv.PeriodStart.Format("2006-01")}}
	for _, path := range []string{"/marketplace/invoices", paid} {
		for _, hdr := range []map[string]string{{"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}} {
			if code := post(path, issue, hdr); code != http.StatusForbidden {
				t.Errorf("cross-site POST %s %v: %d, want 403", path, hdr, code)
			}
		}
	}
	if got, _ := a.Store.GetMktInvoice(ctx, org, inv.ID); got.Status != "Issued" {
		t.Fatalf("after forged posts the invoice is %s", got.Status)
	}
	if code := post(paid, url.Values{}, map[string]string{"Sec-Fetch-Site": "same-origin"}); code != http.StatusSeeOther {
		t.Fatalf("same-origin mark paid: %d, want 303", code)
	}
	if got, _ := a.Store.GetMktInvoice(ctx, org, inv.ID); got.Status != "Paid" {
		t.Fatalf("after marking paid the invoice is %s", got.Status)
	}
}
