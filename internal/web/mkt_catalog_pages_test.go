package web

import (
	"github.com/canopyhq/canopy/internal/marketplace"
)

func mktCatalogSamplePages() []pageCase {
	l := sampleLayout(NavMarketplace)
	l.Can["marketplace.read"], l.Can["marketplace.manage"] = true, true
	connected := t1
	page := MktManagePage{Layout: l, MktTabs: MktTabs{Tab: MktTabManage},
		Vendors: []MktVendorRow{{ID: "VND-1111-2222", Name: "Adobe", Program: "adobe-vip", ProgramLabel: "Adobe VIP Marketplace",
			APIURL: "https://vendor.example/api", ConnectedAt: &connected, Products: 1},
			{ID: "VND-3333-4444", Name: "Contoso", Program: "general", ProgramLabel: "General"}},
		Buyers:   []marketplace.Buyer{{ID: "buy_acme", Name: "Acme GmbH", Currency: "EUR", Address: "Berlin"}},
		Products: []MktProductRow{{ID: "PRD-1111-2222", Name: "Creative Cloud", Vendor: "Adobe", ListedFor: "Every buyer", Items: 1}, {ID: "PRD-5555-6666", Name: "Sign", Vendor: "Contoso"}},
		Items: []MktItemRow{{ID: "ITM-1111-2222-3333", Name: "Photoshop", SKU: "65304520CA01A12", Unit: "licence", Product: "Creative Cloud",
			Prices: []MktPriceRow{{Term: "1 year, billed yearly", Currency: "EUR", UnitPrice: "263.88"}},
			Raw:    []marketplace.Price{{Term: "P1Y", Currency: "EUR", UnitPrice: "263.88"}}},
			{ID: "ITM-4444-5555-6666", Name: "Old SKU", SKU: "OLD-1", Unit: "licence", Product: "Creative Cloud", DisabledAt: &t0}},
		Listings: []MktListingRow{{ProductID: "PRD-1111-2222", Product: "Creative Cloud", Buyer: "Every buyer", Enabled: true},
			{ProductID: "PRD-5555-6666", Product: "Sign", BuyerID: "buy_acme", Buyer: "Acme GmbH"}},
		ItemIn:   MktItemForm{Name: "Acrobat", SKU: "ACRO-1", Rows: []marketplace.Price{{Term: "P1Y", Currency: "EUR", UnitPrice: "-1"}, {Term: "P1M"}, {Term: "P1M"}}},
		Programs: []Choice{{Value: "general", Label: "General"}}, Terms: []Choice{{Value: "P1M", Label: "Monthly"}, {Value: "P1Y", Label: "1 year, billed yearly"}},
		Form: MktFormItem, FormErrors: FormErrors{FieldErrors: FieldErrors{"prices": `price 1: unit price "-1" is not a positive decimal number`}}}
	api := page
	api.Form, api.APIVendor, api.APIURL = MktFormAPI, "VND-3333-4444", "http://vendor.example"
	api.FormErrors = FormErrors{FieldErrors: FieldErrors{"url": "the vendor API must be reached over https://"}}
	edit := page
	edit.Form, edit.EditID, edit.FormErrors = MktFormItemEdit, "ITM-1111-2222-3333", FormErrors{FieldErrors: FieldErrors{"prices": "an item needs at least one price"}}
	edit.ItemEdit = MktItemForm{Name: "Photoshop 2027", Rows: []marketplace.Price{{Term: "P1M"}}}
	rename := page
	rename.Form, rename.EditID, rename.FormErrors = MktFormProductEdit, "PRD-1111-2222", FormErrors{FieldErrors: FieldErrors{"name": "name is required"}}
	return []pageCase{
		{page, []string{`href="/marketplace/manage" aria-current="page"`, `Adobe VIP Marketplace`, `Connected</span> since ` + t1.Format(TimeLayout),
			`https://vendor.example/api`, `Not connected`, `action="/marketplace/manage/vendors/VND-3333-4444/api"`, `type="password"`,
			`action="/marketplace/manage/vendors"`, `action="/marketplace/manage/buyers"`, `action="/marketplace/manage/products"`,
			`id="product-listed" name="listed" type="checkbox" checked`, `Not listed`, `Every buyer`, `263.88 EUR`, `Off sale`,
			`action="/marketplace/manage/items/ITM-1111-2222-3333/sale"`, `Take off sale`, `Put back on sale`,
			`id="item-prices-error"`, `price 1: unit price &#34;-1&#34; is not a positive decimal number`, `value="ACRO-1"`, `Unit price 3`,
			`action="/marketplace/manage/listings"`, `List again`, `id="ie-amount-ITM-1111-2222-3333-0" name="price_amount" type="text" inputmode="decimal" value="263.88"`,
			`Unit price 2`, `id="pe-name-PRD-5555-6666"`, `<option value="">Every buyer</option>`}},
		{edit, []string{`action="/marketplace/manage/items/ITM-1111-2222-3333"`, `id="ie-prices-ITM-1111-2222-3333-error"`, `value="Photoshop 2027"`,
			`an item needs at least one price`, `Rename or reprice`}},
		{rename, []string{`action="/marketplace/manage/products/PRD-1111-2222"`, `id="pe-name-PRD-1111-2222-error"`, `name is required`}},
		{api, []string{`id="api-url-VND-3333-4444-error"`, `must be reached over https://`, `value="http://vendor.example"`, `<details open>`}},
	}
}
