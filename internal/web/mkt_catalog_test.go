package web_test

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/keyvault"
	"github.com/canopyhq/canopy/internal/marketplace"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// addBuyerUser adds a member with the built-in Buyer role to org.
func (f *fixture) addBuyerUser(org, email string) {
	f.t.Helper()
	ctx := context.Background()
	hash, err := auth.HashPassword(f.passwd)
	if err != nil {
		f.t.Fatal(err)
	}
	now := domain.Now()
	u := domain.User{ID: domain.NewID(domain.PrefixUser), Email: email, PasswordHash: hash, Status: domain.UserActive, CreatedAt: now, UpdatedAt: now}
	if err := f.st.CreateUser(ctx, u); err != nil {
		f.t.Fatal(err)
	}
	f.users[email] = u
	if err := f.st.AddMember(ctx, f.orgs[org].ID, u.ID, []domain.RoleGrant{{Role: auth.RoleBuyer}}, now); err != nil {
		f.t.Fatal(err)
	}
}

// withMarketplace gives the UI a marketplace service that can seal
// vendor API keys.
func (f *fixture) withMarketplace() {
	f.t.Helper()
	kv, err := keyvault.OpenLocal(filepath.Join(f.t.TempDir(), "mkt.key"))
	if err != nil {
		f.t.Fatal(err)
	}
	svc := marketplace.New(f.st, nil)
	svc.Seal = func(p, aad string) (string, error) { return keyvault.SealString(kv, p, aad) }
	f.ui.Marketplace = svc
}

func wantPage(t *testing.T, what, body string, want ...string) {
	t.Helper()
	for _, s := range want {
		if !strings.Contains(body, s) {
			t.Errorf("%s: page lacks %q", what, s)
		}
	}
}

// Operations build a catalog in Manage catalog: bad input is shown next
// to its field and stores nothing; buyers and viewers may not even look.
func TestMarketplaceManagePages(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.withMarketplace()
		f.addBuyerUser("A", "buyer-a@example.com")
		ctx, org := context.Background(), f.orgs["A"].ID
		owner := f.client("owner-a@example.com")

		code, page := f.do(owner, "GET", "/marketplace/manage", nil)
		if code != http.StatusOK {
			t.Fatalf("manage page: %d", code)
		}
		wantPage(t, "empty", page, "No vendors yet.", `aria-current="page">Manage catalog`, `action="/marketplace/manage/vendors"`)
		for _, email := range []string{"viewer-a@example.com", "buyer-a@example.com"} {
			c := f.client(email)
			if code, body := f.do(c, "GET", "/marketplace/manage", nil); code != http.StatusForbidden || !strings.Contains(body, "You do not have permission") {
				t.Errorf("%s opens Manage catalog: %d", email, code)
			}
			if code, _, _ := f.post(c, "/marketplace/manage/vendors", url.Values{"name": {"Sneaky"}, "program": {"general"}}); code != http.StatusForbidden {
				t.Errorf("%s adds a vendor: %d", email, code)
			}
		}

		code, _, body := f.post(owner, "/marketplace/manage/vendors", url.Values{"name": {"  "}, "program": {"adobe-vip"}})
		if code != http.StatusBadRequest {
			t.Fatalf("vendor without a name: %d", code)
		}
		wantPage(t, "vendor without a name", body, `id="vendor-name-error"`, "name is required", `value="adobe-vip" selected`)
		if vs, _ := f.st.ListMktVendors(ctx, org); len(vs) != 0 {
			t.Fatalf("a refused vendor was stored: %+v", vs)
		}
		code, loc, _ := f.post(owner, "/marketplace/manage/vendors", url.Values{"name": {"Adobe"}, "program": {"adobe-vip"}})
		if code != http.StatusSeeOther || loc != "/marketplace/manage#vendors" {
			t.Fatalf("add vendor: %d %s", code, loc)
		}
		vs, err := f.st.ListMktVendors(ctx, org)
		if err != nil || len(vs) != 1 || vs[0].Program != "adobe-vip" {
			t.Fatalf("vendors %+v %v", vs, err)
		}
		vendor := vs[0].ID

		apiPath := "/marketplace/manage/vendors/" + vendor + "/api"
		code, _, body = f.post(owner, apiPath, url.Values{"url": {"http://vendor.example/api"}, "api_key": {"k-123"}})
		if code != http.StatusBadRequest {
			t.Fatalf("plain-http ordering system: %d", code)
		}
		wantPage(t, "plain-http ordering system", body, `id="api-url-`+vendor+`-error"`, "over https://", `<details open>`)
		code, _, _ = f.post(owner, apiPath, url.Values{"url": {"https://vendor.example/api"}, "api_key": {"secret-key-4711"}})
		if code != http.StatusSeeOther {
			t.Fatalf("connect: %d", code)
		}
		_, page = f.do(owner, "GET", "/marketplace/manage", nil)
		wantPage(t, "connected", page, "Ordering system connected. The API key is stored sealed", `Connected</span> since `, "https://vendor.example/api")
		if strings.Contains(page, "secret-key-4711") {
			t.Fatal("the page shows the vendor's API key")
		}
		if v, _ := f.st.GetMktVendor(ctx, org, vendor); v.APIKey == "" || strings.Contains(v.APIKey, "secret-key-4711") || v.APISetAt == nil {
			t.Fatalf("stored vendor %+v", v)
		}

		code, _, body = f.post(owner, "/marketplace/manage/buyers", url.Values{"name": {"Acme GmbH"}, "currency": {"EURO"}})
		if code != http.StatusBadRequest {
			t.Fatalf("buyer with a bad currency: %d", code)
		}
		wantPage(t, "bad currency", body, `id="buyer-currency-error"`, `value="Acme GmbH"`)
		if code, _, _ = f.post(owner, "/marketplace/manage/buyers", url.Values{"name": {"Acme GmbH"}, "currency": {"eur"}}); code != http.StatusSeeOther {
			t.Fatalf("add buyer: %d", code)
		}
		bs, _ := f.st.ListMktBuyers(ctx, org)
		if len(bs) != 1 || bs[0].Currency != "EUR" {
			t.Fatalf("buyers %+v", bs)
		}
		buyer := bs[0].ID

		if code, _, _ = f.post(owner, "/marketplace/manage/products", url.Values{"vendor_id": {vendor}, "name": {"Creative Cloud"}, "listed": {"on"}}); code != http.StatusSeeOther {
			t.Fatalf("add listed product: %d", code)
		}
		if code, _, _ = f.post(owner, "/marketplace/manage/products", url.Values{"vendor_id": {vendor}, "name": {"Acrobat Sign"}}); code != http.StatusSeeOther {
			t.Fatalf("add unlisted product: %d", code)
		}
		code, _, body = f.post(owner, "/marketplace/manage/products", url.Values{"vendor_id": {"VND-0000-0000"}, "name": {"Ghost"}})
		if code != http.StatusBadRequest {
			t.Fatalf("product of no vendor: %d", code)
		}
		wantPage(t, "product of no vendor", body, `id="product-vendor-error"`)
		ps, _ := f.st.ListMktProducts(ctx, org)
		if len(ps) != 2 {
			t.Fatalf("products %+v", ps)
		}
		sign, cc := ps[0], ps[1] // by name
		_, page = f.do(owner, "GET", "/marketplace/manage", nil)
		wantPage(t, "products", page, `id="product-`+sign.ID+`"`, "Not listed", "Every buyer")

		item := url.Values{"product_id": {cc.ID}, "name": {"Photoshop"}, "sku": {"PS-1"}, "price_term": {"P1Y", "P1M", "P1M"},
			"price_currency": {"EUR", "EUR", ""}, "price_amount": {"263.88", "abc", ""}}
		code, _, body = f.post(owner, "/marketplace/manage/items", item)
		if code != http.StatusBadRequest {
			t.Fatalf("item with a bad price: %d", code)
		}
		wantPage(t, "bad price", body, `id="item-prices-error"`, `price 2: unit price &#34;abc&#34;`, `value="PS-1"`, `value="263.88"`)
		item["price_amount"] = []string{"263.88", "24.19", ""}
		if code, loc, _ = f.post(owner, "/marketplace/manage/items", item); code != http.StatusSeeOther || loc != "/marketplace/manage#items" {
			t.Fatalf("add item: %d %s", code, loc)
		}
		its, _ := f.st.ListMktItems(ctx, org, cc.ID)
		if len(its) != 1 || len(its[0].Prices) != 2 {
			t.Fatalf("items %+v", its)
		}

		code, _, body = f.post(owner, "/marketplace/manage/listings", url.Values{"product_id": {cc.ID}, "buyer_id": {buyer}, "enabled": {"false"}})
		if code != http.StatusBadRequest {
			t.Fatalf("unlist for one buyer a product every buyer may buy: %d", code)
		}
		wantPage(t, "unlist for one buyer", body, `id="listing-buyer-error"`, "Creative Cloud is listed for every buyer")
		if code, _, _ = f.post(owner, "/marketplace/manage/listings", url.Values{"product_id": {sign.ID}, "buyer_id": {buyer}, "enabled": {"true"}}); code != http.StatusSeeOther {
			t.Fatalf("list for a buyer: %d", code)
		}
		if ok, _ := f.st.MktListedFor(ctx, org, sign.ID, buyer); !ok {
			t.Fatal("the listing was not stored")
		}
		_, page = f.do(owner, "GET", "/marketplace/manage", nil)
		wantPage(t, "listed", page, "Listing saved: the product can now be bought.", `<td>Acme GmbH</td>`)

		if code, _, _ = f.post(owner, "/marketplace/manage/items/"+its[0].ID+"/sale", url.Values{"on_sale": {"false"}}); code != http.StatusSeeOther {
			t.Fatalf("take off sale: %d", code)
		}
		if it, _ := f.st.GetMktItem(ctx, org, its[0].ID); it.DisabledAt == nil {
			t.Fatal("the item is still on sale")
		}
		_, page = f.do(owner, "GET", "/marketplace/manage", nil)
		wantPage(t, "off sale", page, "Photoshop is no longer sold. Running subscriptions of it go on.", "Off sale", "Put back on sale")

		code, _, body = f.post(owner, "/marketplace/manage/products/"+cc.ID, url.Values{"name": {""}, "category": {"Design"}})
		if code != http.StatusBadRequest {
			t.Fatalf("rename to nothing: %d", code)
		}
		wantPage(t, "rename to nothing", body, `id="pe-name-`+cc.ID+`-error"`, `value="Design"`)
		if code, loc, _ = f.post(owner, "/marketplace/manage/products/"+cc.ID, url.Values{"name": {"Creative Cloud Pro"}}); code != http.StatusSeeOther || loc != "/marketplace/manage#product-"+cc.ID {
			t.Fatalf("rename: %d %s", code, loc)
		}
		if p, _ := f.st.GetMktProduct(ctx, org, cc.ID); p.Name != "Creative Cloud Pro" {
			t.Fatalf("renamed product %+v", p)
		}
		reprice := url.Values{"name": {"Photoshop"}, "price_term": {"P1Y", "P1M"}, "price_currency": {"EUR", ""}, "price_amount": {"0", ""}}
		code, _, body = f.post(owner, "/marketplace/manage/items/"+its[0].ID, reprice)
		if code != http.StatusBadRequest {
			t.Fatalf("reprice to zero: %d", code)
		}
		wantPage(t, "reprice to zero", body, `id="ie-prices-`+its[0].ID+`-error"`, "is not a positive decimal number")
		reprice["price_amount"] = []string{"299.00", ""}
		if code, _, _ = f.post(owner, "/marketplace/manage/items/"+its[0].ID, reprice); code != http.StatusSeeOther {
			t.Fatalf("reprice: %d", code)
		}
		if it, _ := f.st.GetMktItem(ctx, org, its[0].ID); len(it.Prices) != 1 || it.Prices[0].UnitPrice != "299.00" {
			t.Fatalf("repriced item %+v", it)
		}

		ownerB := f.client("owner-b@example.com")
		if code, _, _ := f.post(ownerB, "/marketplace/manage/products/"+cc.ID, url.Values{"name": {"Mine"}}); code != http.StatusNotFound {
			t.Errorf("org B renames org A's product: %d", code)
		}
		if code, _, _ := f.post(ownerB, "/marketplace/manage/items/"+its[0].ID+"/sale", url.Values{"on_sale": {"true"}}); code != http.StatusNotFound {
			t.Errorf("org B puts org A's item on sale: %d", code)
		}
		if code, _, _ := f.post(ownerB, apiPath, url.Values{}); code != http.StatusNotFound {
			t.Errorf("org B disconnects org A's vendor: %d", code)
		}
		if _, page := f.do(ownerB, "GET", "/marketplace/manage", nil); strings.Contains(page, "Creative Cloud") || strings.Contains(page, "Acme GmbH") {
			t.Error("org B sees org A's catalog")
		}
	})
}
