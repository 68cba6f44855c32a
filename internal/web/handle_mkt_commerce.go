package web

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/marketplace"
)

// mktCommerceRoutes: the catalog to buy from, agreements, subscriptions
// and orders.
func (s *Server) mktCommerceRoutes() []Route {
	perm := func(p string, pm auth.Permission, h http.HandlerFunc) Route {
		return Route{Pattern: p, Access: Needs, Perm: pm, handler: h}
	}
	read, buy, manage := auth.PermMarketplaceRead, auth.PermMarketplacePurchase, auth.PermMarketplaceManage
	return []Route{
		perm("GET /marketplace", read, s.mktCatalog),
		perm("GET /marketplace/buy", buy, s.mktBuyForm),
		perm("GET /marketplace/buy/total", buy, s.mktBuyTotal),
		perm("POST /marketplace/buy", buy, s.mktBuy),
		perm("GET /marketplace/orders", read, s.mktOrders),
		perm("GET /marketplace/orders/{id}", read, s.mktOrder),
		polled(perm("GET /marketplace/orders/{id}/status", read, s.mktOrderStatus)),
		perm("POST /marketplace/orders/{id}/submit", buy, s.mktSubmitOrder),
		perm("POST /marketplace/orders/{id}/cancel", buy, s.mktCancelOrder),
		perm("POST /marketplace/orders/{id}/answer", buy, s.mktAnswerOrder),
		perm("POST /marketplace/orders/{id}/decide", manage, s.mktDecideOrder),
		perm("GET /marketplace/subscriptions", read, s.mktSubscriptions),
		perm("GET /marketplace/subscriptions/{id}", read, s.mktSubscription),
		perm("POST /marketplace/subscriptions/{id}/po", buy, s.mktSetSubscriptionPO),
		perm("POST /marketplace/subscriptions/{id}/change", buy, s.mktChangeSubscription),
		perm("POST /marketplace/subscriptions/{id}/terminate", buy, s.mktTerminateSubscription),
		perm("GET /marketplace/agreements", read, s.mktAgreements),
		perm("GET /marketplace/agreements/{id}", read, s.mktAgreement),
		perm("POST /marketplace/agreements/{id}/po", buy, s.mktSetAgreementPO),
	}
}

// mktCatalog is the catalog, filtered by vendor and words.
func (s *Server) mktCatalog(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	cat, err := s.marketplace().Catalog(r.Context(), p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	page := MktCatalogPage{Layout: s.layout(r, NavMarketplace), MktTabs: MktTabs{Tab: MktTabCatalog}, Vendor: q.Get("vendor"),
		Query: strings.TrimSpace(q.Get("q")), CanBuy: p.Can(auth.PermMarketplacePurchase), Empty: len(cat.Items) == 0}
	page.Title = "Marketplace"
	for _, v := range cat.Vendors {
		page.Vendors = append(page.Vendors, Choice{Value: v.ID, Label: v.Name, Selected: v.ID == page.Vendor})
	}
	page.Products = catalogViews(cat, page.Vendor, page.Query)
	s.R.Render(w, http.StatusOK, page)
}

// catalogViews groups the catalog's items by product, keeping the items
// of vendor (all when "") that match every word of query.
func catalogViews(cat marketplace.Catalog, vendor, query string) []MktProductView {
	names := namesOf(cat)
	words := strings.Fields(strings.ToLower(query))
	byProduct := map[string]*MktProductView{}
	var order []string
	for _, it := range cat.Items {
		if it.DisabledAt != nil { // off sale: nothing to buy
			continue
		}
		pr := names.products[it.ProductID]
		v := names.vendors[pr.VendorID]
		if vendor != "" && v.ID != vendor {
			continue
		}
		text := strings.ToLower(strings.Join([]string{it.Name, it.SKU, pr.Name, pr.Category, v.Name}, " "))
		if !containsAll(text, words) {
			continue
		}
		pv, ok := byProduct[pr.ID]
		if !ok {
			pv = &MktProductView{Product: pr, Vendor: v, ProgramLabel: marketplace.Program(v.Program).Label()}
			byProduct[pr.ID] = pv
			order = append(order, pr.ID)
		}
		pv.Items = append(pv.Items, itemView(it))
	}
	out := make([]MktProductView, 0, len(order))
	for _, id := range order {
		out = append(out, *byProduct[id])
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Vendor.Name != out[j].Vendor.Name {
			return out[i].Vendor.Name < out[j].Vendor.Name
		}
		return out[i].Product.Name < out[j].Product.Name
	})
	return out
}

func containsAll(text string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(text, w) {
			return false
		}
	}
	return true
}

func itemView(it marketplace.Item) MktItemView {
	v := MktItemView{Item: it}
	for _, pr := range it.Prices {
		v.PriceViews = append(v.PriceViews, MktPriceView{Term: pr.Term, TermLabel: marketplace.Term(pr.Term).Label(),
			Currency: pr.Currency, UnitPrice: pr.UnitPrice})
	}
	return v
}

// mktBuyPage builds the buy form for the form's item.
func (s *Server) mktBuyPage(r *http.Request, form MktBuyForm) (MktBuyPage, error) {
	cat, err := s.marketplace().Catalog(r.Context(), principalFrom(r.Context()))
	if err != nil {
		return MktBuyPage{}, err
	}
	names := namesOf(cat)
	it, ok := names.items[form.ItemID]
	if !ok {
		return MktBuyPage{}, domain.Errorf(domain.CodeNotFound, "item %q not found", form.ItemID)
	}
	page := MktBuyPage{Layout: s.layout(r, NavMarketplace), MktTabs: MktTabs{Tab: MktTabCatalog}, Item: itemView(it),
		Product: names.products[it.ProductID]}
	page.Vendor = names.vendors[page.Product.VendorID]
	page.ProgramLabel = marketplace.Program(page.Vendor.Program).Label()
	page.Policy = policyText(marketplace.PolicyOf(marketplace.Program(page.Vendor.Program)))
	page.Title = "Buy " + it.Name
	if it.DisabledAt != nil {
		return MktBuyPage{}, domain.Errorf(domain.CodeConflict, "%s (SKU %s) is no longer sold: it cannot be bought", it.Name, it.SKU)
	}
	// Only the buyers the product is listed for may buy it.
	buyers := slices.DeleteFunc(slices.Clone(cat.Buyers), func(b marketplace.Buyer) bool { return !cat.Listed(it.ProductID, b.ID) })
	page.Unlisted = len(buyers) == 0 && len(cat.Buyers) > 0
	if form.BuyerID == "" && len(buyers) > 0 {
		form.BuyerID = buyers[0].ID
	}
	for _, b := range buyers {
		page.Buyers = append(page.Buyers, Choice{Value: b.ID, Label: b.Name + " (invoiced in " + b.Currency + ")", Selected: b.ID == form.BuyerID})
	}
	seen := map[string]bool{}
	for _, pr := range it.Prices {
		if seen[pr.Term] {
			continue
		}
		seen[pr.Term] = true
		if form.Term == "" {
			form.Term = pr.Term
		}
		page.Terms = append(page.Terms, Choice{Value: pr.Term, Label: marketplace.Term(pr.Term).Label(), Selected: pr.Term == form.Term})
	}
	if form.Quantity == "" {
		form.Quantity = "1"
	}
	page.Form = form
	page.Total = totalOf(it, names.buyers[form.BuyerID], form.Term, form.Quantity)
	return page, nil
}

// policyText says a programme's rules before anyone buys.
func policyText(pol marketplace.Policy) string {
	label := pol.Program.Label()
	if pol.ReturnDays == 0 {
		return label + " rules: a subscription can be terminated at any time, without credit; the purchase-order number is set when ordering."
	}
	txt := fmt.Sprintf("%s rules: licences can be returned for a full credit within %d days of purchase; after that, quantities only go down at renewal.",
		label, pol.ReturnDays)
	if pol.CoTerm {
		txt += " Every subscription renews on the agreement's anniversary; licences bought later are prorated to it."
	}
	if pol.MidTermPO {
		txt += " The purchase-order number can be changed during the term."
	} else {
		txt += " The purchase-order number is set when ordering."
	}
	return txt
}

// totalOf prices quantity of item on term in the buyer's currency.
func totalOf(it marketplace.Item, b marketplace.Buyer, term, quantity string) MktTotal {
	t := MktTotal{Currency: b.Currency, Per: strings.ToLower(billingPeriod(term))}
	if b.ID == "" {
		t.Note = "Choose a buyer to see the price."
		return t
	}
	for _, pr := range it.Prices {
		if pr.Term == term && pr.Currency == b.Currency {
			t.UnitPrice = pr.UnitPrice
		}
	}
	if t.UnitPrice == "" {
		t.Note = fmt.Sprintf("%s has no %s price in %s, the currency %s is invoiced in.", it.Name, marketplace.Term(term).Label(), b.Currency, b.Name)
		return t
	}
	n, err := strconv.ParseInt(strings.TrimSpace(quantity), 10, 64)
	if err != nil || n < 1 || n > 1_000_000 {
		t.Note = "Enter a quantity to see the total."
		return t
	}
	if t.Total = lineTotal(t.UnitPrice, n, b.Currency); t.Total == "" {
		t.Note = "The total of this quantity cannot be computed."
	}
	return t
}

// lineTotal is quantity × unit price for one billing period, rounded to
// the currency's minor unit as invoices round ("" when it cannot be
// computed).
func lineTotal(unitPrice string, quantity int64, currency string) string {
	d, _, err := apd.NewFromString(unitPrice)
	if err != nil {
		return ""
	}
	unit, err := domain.AmountFromDecimal(d)
	if err != nil {
		return ""
	}
	total, err := marketplace.ChargeAmount(unit, quantity, 1, 1, domain.Currency(currency))
	if err != nil {
		return ""
	}
	return domain.FormatMoney(total, currency)
}

// billingPeriod names a term's billing period.
func billingPeriod(term string) string {
	if marketplace.Term(term).BillingMonths() == 12 {
		return "Per year"
	}
	return "Per month"
}

func buyFormOf(r *http.Request, get func(string) string) MktBuyForm {
	return MktBuyForm{ItemID: get("item"), BuyerID: get("buyer_id"), Quantity: strings.TrimSpace(get("quantity")), Term: get("term"),
		Name: get("name"), PONumber: get("po_number"), Notes: get("notes")}
}

func (s *Server) mktBuyForm(w http.ResponseWriter, r *http.Request) {
	renderBuilt(s, w, r, func(r *http.Request) (MktBuyPage, error) {
		return s.mktBuyPage(r, buyFormOf(r, r.URL.Query().Get))
	})
}

// mktBuyTotal is the price line htmx refreshes as the form changes.
func (s *Server) mktBuyTotal(w http.ResponseWriter, r *http.Request) {
	page, err := s.mktBuyPage(r, buyFormOf(r, r.URL.Query().Get))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.R.RenderPartial(w, "mkt_buy_total", page.Total)
}

// mktBuy places the purchase and opens its order.
func (s *Server) mktBuy(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	form := buyFormOf(r, r.PostFormValue)
	page, err := s.mktBuyPage(r, form)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	n, err := strconv.ParseInt(form.Quantity, 10, 64)
	if err != nil || n < 1 || n > 1_000_000 {
		page.SetErr(domain.FieldError("quantity", "Enter a whole number of licences between 1 and 1000000."))
		s.R.Render(w, http.StatusBadRequest, page)
		return
	}
	submit := r.PostFormValue("action") != "quote"
	o, err := s.marketplace().Purchase(r.Context(), principalFrom(r.Context()), actor(r), marketplace.OrderInput{
		BuyerID: form.BuyerID, Name: form.Name, PONumber: form.PONumber, Notes: form.Notes, Submit: submit,
		Lines: []marketplace.LineInput{{ItemID: form.ItemID, Term: form.Term, Quantity: n}}})
	if o.ID != "" {
		// Stored; a failed hand-over to the vendor is retried by the queue.
		if err != nil {
			s.Log.WarnContext(r.Context(), "marketplace: dispatch after purchase", "order", o.ID, "err", err)
		}
		if submit {
			s.flash(r, FlashSuccess, "Order "+o.ID+" placed and submitted.")
		} else {
			s.flash(r, FlashSuccess, "Order "+o.ID+" saved as a quote. Submit it when you are ready.")
		}
		redirect(w, r, "/marketplace/orders/"+o.ID)
		return
	}
	if domain.ErrorCode(err) == domain.CodeInternal {
		s.fail(w, r, err)
		return
	}
	page.SetErr(err)
	s.R.Render(w, domain.HTTPStatus(err), page)
}
