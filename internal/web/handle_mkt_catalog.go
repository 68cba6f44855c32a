package web

import (
	"net/http"
	"strings"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/marketplace"
)

// mktCatalogRoutes: catalog management for operations (every route needs
// marketplace.manage; buyers and viewers get 403).
func (s *Server) mktCatalogRoutes() []Route {
	manage := func(p string, h http.HandlerFunc) Route {
		return Route{Pattern: p, Access: Needs, Perm: auth.PermMarketplaceManage, handler: h}
	}
	return []Route{
		manage("GET /marketplace/manage", s.mktManage),
		manage("POST /marketplace/manage/vendors", s.mktCreateVendor),
		manage("POST /marketplace/manage/vendors/{id}/api", s.mktSetVendorAPI),
		manage("POST /marketplace/manage/buyers", s.mktCreateBuyer),
		manage("POST /marketplace/manage/products", s.mktCreateProduct),
		manage("POST /marketplace/manage/products/{id}", s.mktUpdateProduct),
		manage("POST /marketplace/manage/items", s.mktCreateItem),
		manage("POST /marketplace/manage/items/{id}", s.mktUpdateItem),
		manage("POST /marketplace/manage/items/{id}/sale", s.mktSetItemOnSale),
		manage("POST /marketplace/manage/listings", s.mktSetListing),
	}
}

func (s *Server) mktManage(w http.ResponseWriter, r *http.Request) {
	s.renderMktManage(w, r, http.StatusOK, MktManagePage{}, nil)
}

// renderMktManage shows the page; page carries the forms' values and
// Form/APIVendor which one failed with formErr.
func (s *Server) renderMktManage(w http.ResponseWriter, r *http.Request, status int, page MktManagePage, formErr error) {
	c, err := s.marketplace().Catalog(r.Context(), principalFrom(r.Context()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page.Layout, page.MktTabs = s.layout(r, NavMarketplace), MktTabs{Tab: MktTabManage}
	page.Title = "Manage catalog"
	page.SetErr(formErr)
	mktManageRows(&page, c)
	cur := string(principalFrom(r.Context()).Org.ReportingCurrency)
	if len(c.Buyers) > 0 {
		cur = c.Buyers[0].Currency
	}
	if page.ItemIn.Rows == nil {
		page.ItemIn.Rows = []marketplace.Price{{Term: string(marketplace.TermYearly), Currency: cur}}
	}
	for len(page.ItemIn.Rows) < mktPriceRows {
		page.ItemIn.Rows = append(page.ItemIn.Rows, marketplace.Price{Term: string(marketplace.TermMonthly)})
	}
	if page.Form != MktFormProduct {
		page.ProductIn.Unlisted = false
	}
	for _, p := range []marketplace.Program{marketplace.ProgramGeneral, marketplace.ProgramAdobeVIP, marketplace.ProgramMicrosoftNCE} {
		page.Programs = append(page.Programs, Choice{Value: string(p), Label: p.Label(), Selected: string(p) == page.VendorIn.Program})
	}
	for _, t := range marketplace.Terms {
		page.Terms = append(page.Terms, Choice{Value: string(t), Label: t.Label()})
	}
	s.R.Render(w, status, page)
}

// mktManageRows fills the page's tables from the catalog.
func mktManageRows(page *MktManagePage, c marketplace.Catalog) {
	vendors, buyers, products := map[string]string{}, map[string]string{}, map[string]string{}
	perVendor, perProduct := map[string]int{}, map[string]int{}
	for _, b := range c.Buyers {
		buyers[b.ID] = b.Name
	}
	for _, v := range c.Vendors {
		vendors[v.ID] = v.Name
	}
	for _, p := range c.Products {
		products[p.ID] = p.Name
		perVendor[p.VendorID]++
	}
	for _, it := range c.Items {
		perProduct[it.ProductID]++
		row := MktItemRow{ID: it.ID, Name: it.Name, SKU: it.SKU, Unit: it.Unit, Product: products[it.ProductID], DisabledAt: it.DisabledAt, Raw: it.Prices}
		for _, pr := range it.Prices {
			row.Prices = append(row.Prices, MktPriceRow{Term: marketplace.Term(pr.Term).Label(), Currency: pr.Currency, UnitPrice: pr.UnitPrice})
		}
		page.Items = append(page.Items, row)
	}
	for _, v := range c.Vendors {
		prog := marketplace.Program(v.Program)
		page.Vendors = append(page.Vendors, MktVendorRow{ID: v.ID, Name: v.Name, Program: v.Program, ProgramLabel: prog.Label(),
			APIURL: v.APIURL, ConnectedAt: v.APISetAt, Products: perVendor[v.ID]})
	}
	for _, p := range c.Products {
		page.Products = append(page.Products, MktProductRow{ID: p.ID, Name: p.Name, Vendor: vendors[p.VendorID], Category: p.Category,
			Description: p.Description, ListedFor: listedFor(p.ID, c.Listings, buyers), Items: perProduct[p.ID]})
	}
	for _, l := range c.Listings {
		row := MktListingRow{ProductID: l.ProductID, Product: products[l.ProductID], BuyerID: l.BuyerID, Buyer: "Every buyer", Enabled: l.Enabled}
		if l.BuyerID != "" {
			row.Buyer = buyers[l.BuyerID]
		}
		page.Listings = append(page.Listings, row)
	}
	page.Buyers = c.Buyers
}

// mktDone answers a form: on success a flash and back to the page's
// section, on bad input the page again with the form's errors.
func (s *Server) mktDone(w http.ResponseWriter, r *http.Request, page MktManagePage, err error, ok, anchor string) {
	if err == nil {
		s.flash(r, FlashSuccess, ok)
		redirect(w, r, "/marketplace/manage#"+anchor)
		return
	}
	if c := domain.ErrorCode(err); c != domain.CodeInvalid && c != domain.CodeConflict {
		s.fail(w, r, err)
		return
	}
	s.renderMktManage(w, r, domain.HTTPStatus(err), page, err)
}

func (s *Server) mktCreateVendor(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	in := marketplace.VendorInput{Name: r.PostFormValue("name"), Program: r.PostFormValue("program")}
	v, err := s.marketplace().CreateVendor(r.Context(), principalFrom(r.Context()), actor(r), in)
	s.mktDone(w, r, MktManagePage{Form: MktFormVendor, VendorIn: in}, err, "Vendor "+v.Name+" added.", "vendors")
}

func (s *Server) mktSetVendorAPI(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	ctx, p, id := r.Context(), principalFrom(r.Context()), r.PathValue("id")
	in := marketplace.VendorAPIInput{URL: r.PostFormValue("url"), APIKey: r.PostFormValue("api_key")}
	if r.PostFormValue("disconnect") != "" {
		in = marketplace.VendorAPIInput{}
	}
	err := s.marketplace().SetVendorAPI(ctx, p, actor(r), id, in)
	msg := "Ordering system connected. The API key is stored sealed and is not shown again."
	if in.URL == "" {
		msg = "Ordering system disconnected: operations now complete this vendor's orders by hand."
	}
	s.mktDone(w, r, MktManagePage{Form: MktFormAPI, APIVendor: id, APIURL: in.URL}, err, msg, "vendor-"+id)
}

func (s *Server) mktCreateBuyer(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	in := marketplace.BuyerInput{Name: r.PostFormValue("name"), Currency: strings.ToUpper(strings.TrimSpace(r.PostFormValue("currency"))),
		Address: r.PostFormValue("address")}
	b, err := s.marketplace().CreateBuyer(r.Context(), principalFrom(r.Context()), actor(r), in)
	s.mktDone(w, r, MktManagePage{Form: MktFormBuyer, BuyerIn: in}, err, "Buyer "+b.Name+" added.", "buyers")
}

func (s *Server) mktCreateProduct(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	in := marketplace.ProductInput{VendorID: r.PostFormValue("vendor_id"), Name: r.PostFormValue("name"), Category: r.PostFormValue("category"),
		Description: r.PostFormValue("description"), Unlisted: r.PostFormValue("listed") != "on"}
	pr, err := s.marketplace().CreateProduct(r.Context(), principalFrom(r.Context()), actor(r), in)
	msg := "Product " + pr.Name + " added and listed for every buyer."
	if in.Unlisted {
		msg = "Product " + pr.Name + " added. It is not listed yet: list it for the buyers who may buy it."
	}
	s.mktDone(w, r, MktManagePage{Form: MktFormProduct, ProductIn: in}, err, msg, "products")
}

func (s *Server) mktCreateItem(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	f := MktItemForm{ProductID: r.PostFormValue("product_id"), Name: r.PostFormValue("name"), SKU: r.PostFormValue("sku"), Unit: r.PostFormValue("unit")}
	in := marketplace.ItemInput{ProductID: f.ProductID, Name: f.Name, SKU: f.SKU, Unit: f.Unit}
	f.Rows, in.Prices = priceRows(r, mktPriceRows)
	it, err := s.marketplace().CreateItem(r.Context(), principalFrom(r.Context()), actor(r), in)
	s.mktDone(w, r, MktManagePage{Form: MktFormItem, ItemIn: f}, err, "Item "+it.Name+" ("+it.SKU+") added.", "items")
}

func (s *Server) mktSetItemOnSale(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	onSale := r.PostFormValue("on_sale") == "true"
	it, err := s.marketplace().SetItemOnSale(r.Context(), principalFrom(r.Context()), actor(r), r.PathValue("id"), onSale)
	msg := it.Name + " is on sale again."
	if !onSale {
		msg = it.Name + " is no longer sold. Running subscriptions of it go on."
	}
	s.mktDone(w, r, MktManagePage{}, err, msg, "items")
}

func (s *Server) mktSetListing(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	in := marketplace.ListingInput{ProductID: r.PostFormValue("product_id"), BuyerID: r.PostFormValue("buyer_id"),
		Enabled: r.PostFormValue("enabled") == "true"}
	_, err := s.marketplace().SetListing(r.Context(), principalFrom(r.Context()), actor(r), in)
	msg := "Listing saved: the product is no longer offered to them."
	if in.Enabled {
		msg = "Listing saved: the product can now be bought."
	}
	s.mktDone(w, r, MktManagePage{Form: MktFormListing, ListingIn: in}, err, msg, "listings")
}

// priceRows reads up to limit posted price rows (all of them as entered)
// and the prices they give (rows without currency and price skipped).
func priceRows(r *http.Request, limit int) (rows, prices []marketplace.Price) {
	terms, curs, amounts := r.PostForm["price_term"], r.PostForm["price_currency"], r.PostForm["price_amount"]
	for i := range min(len(terms), len(curs), len(amounts), limit) {
		p := marketplace.Price{Term: terms[i], Currency: strings.ToUpper(strings.TrimSpace(curs[i])), UnitPrice: strings.TrimSpace(amounts[i])}
		rows = append(rows, p)
		if p.UnitPrice != "" || p.Currency != "" {
			prices = append(prices, p)
		}
	}
	return rows, prices
}

func (s *Server) mktUpdateProduct(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	id := r.PathValue("id")
	in := marketplace.ProductUpdate{Name: r.PostFormValue("name"), Category: r.PostFormValue("category"), Description: r.PostFormValue("description")}
	pr, err := s.marketplace().UpdateProduct(r.Context(), principalFrom(r.Context()), actor(r), id, in)
	s.mktDone(w, r, MktManagePage{Form: MktFormProductEdit, EditID: id, ProductEdit: in}, err, "Product "+pr.Name+" saved.", "product-"+id)
}

// mktEditPriceRows bounds the rows the item edit form posts.
const mktEditPriceRows = 20

func (s *Server) mktUpdateItem(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	id := r.PathValue("id")
	f := MktItemForm{Name: r.PostFormValue("name")}
	var prices []marketplace.Price
	f.Rows, prices = priceRows(r, mktEditPriceRows)
	it, err := s.marketplace().UpdateItem(r.Context(), principalFrom(r.Context()), actor(r), id, marketplace.ItemUpdate{Name: f.Name, Prices: prices})
	s.mktDone(w, r, MktManagePage{Form: MktFormItemEdit, EditID: id, ItemEdit: f}, err,
		"Item "+it.Name+" saved. New purchases use its new prices; running subscriptions keep theirs.", "item-"+id)
}
