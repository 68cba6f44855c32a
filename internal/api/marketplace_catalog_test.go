package api_test

import (
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

type mktCatalogJSON struct {
	Products []struct {
		ID, Name string
	} `json:"products"`
	Items []struct {
		ID     string `json:"id"`
		OnSale bool   `json:"on_sale"`
	} `json:"items"`
	Buyers []struct {
		ID string `json:"id"`
	} `json:"buyers"`
	Listings []struct {
		ProductID string  `json:"product_id"`
		BuyerID   *string `json:"buyer_id"`
		Enabled   bool    `json:"enabled"`
	} `json:"listings"`
}

// Operations list a product for one buyer, take an item off sale,
// reprice it and rename the product; buyers buy only what is listed for
// them and on sale, and see only that in their catalog.
func TestCatalogManagementThroughTheAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tok, viewer := f.a.ownerToken, f.a.viewerToken
		vendor, _, _, buyer := mktIDs("alpha")
		res := f.do("POST", "/api/v1/catalog/products", tok, `{"vendor_id":"`+vendor+`","name":"Acrobat Sign","unlisted":true}`)
		res.wantStatus(t, "create an unlisted product", 201)
		product := res.json(t)["id"].(string)
		res = f.do("POST", "/api/v1/catalog/items", tok, `{"product_id":"`+product+`","name":"Sign Business","sku":"SIGN-1","prices":[{"term":"P1Y","currency":"EUR","unit_price":"120"}]}`)
		res.wantStatus(t, "create item", 201)
		item := res.json(t)["id"].(string)
		purchase := `{"type":"Purchase","buyer_id":"` + buyer + `","submit":false,"lines":[{"item_id":"` + item + `","term":"P1Y","quantity":2}]}`
		e := f.do("POST", "/api/v1/commerce/orders", tok, purchase).wantError(t, "buy an unlisted product", 400, domain.CodeInvalid)
		if e.Error.Field != "lines" || !strings.Contains(e.Error.Message, "Acrobat Sign is not listed for buyer Buyer alpha") {
			t.Fatalf("error %+v", e.Error)
		}
		var cat mktCatalogJSON
		res = f.do("GET", "/api/v1/catalog?buyer_id="+buyer, viewer, nil)
		res.wantStatus(t, "the buyer's catalog", 200)
		decodeInto(t, res, &cat)
		if len(cat.Products) != 1 || cat.Products[0].ID == product || len(cat.Buyers) != 1 || len(cat.Items) != 1 {
			t.Fatalf("the buyer's catalog before listing %+v", cat)
		}
		f.do("GET", "/api/v1/catalog?buyer_id=buy_nobody", viewer, nil).wantError(t, "catalog of no buyer", 400, domain.CodeInvalid)

		listing := `{"product_id":"` + product + `","buyer_id":"` + buyer + `","enabled":true}`
		f.do("PUT", "/api/v1/catalog/listings", viewer, listing).wantError(t, "viewer lists", 403, domain.CodeForbidden)
		res = f.do("PUT", "/api/v1/catalog/listings", tok, listing)
		res.wantStatus(t, "list for the buyer", 200)
		if got := res.json(t); got["buyer_id"] != buyer || got["enabled"] != true || !strings.HasPrefix(got["id"].(string), "LST-") {
			t.Fatalf("listing %v", got)
		}
		e = f.do("PUT", "/api/v1/catalog/listings", tok, `{"product_id":"PRD-0001-0001","buyer_id":"`+buyer+`","enabled":false}`).
			wantError(t, "unlist for one buyer what every buyer may buy", 400, domain.CodeInvalid)
		if e.Error.Field != "buyer_id" {
			t.Fatalf("error %+v", e.Error)
		}
		res = f.do("GET", "/api/v1/catalog/listings", viewer, nil)
		res.wantStatus(t, "listings", 200)
		var ls struct{ Items []map[string]any }
		decodeInto(t, res, &ls)
		everyBuyer := 0
		for _, l := range ls.Items {
			if l["buyer_id"] == nil {
				everyBuyer++
			} else if l["buyer_id"] != buyer || l["product_id"] != product {
				t.Errorf("listing %v", l)
			}
		}
		if len(ls.Items) != 2 || everyBuyer != 1 {
			t.Fatalf("listings %+v", ls)
		}
		f.do("POST", "/api/v1/commerce/orders", tok, purchase).wantStatus(t, "buy a listed product", 201)

		f.do("PUT", "/api/v1/catalog/items/"+item+"/on-sale", tok, `{}`).wantError(t, "on-sale without a value", 400, domain.CodeInvalid)
		f.do("PUT", "/api/v1/catalog/items/"+item+"/on-sale", viewer, `{"on_sale":false}`).wantError(t, "viewer takes off sale", 403, domain.CodeForbidden)
		res = f.do("PUT", "/api/v1/catalog/items/"+item+"/on-sale", tok, `{"on_sale":false}`)
		res.wantStatus(t, "take off sale", 200)
		if got := res.json(t); got["on_sale"] != false || got["disabled_at"] == nil {
			t.Fatalf("item off sale %v", got)
		}
		e = f.do("POST", "/api/v1/commerce/orders", tok, purchase).wantError(t, "buy an item off sale", 400, domain.CodeInvalid)
		if !strings.Contains(e.Error.Message, "Sign Business (SKU SIGN-1) is no longer sold") {
			t.Fatalf("error %+v", e.Error)
		}
		res = f.do("GET", "/api/v1/catalog?buyer_id="+buyer, viewer, nil)
		decodeInto(t, res, &cat)
		if len(cat.Products) != 2 || len(cat.Items) != 1 {
			t.Fatalf("the buyer's catalog with the item off sale %+v", cat)
		}

		f.do("PUT", "/api/v1/catalog/items/"+item, tok, `{"name":"Sign Business","prices":[]}`).wantError(t, "no prices", 400, domain.CodeInvalid)
		res = f.do("PUT", "/api/v1/catalog/items/"+item, tok, `{"name":"Sign Business 2027","prices":[{"term":"P1M","currency":"EUR","unit_price":"12.50"}]}`)
		res.wantStatus(t, "reprice", 200)
		if got := res.json(t); got["name"] != "Sign Business 2027" || got["sku"] != "SIGN-1" || got["on_sale"] != false {
			t.Fatalf("repriced item %v", got)
		}
		f.do("PUT", "/api/v1/catalog/products/"+product, tok, `{"name":""}`).wantError(t, "rename to nothing", 400, domain.CodeInvalid)
		res = f.do("PUT", "/api/v1/catalog/products/"+product, tok, `{"name":"Acrobat Sign Solutions","category":"Documents"}`)
		res.wantStatus(t, "rename", 200)
		if got := res.json(t); got["name"] != "Acrobat Sign Solutions" || got["category"] != "Documents" {
			t.Fatalf("renamed product %v", got)
		}
		f.do("PUT", "/api/v1/catalog/products/PRD-9999-9999", tok, `{"name":"x"}`).wantError(t, "rename no product", 404, domain.CodeNotFound)
	})
}
