package web

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/marketplace"
)

// Sample Marketplace commerce pages for the renderer tests.

func mktSampleCatalog() marketplace.Catalog {
	return marketplace.Catalog{
		Vendors: []marketplace.Vendor{{ID: "VND-adobe", Name: "Adobe", Program: "adobe-vip"}, {ID: "VND-atl", Name: "Atlassian", Program: "general"}},
		Products: []marketplace.Product{{ID: "PRD-cc", VendorID: "VND-adobe", Name: "Creative Cloud", Category: "Design"},
			{ID: "PRD-jira", VendorID: "VND-atl", Name: "Jira Software Cloud"}},
		Items: []marketplace.Item{
			{ID: "ITM-ps", ProductID: "PRD-cc", Name: "Photoshop", SKU: "65304520CA01A12", Prices: []marketplace.Price{{Term: "P1Y", Currency: "USD", UnitPrice: "359.88"}}},
			{ID: "ITM-jira", ProductID: "PRD-jira", Name: "Jira Standard", SKU: "JIRA-STD", Prices: []marketplace.Price{{Term: "P1M", Currency: "USD", UnitPrice: "8.15"}}},
		},
		Buyers: []marketplace.Buyer{{ID: "BUY-contoso", Name: "Contoso Ltd", Currency: "USD"}},
	}
}

func mktSampleLayout() Layout {
	l := sampleLayout(NavMarketplace)
	l.Can["marketplace.read"], l.Can["marketplace.purchase"], l.Can["marketplace.manage"] = true, true, true
	return l
}

func mktCommerceSamplePages() []pageCase {
	l, cat := mktSampleLayout(), mktSampleCatalog()
	it := cat.Items[0]
	sent, bought := t0, t0.Add(-48*time.Hour)
	renews := time.Date(2027, 3, 12, 0, 0, 0, 0, time.UTC)
	order := marketplace.Order{ID: "ORD-1111-2222-3333-4444", AgreementID: "AGR-1111-2222-3333", Type: "Purchase", Status: "Querying",
		QueryMessage: "Which Adobe admin console should the licences go to?", PONumber: "PO-4500012345", CreatedAt: t1, CreatedBy: "ada@example.com", SentAt: &sent, QueueNo: 1,
		Lines: []marketplace.OrderLine{{Action: "new", ItemID: "ITM-ps", SubscriptionID: "SUB-1111-2222-3333", Quantity: 5, Term: "P1Y", UnitPrice: "359.88"}}}
	agr := marketplace.Agreement{ID: "AGR-1111-2222-3333", Name: "Creative Cloud for Contoso", BuyerID: "BUY-contoso", ProductID: "PRD-cc",
		Status: "Terminated", Currency: "USD", PONumber: "PO-4500012345", CreatedAt: t1}
	sub := marketplace.Subscription{ID: "SUB-1111-2222-3333", AgreementID: agr.ID, ItemID: "ITM-ps", Name: "Photoshop", Status: "Active", Quantity: 5,
		Term: "P1Y", UnitPrice: "359.88", Currency: "USD", AutoRenew: true, PONumber: "PO-A", PurchasedAt: &bought, StartsOn: &bought, RenewsOn: &renews}
	history := []marketplace.StatusChange{{To: "Draft", Actor: "ada@example.com", At: t1}, {From: "Draft", To: "Processing", Actor: "ada@example.com", Note: "submitted", At: t0}}
	buy := MktBuyPage{Layout: l, Item: itemView(it), Product: cat.Products[0], Vendor: cat.Vendors[0], ProgramLabel: "Adobe VIP Marketplace",
		Policy: policyText(marketplace.PolicyOf(marketplace.ProgramAdobeVIP)), Buyers: []Choice{{Value: "BUY-contoso", Label: "Contoso Ltd", Selected: true}},
		Terms: []Choice{{Value: "P1Y", Label: "1 year, billed yearly", Selected: true}}, Form: MktBuyForm{ItemID: it.ID, BuyerID: "BUY-contoso", Quantity: "0", Term: "P1Y"},
		Total:      totalOf(it, cat.Buyers[0], "P1Y", "3"),
		FormErrors: FormErrors{FieldErrors: FieldErrors{"quantity": "Enter a whole number of licences between 1 and 1000000.", "po_number": "too long"}}}
	subPage := MktSubscriptionPage{Layout: l, Sub: sub, Item: it, Agreement: agr, Vendor: cat.Vendors[0], ProgramLabel: "General", CanBuy: true, Running: true,
		POBlocked: "The purchase-order number of SUB-1111-2222-3333 cannot change during its term", ReturnNote: "General rules: terminating ends it.",
		Change: MktChangeForm{Quantity: "5"}, Orders: []marketplace.Order{order}, History: history,
		FormErrors: FormErrors{FieldErrors: FieldErrors{"change_quantity": "Enter a whole number"}}}
	return []pageCase{
		{MktCatalogPage{Layout: l, MktTabs: MktTabs{Tab: MktTabCatalog}, CanBuy: true, Vendors: []Choice{{Value: "VND-adobe", Label: "Adobe"}},
			Products: catalogViews(cat, "", "")},
			[]string{`<h1>Marketplace</h1>`, `href="/marketplace" aria-current="page"`, `Adobe · Creative Cloud`, `1 year, billed yearly: <strong>359.88 USD</strong>`,
				`href="/marketplace/buy?item=ITM-ps"`, `Atlassian · Jira Software Cloud`, `Adobe VIP Marketplace rules`, `id="catalog-filter"`}},
		{buy, []string{`<form method="post" action="/marketplace/buy"`, `id="buy"`, `id="buy-quantity-error"`, `id="buy-po-error"`, `total <strong>1,079.64 USD</strong> per year`,
			`name="action" value="quote"`, `within 14 days of purchase`, `hx-get="/marketplace/buy/total"`}},
		{MktOrdersPage{Layout: l, MktTabs: MktTabs{Tab: MktTabOrders}, Orders: []marketplace.Order{order}, Statuses: statusNames(marketplace.Orders),
			Types: []string{"Purchase"}, Filter: MktListFilter{Status: "Querying"}, Pager: pagerOf("/marketplace/orders", MktListFilter{Status: "Querying", After: "ORD-0"}, "ORD-9")},
			[]string{`href="/marketplace/orders/ORD-1111-2222-3333-4444"`, `<option value="Querying" selected>`, `mkt-status-querying`,
				`href="/marketplace/orders?after=ORD-9&amp;status=Querying"`, `href="/marketplace/orders?status=Querying">First page`}},
		{MktOrderPage{Layout: l, MktTabs: MktTabs{Tab: MktTabOrders}, Order: order, Agreement: agr, Buyer: cat.Buyers[0], Product: cat.Products[0], Vendor: cat.Vendors[0],
			Lines: []MktLineView{{OrderLine: order.Lines[0], ItemName: "Photoshop", TermLabel: "1 year, billed yearly", Currency: "USD"}}, CanBuy: true, CanCancel: true,
			State:   MktOrderStatus{ID: order.ID, Status: "Querying", QueryMessage: order.QueryMessage, Sent: true},
			Billing: marketplace.OrderBilling{Invoices: []string{"INV-1111-2222-3333-4444"}}, History: history},
			[]string{`id="order-status"`, `Which Adobe admin console`, `id="answer-form"`, `action="/marketplace/orders/ORD-1111-2222-3333-4444/answer"`,
				`id="cancel-form"`, `href="/marketplace/invoices/INV-1111-2222-3333-4444"`, `Status history`, `Photoshop`, `359.88 USD`}},
		{MktOrderPage{Layout: l, Order: marketplace.Order{ID: "ORD-2", Type: "Change", Status: "Processing", SentAt: &sent}, CanDecide: true,
			State: MktOrderStatus{ID: "ORD-2", Status: "Processing", Sent: true, ByHand: true}, Decision: marketplace.Outcome{State: "completed"}},
			[]string{`data-poll hx-get="/marketplace/orders/ORD-2/status?shown=Processing|true|"`, `id="decide-form"`, `value="completed" checked`, `no ordering system connected`}},
		{MktSubscriptionsPage{Layout: l, Subscriptions: []marketplace.Subscription{sub}, Statuses: statusNames(marketplace.Subscriptions)},
			[]string{`href="/marketplace/subscriptions/SUB-1111-2222-3333"`, `1 year, billed yearly`, `12 Mar 2027`}},
		{subPage, []string{`id="po-blocked"`, `cannot change during its term`, `id="change-form"`, `id="change-quantity-error"`, `id="terminate-form"`,
			`data-confirm="Terminate Photoshop`, `General rules: terminating ends it.`}},
		{MktAgreementsPage{Layout: l, Agreements: []marketplace.Agreement{agr}, Names: namesOf(cat), Statuses: statusNames(marketplace.Agreements)},
			[]string{`href="/marketplace/agreements/AGR-1111-2222-3333"`, `Adobe Creative Cloud`, `Contoso Ltd`}},
		{MktAgreementPage{Layout: l, Detail: marketplace.AgreementDetail{Agreement: agr, Buyer: cat.Buyers[0], Vendor: cat.Vendors[0], Product: cat.Products[0],
			Subscriptions: []marketplace.Subscription{sub}, History: history}, FinalReason: finalReasons["Terminated"], CanBuy: true,
			Orders: queueOf([]marketplace.Order{order})},
			[]string{`id="agreement-final"`, `cannot be reactivated`, `with the vendor, waiting for your answer`, `Photoshop`}},
	}
}

// The commerce pages render with nothing filled in.
func TestMktCommerceZeroPages(t *testing.T) {
	r := newTestRenderer(t)
	for _, p := range []Page{MktCatalogPage{}, MktBuyPage{}, MktOrdersPage{}, MktOrderPage{}, MktSubscriptionsPage{}, MktSubscriptionPage{},
		MktAgreementsPage{}, MktAgreementPage{}} {
		code, _, body := render(t, r, p)
		if code != http.StatusOK || !strings.Contains(body, "</html>") {
			t.Errorf("%s: %d", p.Template(), code)
		}
	}
}

func TestQueueLabelsAndOrdinals(t *testing.T) {
	now := t0
	q := queueOf([]marketplace.Order{{ID: "a", Status: "Completed", QueueNo: 1}, {ID: "b", Status: "Processing", QueueNo: 2, SentAt: &now},
		{ID: "c", Status: "Processing", QueueNo: 4}, {ID: "d", Status: "Processing", QueueNo: 3}, {ID: "e", Status: "Quoted"}})
	got := map[string]string{}
	for _, o := range q {
		got[o.ID] = o.Queue
	}
	if got["a"] != "" || got["b"] != "with the vendor" || got["d"] != "waiting: 1st in line" || got["c"] != "waiting: 2nd in line" || got["e"] != "" {
		t.Errorf("queue %v", got)
	}
	for n, want := range map[int]string{1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 11: "11th", 12: "12th", 21: "21st", 112: "112th"} {
		if ordinal(n) != want {
			t.Errorf("ordinal(%d) = %q", n, ordinal(n))
		}
	}
}

func TestBuyTotal(t *testing.T) {
	cat := mktSampleCatalog()
	if tot := totalOf(cat.Items[1], cat.Buyers[0], "P1M", "1234"); tot.Total != "10,057.10" || tot.Per != "per month" {
		t.Errorf("total %+v", tot)
	}
	if tot := totalOf(cat.Items[1], cat.Buyers[0], "P1Y", "2"); tot.Total != "" || !strings.Contains(tot.Note, "no 1 year, billed yearly price in USD") {
		t.Errorf("missing price %+v", tot)
	}
	if tot := totalOf(cat.Items[1], cat.Buyers[0], "P1M", "x"); tot.Total != "" || tot.Note == "" {
		t.Errorf("bad quantity %+v", tot)
	}
}
