package app

import (
	"context"
	"net/http"
	"net/url"
	"testing"
)

// The Manage catalog forms refuse posts another site makes a signed-in
// operations user's browser send (CrossOriginProtection), and nothing
// changes; the same form posted from the site itself works.
func TestManageCatalogFormsRefuseCrossSitePosts(t *testing.T) {
	a, srv := openServingApp(t)
	addOwner(t, a, "mkt-owner@example.com", "correct horse battery staple 42")
	c := signedInClient(t, srv.URL, "mkt-owner@example.com", "correct horse battery staple 42")
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	post := formPoster(t, c, srv.URL)
	vendor := url.Values{"name": {"Forged vendor"}, "program": {"general"}}
	for _, path := range []string{"/marketplace/manage/vendors", "/marketplace/manage/buyers", "/marketplace/manage/products",
		"/marketplace/manage/items", "/marketplace/manage/listings", "/marketplace/manage/vendors/VND-0000-0000/api",
		"/marketplace/manage/items/ITM-0000-0000-0000/sale", "/marketplace/manage/items/ITM-0000-0000-0000",
		"/marketplace/manage/products/PRD-0000-0000"} {
		for _, hdr := range []map[string]string{{"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}} {
			if code := post(path, vendor, hdr); code != http.StatusForbidden {
				t.Errorf("cross-site POST %s %v: %d, want 403", path, hdr, code)
			}
		}
	}
	org := ownerOrg(t, a, "mkt-owner@example.com")
	if vs, err := a.Store.ListMktVendors(context.Background(), org); err != nil || len(vs) != 0 {
		t.Fatalf("vendors after forged posts: %+v %v", vs, err)
	}
	if code := post("/marketplace/manage/vendors", vendor, map[string]string{"Sec-Fetch-Site": "same-origin"}); code != http.StatusSeeOther {
		t.Fatalf("same-origin POST: %d, want 303", code)
	}
	if vs, _ := a.Store.ListMktVendors(context.Background(), org); len(vs) != 1 {
		t.Fatalf("vendors after the same-origin post: %+v", vs)
	}
}
