package api

import (
	"net/http"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/marketplace"
)

// catalogAdminRoutes manage the catalog after it is built: who may buy
// which product (listings), renamed products, repriced items and items
// taken off sale.
func (a *API) catalogAdminRoutes() []route {
	read, manage := auth.PermMarketplaceRead, auth.PermMarketplaceManage
	return []route{
		signedIn("GET", "/catalog/listings", read, a.listListings),
		signedIn("PUT", "/catalog/listings", manage, a.setListing),
		signedIn("PUT", "/catalog/products/{product_id}", manage, a.updateProduct),
		signedIn("PUT", "/catalog/items/{item_id}", manage, a.updateItem),
		signedIn("PUT", "/catalog/items/{item_id}/on-sale", manage, a.setItemOnSale),
	}
}

type mktListingView struct {
	ID        string    `json:"id"`
	ProductID string    `json:"product_id"`
	BuyerID   *string   `json:"buyer_id"`
	Enabled   bool      `json:"enabled"`
	CreatedAt time.Time `json:"created_at"`
}

func mktListingOf(l marketplace.Listing) mktListingView {
	v := mktListingView{ID: l.ID, ProductID: l.ProductID, Enabled: l.Enabled, CreatedAt: l.CreatedAt}
	if l.BuyerID != "" {
		v.BuyerID = &l.BuyerID
	}
	return v
}

type listingsView struct {
	Items []mktListingView `json:"items"`
}

type onSaleBody struct {
	OnSale *bool `json:"on_sale"`
}

func (a *API) listListings(w http.ResponseWriter, r *http.Request, c *call) error {
	ls, err := a.marketplace.Listings(r.Context(), c.P)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listingsView{Items: mapAll(ls, mktListingOf)})
}

func (a *API) setListing(w http.ResponseWriter, r *http.Request, c *call) error {
	var in marketplace.ListingInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	l, err := a.marketplace.SetListing(r.Context(), c.P, c.Who, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, mktListingOf(l))
}

func (a *API) updateProduct(w http.ResponseWriter, r *http.Request, c *call) error {
	var in marketplace.ProductUpdate
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	p, err := a.marketplace.UpdateProduct(r.Context(), c.P, c.Who, r.PathValue("product_id"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, mktProductOf(p))
}

func (a *API) updateItem(w http.ResponseWriter, r *http.Request, c *call) error {
	var in marketplace.ItemUpdate
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	it, err := a.marketplace.UpdateItem(r.Context(), c.P, c.Who, r.PathValue("item_id"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, mktItemOf(it))
}

func (a *API) setItemOnSale(w http.ResponseWriter, r *http.Request, c *call) error {
	var in onSaleBody
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.OnSale == nil {
		return domain.FieldError("on_sale", "on_sale is required: true or false")
	}
	it, err := a.marketplace.SetItemOnSale(r.Context(), c.P, c.Who, r.PathValue("item_id"), *in.OnSale)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, mktItemOf(it))
}

var (
	productIDParam = pathParam("product_id", "A product's ID (PRD-...)")
	itemIDParam    = pathParam("item_id", "An item's ID (ITM-...)")
)

func catalogAdminOperations() []opEntry {
	read, manage := "marketplace.read", "marketplace.manage"
	return []opEntry{
		doc("GET", "/catalog/listings", opSpec{id: "listListings", summary: "Which buyers may buy which products", perm: read, tag: "catalog", status: 200, result: "ListingList",
			description: "A buyer may buy a product while an enabled listing for it, or for every buyer (buyer_id null), exists."}),
		doc("PUT", "/catalog/listings", opSpec{id: "setListing", summary: "List or unlist a product for a buyer or for every buyer", perm: manage, tag: "catalog",
			body: "ListingInput", status: 200, result: "Listing",
			description: "Without buyer_id the listing is for every buyer. Unlisting for one buyer a product listed for every buyer is refused (400 on buyer_id): " +
				"unlist it for every buyer, then list it for the buyers who may buy it. Running agreements are not affected."}),
		doc("PUT", "/catalog/products/{product_id}", opSpec{id: "updateProduct", summary: "Rename a product (name, category, description)", perm: manage, tag: "catalog",
			params: []parameter{productIDParam}, body: "ProductUpdate", status: 200, result: "Product", description: "Agreements keep the name they were given."}),
		doc("PUT", "/catalog/items/{item_id}", opSpec{id: "updateItem", summary: "Rename an item and replace its prices", perm: manage, tag: "catalog",
			params: []parameter{itemIDParam}, body: "ItemUpdate", status: 200, result: "Item",
			description: "The SKU and unit stay. New purchases use the new prices; running subscriptions keep the price they were bought at."}),
		doc("PUT", "/catalog/items/{item_id}/on-sale", opSpec{id: "setItemOnSale", summary: "Take an item off sale, or put it back", perm: manage, tag: "catalog",
			params: []parameter{itemIDParam}, body: "OnSaleInput", status: 200, result: "Item",
			description: "An item off sale cannot be bought (purchase or change order: 400 naming the line); its running subscriptions go on and can be changed, renewed and terminated."}),
	}
}

func catalogAdminSchemas() map[string]*schema {
	price := object("A unit price for one billing period of a term", props{"term": text("P1M, P1Y or P1Y-M"), "currency": currencyCode(""),
		"unit_price": decimal("")}, "term", "currency", "unit_price")
	return map[string]*schema{
		"Listing": object("A product offered to a buyer", props{"id": text(""), "product_id": text(""),
			"buyer_id": {Type: []string{"string", "null"}, Description: "null: every buyer"}, "enabled": {Type: "boolean"}, "created_at": timestamp()}),
		"ListingList": object("Every listing", props{"items": {Type: "array", Items: ref("Listing")}}, "items"),
		"ListingInput": closed("List or unlist a product", props{"product_id": text(""), "buyer_id": text("Omitted or empty: every buyer"),
			"enabled": {Type: "boolean", Description: "true lists, false unlists"}}, "product_id", "enabled"),
		"ProductUpdate": closed("A product's new name", props{"name": text(""), "category": text(""), "description": text("")}, "name"),
		"ItemUpdate": closed("An item's new name and all its prices", props{"name": text(""), "prices": {Type: "array", Items: price}},
			"name", "prices"),
		"OnSaleInput": closed("Whether the item is sold", props{"on_sale": {Type: "boolean"}}, "on_sale"),
	}
}
