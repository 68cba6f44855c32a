package web

import (
	"net/url"
	"strconv"

	"github.com/canopyhq/canopy/internal/marketplace"
)

// Marketplace commerce pages: the catalog, the buy form, orders,
// subscriptions and agreements (handlers in handle_mkt_*.go).

// mktNames resolves catalog IDs to names on the pages.
type mktNames struct {
	items    map[string]marketplace.Item
	products map[string]marketplace.Product
	vendors  map[string]marketplace.Vendor
	buyers   map[string]marketplace.Buyer
}

func namesOf(c marketplace.Catalog) mktNames {
	n := mktNames{items: map[string]marketplace.Item{}, products: map[string]marketplace.Product{},
		vendors: map[string]marketplace.Vendor{}, buyers: map[string]marketplace.Buyer{}}
	for _, it := range c.Items {
		n.items[it.ID] = it
	}
	for _, p := range c.Products {
		n.products[p.ID] = p
	}
	for _, v := range c.Vendors {
		n.vendors[v.ID] = v
	}
	for _, b := range c.Buyers {
		n.buyers[b.ID] = b
	}
	return n
}

// Item is an item's name (its ID when unknown).
func (n mktNames) Item(id string) string {
	if it, ok := n.items[id]; ok {
		return it.Name
	}
	return id
}

// Buyer is a buyer's name (its ID when unknown).
func (n mktNames) Buyer(id string) string {
	if b, ok := n.buyers[id]; ok {
		return b.Name
	}
	return id
}

// Product is a product's name with its vendor's.
func (n mktNames) Product(id string) string {
	p, ok := n.products[id]
	if !ok {
		return id
	}
	if v, ok := n.vendors[p.VendorID]; ok {
		return v.Name + " " + p.Name
	}
	return p.Name
}

// mktHelp is embedded by the commerce pages for their templates.
type mktHelp struct{}

// TermLabel is a term as people read it ("1 year, billed monthly").
func (mktHelp) TermLabel(term string) string { return marketplace.Term(term).Label() }

// MktPriceView is one price of an item.
type MktPriceView struct {
	Term, TermLabel, Currency, UnitPrice string
}

// MktItemView is an item with its prices.
type MktItemView struct {
	marketplace.Item
	PriceViews []MktPriceView
}

// MktProductView is a product of the catalog with its vendor and items.
type MktProductView struct {
	Product      marketplace.Product
	Vendor       marketplace.Vendor
	ProgramLabel string
	Items        []MktItemView
}

// MktCatalogPage is /marketplace: what can be bought.
type MktCatalogPage struct {
	Layout
	MktTabs
	Vendors  []Choice
	Vendor   string // filter: a vendor ID
	Query    string // filter: words in the item, SKU, product or vendor
	Products []MktProductView
	Empty    bool // the catalog has nothing at all
	CanBuy   bool
}

func (MktCatalogPage) Template() string { return "mkt_catalog" }

// MktBuyForm is the buy form's values.
type MktBuyForm struct {
	ItemID, BuyerID, Quantity, Term, Name, PONumber, Notes string
}

// MktBuyPage is the buy form for one item.
type MktBuyPage struct {
	Layout
	MktTabs
	FormErrors
	Item         MktItemView
	Product      marketplace.Product
	Vendor       marketplace.Vendor
	ProgramLabel string
	Policy       string   // the programme's rules in a sentence
	Buyers       []Choice // the buyers the product is listed for
	Unlisted     bool     // there are buyers, but the product is listed for none
	Terms        []Choice
	Form         MktBuyForm
	Total        MktTotal
}

func (MktBuyPage) Template() string { return "mkt_buy" }

// MktTotal is the buy form's price line (also the htmx fragment).
type MktTotal struct {
	UnitPrice, Total, Currency, Per string
	Note                            string // why there is no total
}

// MktListFilter is a list page's filters and cursor.
type MktListFilter struct {
	Status, Type, Agreement, Buyer, Query, After string
}

// values is the filter as a query string (without the cursor).
func (f MktListFilter) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"status": f.Status, "type": f.Type, "agreement": f.Agreement, "buyer": f.Buyer, "q": f.Query} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// MktPager links a list's pages.
type MktPager struct {
	FirstURL, NextURL string
}

func pagerOf(base string, f MktListFilter, next string) MktPager {
	var p MktPager
	v := f.values()
	if f.After != "" {
		p.FirstURL = base + "?" + v.Encode()
	}
	if next != "" {
		v.Set("after", next)
		p.NextURL = base + "?" + v.Encode()
	}
	return p
}

// MktOrdersPage lists orders.
type MktOrdersPage struct {
	Layout
	MktTabs
	mktHelp
	Filter   MktListFilter
	Statuses []string
	Types    []string
	Orders   []marketplace.Order
	Pager    MktPager
}

func (MktOrdersPage) Template() string { return "mkt_orders" }

// MktLineView is one line of an order.
type MktLineView struct {
	marketplace.OrderLine
	ItemName, TermLabel, Currency string
	Total                         string // per billing period, after the order
	Per                           string
}

// MktOrderStatus is the order page's status panel; while the order is
// Processing the panel polls itself (mkt_order_status).
type MktOrderStatus struct {
	ID, Status, QueryMessage, StatusNote string
	Sent                                 bool
	WaitingFor                           string
	QueuePos                             int // 1 = next after the one with the vendor
	ByHand                               bool
}

// Key names what the panel shows; the poll reloads the page when it
// changed.
func (s MktOrderStatus) Key() string {
	return s.Status + "|" + strconv.FormatBool(s.Sent) + "|" + s.WaitingFor
}

// Polls reports whether the panel refreshes itself.
func (s MktOrderStatus) Polls() bool { return s.Status == "Processing" }

// MktOrderPage is one order.
type MktOrderPage struct {
	Layout
	MktTabs
	mktHelp
	FormErrors
	Order     marketplace.Order
	Agreement marketplace.Agreement
	Buyer     marketplace.Buyer
	Product   marketplace.Product
	Vendor    marketplace.Vendor
	Lines     []MktLineView
	State     MktOrderStatus
	Billing   marketplace.OrderBilling
	History   []marketplace.StatusChange
	CanBuy    bool
	CanDecide bool // marketplace.manage and the order is with a hand-fulfilled vendor
	CanCancel bool
	Answer    string // the answer form's value after an error
	Decision  marketplace.Outcome
}

func (MktOrderPage) Template() string { return "mkt_order" }

// MktSubscriptionsPage lists subscriptions.
type MktSubscriptionsPage struct {
	Layout
	MktTabs
	mktHelp
	Filter        MktListFilter
	Statuses      []string
	Subscriptions []marketplace.Subscription
	Pager         MktPager
}

func (MktSubscriptionsPage) Template() string { return "mkt_subscriptions" }

// MktChangeForm is the change order form's values.
type MktChangeForm struct {
	Quantity, AutoRenew, PONumber, Notes string
}

// MktSubscriptionPage is one subscription.
type MktSubscriptionPage struct {
	Layout
	MktTabs
	mktHelp
	FormErrors
	Sub          marketplace.Subscription
	Item         marketplace.Item
	Agreement    marketplace.Agreement
	Vendor       marketplace.Vendor
	ProgramLabel string
	History      []marketplace.StatusChange
	Orders       []marketplace.Order
	Charges      []marketplace.Charge
	CanBuy       bool
	Running      bool   // Active: orders may change or end it
	OpenOrder    string // an open order of the subscription: no new one until it is done
	// Reasons an action is refused now ("" when allowed), said before
	// the user tries; the service refuses the same.
	POBlocked        string
	TerminateBlocked string
	ReduceBlocked    string
	ReturnNote       string // the programme's return window, in words
	PO               string // the PO form's value
	Change           MktChangeForm
}

func (MktSubscriptionPage) Template() string { return "mkt_subscription" }

// MktAgreementsPage lists agreements.
type MktAgreementsPage struct {
	Layout
	MktTabs
	mktHelp
	Filter     MktListFilter
	Statuses   []string
	Buyers     []Choice
	Agreements []marketplace.Agreement
	Names      mktNames
	Pager      MktPager
}

func (MktAgreementsPage) Template() string { return "mkt_agreements" }

// MktQueuedOrder is an order of an agreement with its place in the queue.
type MktQueuedOrder struct {
	marketplace.Order
	Queue string // "with the vendor", "waiting: 2nd in line", ""
}

// MktAgreementPage is one agreement.
type MktAgreementPage struct {
	Layout
	MktTabs
	mktHelp
	FormErrors
	Detail       marketplace.AgreementDetail
	ProgramLabel string
	Orders       []MktQueuedOrder
	FinalReason  string // why a final status is final
	CanBuy       bool
	PO           string
}

func (MktAgreementPage) Template() string { return "mkt_agreement" }
