package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/marketplace"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// mktShop is an organisation's marketplace catalog: vendors without an
// ordering system, so orders wait with the "vendor" until an operations
// user decides them (on the order page, or through ops here).
type mktShop struct {
	f         *fixture
	org       string
	svc       *marketplace.Service
	ops       *auth.Principal
	buyer     string
	photoshop marketplace.Item // Adobe VIP Marketplace
	jira      marketplace.Item // general rules
}

func (f *fixture) seedShop(org string) *mktShop {
	f.t.Helper()
	ctx := context.Background()
	m := &mktShop{f: f, org: org, svc: marketplace.New(f.st, nil), ops: &auth.Principal{User: domain.User{ID: "usr_ops", Email: "ops@example.com"},
		Org: f.orgs[org], Perms: auth.NewPermissionSet(auth.PermMarketplaceRead, auth.PermMarketplacePurchase, auth.PermMarketplaceManage)}}
	who := audit.Actor{Email: "ops@example.com"}
	must := func(err error) {
		if err != nil {
			f.t.Fatal(err)
		}
	}
	b, err := m.svc.CreateBuyer(ctx, m.ops, who, marketplace.BuyerInput{Name: "Contoso " + org, Currency: "USD"})
	must(err)
	m.buyer = b.ID
	item := func(vendor, program, product, name, sku, term, price string) marketplace.Item {
		v, err := m.svc.CreateVendor(ctx, m.ops, who, marketplace.VendorInput{Name: vendor, Program: program})
		must(err)
		p, err := m.svc.CreateProduct(ctx, m.ops, who, marketplace.ProductInput{VendorID: v.ID, Name: product})
		must(err)
		it, err := m.svc.CreateItem(ctx, m.ops, who, marketplace.ItemInput{ProductID: p.ID, Name: name, SKU: sku,
			Prices: []marketplace.Price{{Term: term, Currency: "USD", UnitPrice: price}}})
		must(err)
		return it
	}
	m.photoshop = item("Adobe", "adobe-vip", "Creative Cloud", "Photoshop", "65304520CA01A12", "P1Y", "359.88")
	m.jira = item("Atlassian", "general", "Jira Software Cloud", "Jira Standard", "JIRA-STD", "P1M", "8.15")
	return m
}

// bought buys n of it and completes the purchase; it returns the
// subscription.
func (m *mktShop) bought(it marketplace.Item, term string, n int64) marketplace.Subscription {
	m.f.t.Helper()
	ctx := context.Background()
	o, err := m.svc.Purchase(ctx, m.ops, audit.Actor{}, marketplace.OrderInput{BuyerID: m.buyer, Submit: true,
		Lines: []marketplace.LineInput{{ItemID: it.ID, Term: term, Quantity: n}}})
	if err != nil {
		m.f.t.Fatal(err)
	}
	if _, err := m.svc.Decide(ctx, m.ops, audit.Actor{}, o.ID, marketplace.Outcome{State: marketplace.OutcomeCompleted}); err != nil {
		m.f.t.Fatal(err)
	}
	sub, err := m.f.st.GetMktSubscription(ctx, m.f.orgs[m.org].ID, o.Lines[0].SubscriptionID, false)
	if err != nil || sub.Status != "Active" {
		m.f.t.Fatalf("bought %+v %v", sub, err)
	}
	return sub
}

func (m *mktShop) order(id string) marketplace.Order {
	m.f.t.Helper()
	o, err := m.f.st.GetMktOrder(context.Background(), m.f.orgs[m.org].ID, id, false)
	if err != nil {
		m.f.t.Fatal(err)
	}
	return o
}

// statusPanel polls an order page's status panel as htmx does; it
// returns the status and the HX-Refresh header.
func (f *fixture) statusPanel(c *http.Client, orderPath, shown string) (int, string) {
	f.t.Helper()
	resp, err := c.Get(f.srv.URL + orderPath + "/status?shown=" + url.QueryEscape(shown))
	if err != nil {
		f.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("HX-Refresh")
}

var mktOrderURL = regexp.MustCompile(`^/marketplace/orders/(ORD-[A-Z0-9-]+)$`)

// placed expects a 303 to an order page and returns the order's ID.
func placed(t *testing.T, what string, code int, loc string) string {
	t.Helper()
	m := mktOrderURL.FindStringSubmatch(loc)
	if code != http.StatusSeeOther || m == nil {
		t.Fatalf("%s: %d %q", what, code, loc)
	}
	return m[1]
}

func mustContain(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

// A buyer finds an item in the catalog, fails and then fills the buy
// form, follows the order while the vendor (an operations user here)
// asks a question, answers it, and sees the order completed; a viewer
// sees it all but cannot buy or act; another organisation sees nothing.
func TestMktBuyThroughTheForm(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		m := f.seedShop("A")
		owner := f.client("owner-a@example.com")
		code, page := f.do(owner, "GET", "/marketplace?q=photo", nil)
		if code != 200 {
			t.Fatalf("catalog: %d", code)
		}
		mustContain(t, "catalog", page, "Adobe · Creative Cloud", "359.88 USD", `href="/marketplace/buy?item=`+m.photoshop.ID+`"`)
		if strings.Contains(page, "Jira Standard") {
			t.Error("the search kept Jira")
		}
		_, page = f.do(owner, "GET", "/marketplace/buy?item="+m.photoshop.ID, nil)
		mustContain(t, "buy form", page, `id="buy"`, "Contoso A", "1 year, billed yearly", "within 14 days of purchase")
		form := url.Values{"item": {m.photoshop.ID}, "buyer_id": {m.buyer}, "quantity": {"0"}, "term": {"P1Y"}, "po_number": {"PO-77"}, "notes": {"for design"}}
		code, _, body := f.post(owner, "/marketplace/buy", form)
		if code != http.StatusBadRequest || !strings.Contains(body, `id="buy-quantity-error"`) || !strings.Contains(body, `value="PO-77"`) {
			t.Fatalf("quantity 0: %d", code)
		}
		form.Set("quantity", "3")
		form.Set("po_number", strings.Repeat("P", 65))
		if code, _, body = f.post(owner, "/marketplace/buy", form); code != http.StatusBadRequest || !strings.Contains(body, `id="buy-po-error"`) {
			t.Fatalf("long PO: %d", code)
		}
		if list, _ := f.st.ListMktAgreements(context.Background(), f.orgs["A"].ID, store.MktAgreementFilter{}); len(list) != 0 {
			t.Fatalf("refused forms stored %d agreements", len(list))
		}
		form.Set("po_number", "PO-77")
		code, loc, _ := f.post(owner, "/marketplace/buy", form)
		id := placed(t, "buy", code, loc)
		o := m.order(id)
		if o.Status != "Processing" || o.SentAt == nil || o.Lines[0].Quantity != 3 || o.Notes != "for design" {
			t.Fatalf("stored order %+v", o)
		}
		_, page = f.do(owner, "GET", loc, nil)
		mustContain(t, "order page", page, `id="order-status"`, `data-poll`, `id="decide-form"`, "Photoshop", "PO-77", "359.88 USD", "1,079.64 USD")
		if code, refresh := f.statusPanel(owner, loc, "Processing|true|"); code != 200 || refresh != "" {
			t.Fatalf("status panel: %d, HX-Refresh %q", code, refresh)
		}

		// The vendor asks; the buyer answers; the vendor completes.
		code, _, body = f.post(owner, loc+"/decide", url.Values{"state": {"querying"}})
		if code != http.StatusBadRequest || !strings.Contains(body, `id="decide-message-error"`) {
			t.Fatalf("query without a question: %d", code)
		}
		code, _, _ = f.post(owner, loc+"/decide", url.Values{"state": {"querying"}, "message": {"Which admin console?"}})
		if code != http.StatusSeeOther || m.order(id).Status != "Querying" {
			t.Fatalf("query: %d", code)
		}
		_, page = f.do(owner, "GET", loc, nil)
		mustContain(t, "queried order", page, `id="answer-form"`, "Which admin console?", `id="cancel-form"`)
		if code, _, body = f.post(owner, loc+"/answer", url.Values{"answer": {"  "}}); code != http.StatusBadRequest || !strings.Contains(body, `id="answer-error"`) {
			t.Fatalf("empty answer: %d", code)
		}
		if code, _, _ = f.post(owner, loc+"/answer", url.Values{"answer": {"Console 7"}}); code != http.StatusSeeOther || m.order(id).Status != "Processing" {
			t.Fatalf("answer: %d", code)
		}
		if code, _, _ = f.post(owner, loc+"/decide", url.Values{"state": {"completed"}}); code != http.StatusSeeOther || m.order(id).Status != "Completed" {
			t.Fatalf("complete: %d", code)
		}
		_, page = f.do(owner, "GET", loc, nil)
		mustContain(t, "completed order", page, "Console 7", "Which admin console?", `mkt-status-completed`)
		if strings.Contains(page, "data-poll") || strings.Contains(page, `id="decide-form"`) {
			t.Error("a completed order still polls or offers a decision")
		}
		if code, refresh := f.statusPanel(owner, loc, "Processing|true|"); code != 200 || refresh != "true" {
			t.Fatalf("status panel after completion: %d, HX-Refresh %q", code, refresh)
		}
		_, page = f.do(owner, "GET", "/marketplace/agreements/"+o.AgreementID, nil)
		mustContain(t, "agreement", page, "Contoso A", "PO-77", `mkt-status-active`, o.Lines[0].SubscriptionID)
		_, page = f.do(owner, "GET", "/marketplace/orders?status=Completed", nil)
		mustContain(t, "orders list", page, id)
		_, page = f.do(owner, "GET", "/marketplace/orders?status=Failed", nil)
		if strings.Contains(page, id) {
			t.Error("the Failed filter lists a completed order")
		}

		viewer := f.client("viewer-a@example.com")
		code, page = f.do(viewer, "GET", loc, nil)
		if code != 200 || strings.Contains(page, `id="decide-form"`) {
			t.Fatalf("viewer order page: %d", code)
		}
		if code, _ := f.do(viewer, "GET", "/marketplace", nil); code != 200 {
			t.Fatalf("viewer catalog: %d", code)
		}
		if code, _, _ := f.post(viewer, "/marketplace/buy", form); code != http.StatusForbidden {
			t.Fatalf("viewer buys: %d", code)
		}
		ownerB := f.client("owner-b@example.com")
		for _, path := range []string{loc, "/marketplace/agreements/" + o.AgreementID, "/marketplace/subscriptions/" + o.Lines[0].SubscriptionID,
			"/marketplace/buy?item=" + m.photoshop.ID} {
			if code, _ := f.do(ownerB, "GET", path, nil); code != http.StatusNotFound {
				t.Errorf("org B GET %s: %d", path, code)
			}
		}
		if code, _, _ := f.post(ownerB, "/marketplace/buy", form); code != http.StatusNotFound {
			t.Errorf("org B buys A's item: %d", code)
		}
		if code, _, _ := f.post(ownerB, "/marketplace/subscriptions/"+o.Lines[0].SubscriptionID+"/terminate", nil); code != http.StatusNotFound {
			t.Errorf("org B terminates A's subscription: %d", code)
		}
	})
}

// A quote is saved, cancelled; another submitted; a second order of an
// agreement waits behind the one with the vendor and says so.
func TestMktQuotesAndTheQueue(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		m := f.seedShop("A")
		owner := f.client("owner-a@example.com")
		form := url.Values{"item": {m.jira.ID}, "buyer_id": {m.buyer}, "quantity": {"10"}, "term": {"P1M"}, "action": {"quote"}}
		code, loc, _ := f.post(owner, "/marketplace/buy", form)
		id := placed(t, "quote", code, loc)
		_, page := f.do(owner, "GET", loc, nil)
		mustContain(t, "quote", page, `id="submit-form"`, `id="cancel-form"`, "Saved as a quote")
		if code, _, _ := f.post(owner, loc+"/cancel", url.Values{"reason": {"not needed"}}); code != http.StatusSeeOther {
			t.Fatalf("cancel: %d", code)
		}
		o := m.order(id)
		agr, _ := f.st.GetMktAgreement(context.Background(), f.orgs["A"].ID, o.AgreementID, false)
		if o.Status != "Failed" || agr.Status != "Deleted" {
			t.Fatalf("cancelled quote: %s, agreement %s", o.Status, agr.Status)
		}
		_, page = f.do(owner, "GET", "/marketplace/agreements/"+agr.ID, nil)
		mustContain(t, "deleted agreement", page, `id="agreement-final"`, "Deleted is final")
		if code, _, body := f.post(owner, loc+"/submit", nil); code != http.StatusConflict || !strings.Contains(body, "a failed order cannot change") {
			t.Fatalf("submit a cancelled order: %d", code)
		}

		code, loc, _ = f.post(owner, "/marketplace/buy", form)
		id = placed(t, "quote 2", code, loc)
		if code, _, _ := f.post(owner, loc+"/submit", nil); code != http.StatusSeeOther || m.order(id).Status != "Processing" {
			t.Fatalf("submit: %d", code)
		}
		if code, _, body := f.post(owner, loc+"/cancel", nil); code != http.StatusConflict || !strings.Contains(body, "with the vendor") {
			t.Fatalf("cancel an order with the vendor: %d", code)
		}

		sub := m.bought(m.jira, "P1M", 5)
		code, loc, _ = f.post(owner, "/marketplace/subscriptions/"+sub.ID+"/change", url.Values{"quantity": {"6"}, "action": {"submit"}})
		first := placed(t, "change 1", code, loc)
		if code, _, _ := f.post(owner, "/marketplace/buy", url.Values{}); code != http.StatusNotFound { // no item
			t.Fatalf("buy without an item: %d", code)
		}
		// A second order on the same agreement (a renewal switch) waits.
		_, err := m.svc.Change(context.Background(), m.ops, audit.Actor{}, sub.AgreementID, marketplace.OrderInput{Submit: true,
			Lines: []marketplace.LineInput{{ItemID: m.jira.ID, Term: "P1M", Quantity: 2}}})
		if err != nil {
			t.Fatal(err)
		}
		orders, _ := f.st.ListMktOrders(context.Background(), f.orgs["A"].ID, store.MktOrderFilter{AgreementID: sub.AgreementID, Status: "Processing"})
		var second string
		for _, o := range orders {
			if o.ID != first {
				second = o.ID
			}
		}
		_, page = f.do(owner, "GET", "/marketplace/orders/"+second, nil)
		mustContain(t, "waiting order", page, `id="order-queue"`, "Waiting its turn", `href="/marketplace/orders/`+first+`"`, `id="cancel-form"`)
		_, page = f.do(owner, "GET", "/marketplace/agreements/"+sub.AgreementID, nil)
		mustContain(t, "agreement queue", page, "with the vendor", "waiting: 1st in line")
		_, page = f.do(owner, "GET", "/marketplace/subscriptions/"+sub.ID, nil)
		mustContain(t, "subscription with an open order", page, `id="open-order"`, first)
		if code, _, _ := f.post(owner, "/marketplace/orders/"+second+"/cancel", nil); code != http.StatusSeeOther || m.order(second).Status != "Failed" {
			t.Fatalf("cancel the waiting order: %d", code)
		}
	})
}

// Programme rules on the subscription page: a general subscription's PO
// number cannot change mid-term (said before trying, refused when
// tried), it can be terminated, and the agreement then ends for good; an
// Adobe subscription's PO number can change, and its quantity with it.
func TestMktSubscriptionRules(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		m := f.seedShop("A")
		owner := f.client("owner-a@example.com")
		jira := m.bought(m.jira, "P1M", 5)
		path := "/marketplace/subscriptions/" + jira.ID
		_, page := f.do(owner, "GET", path, nil)
		mustContain(t, "general subscription", page, `id="po-blocked"`, "cannot change during its term", `id="change-form"`, `id="terminate-form"`, "without credit")
		if strings.Contains(page, `id="po-form"`) {
			t.Error("the page offers a PO form the service refuses")
		}
		code, _, body := f.post(owner, path+"/po", url.Values{"po_number": {"PO-NEW"}})
		if code != http.StatusConflict || !strings.Contains(body, "only Adobe VIP Marketplace subscriptions allow that") {
			t.Fatalf("mid-term PO: %d", code)
		}
		if code, _, body = f.post(owner, path+"/change", url.Values{"quantity": {"many"}}); code != http.StatusBadRequest || !strings.Contains(body, `id="change-quantity-error"`) {
			t.Fatalf("bad quantity: %d", code)
		}
		if code, _, body = f.post(owner, path+"/change", url.Values{"quantity": {"5"}}); code != http.StatusBadRequest || !strings.Contains(body, "changes nothing") {
			t.Fatalf("a change of nothing: %d", code)
		}
		if code, _, _ := f.post(f.client("viewer-a@example.com"), path+"/terminate", nil); code != http.StatusForbidden {
			t.Fatalf("viewer terminates: %d", code)
		}
		code, loc, _ := f.post(owner, path+"/terminate", url.Values{"notes": {"moving to Linear"}})
		id := placed(t, "terminate", code, loc)
		if o := m.order(id); o.Type != "Termination" || o.Status != "Processing" {
			t.Fatalf("termination order %+v", o)
		}
		if code, _, _ = f.post(owner, loc+"/decide", url.Values{"state": {"completed"}}); code != http.StatusSeeOther {
			t.Fatalf("complete termination: %d", code)
		}
		_, page = f.do(owner, "GET", "/marketplace/agreements/"+jira.AgreementID, nil)
		mustContain(t, "terminated agreement", page, `id="agreement-final"`, "Terminated is final", "Buy the product again")
		if strings.Contains(page, `id="agreement-po-form"`) {
			t.Error("a terminated agreement offers a PO form")
		}
		_, page = f.do(owner, "GET", path, nil)
		if strings.Contains(page, `id="terminate-form"`) || strings.Contains(page, `id="change-form"`) {
			t.Error("a terminated subscription offers orders")
		}

		ps := m.bought(m.photoshop, "P1Y", 4)
		path = "/marketplace/subscriptions/" + ps.ID
		_, page = f.do(owner, "GET", path, nil)
		mustContain(t, "adobe subscription", page, `id="po-form"`, "Adobe VIP Marketplace rules: until", "for a full credit", `id="subscription-charges"`, "1,439.52 USD")
		if code, loc, _ = f.post(owner, path+"/po", url.Values{"po_number": {"PO-ADOBE-2"}}); code != http.StatusSeeOther || loc != path {
			t.Fatalf("adobe PO: %d %s", code, loc)
		}
		if s, _ := f.st.GetMktSubscription(context.Background(), f.orgs["A"].ID, ps.ID, false); s.PONumber != "PO-ADOBE-2" {
			t.Fatalf("PO stored %q", s.PONumber)
		}
		code, loc, _ = f.post(owner, path+"/change", url.Values{"quantity": {"2"}, "auto_renew": {"off"}, "action": {"quote"}})
		id = placed(t, "adobe change", code, loc)
		if o := m.order(id); o.Status != "Quoted" || o.Lines[0].Quantity != 2 || o.Lines[0].AutoRenew == nil || *o.Lines[0].AutoRenew {
			t.Fatalf("change quote %+v", o)
		}
		_, page = f.do(owner, "GET", "/marketplace/agreements/"+ps.AgreementID, nil)
		mustContain(t, "adobe agreement", page, `id="agreement-po-form"`)
		if code, _, _ = f.post(owner, "/marketplace/agreements/"+ps.AgreementID+"/po", url.Values{"po_number": {"PO-YEARLY"}}); code != http.StatusSeeOther {
			t.Fatalf("agreement PO: %d", code)
		}
		if a, _ := f.st.GetMktAgreement(context.Background(), f.orgs["A"].ID, ps.AgreementID, false); a.PONumber != "PO-YEARLY" {
			t.Fatalf("agreement PO stored %q", a.PONumber)
		}
		_, page = f.do(owner, "GET", "/marketplace/subscriptions?q=Photoshop", nil)
		mustContain(t, "subscriptions list", page, ps.ID)
		_, page = f.do(owner, "GET", "/marketplace/agreements?status=Terminated", nil)
		mustContain(t, "agreements list", page, jira.AgreementID)
		if strings.Contains(page, ps.AgreementID) {
			t.Error("the Terminated filter lists an active agreement")
		}
	})
}

// Without marketplace.read (a grant scoped to one unit only) the
// Marketplace pages answer 403.
func TestMktPagesNeedMarketplaceRead(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.seedShop("A")
		ctx := context.Background()
		hash, err := auth.HashPassword(f.passwd)
		if err != nil {
			t.Fatal(err)
		}
		now := domain.Now()
		u := domain.User{ID: domain.NewID(domain.PrefixUser), Email: "scoped-a@example.com", PasswordHash: hash, Status: domain.UserActive, CreatedAt: now, UpdatedAt: now}
		if err := f.st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := f.st.AddMember(ctx, f.orgs["A"].ID, u.ID, []domain.RoleGrant{{Role: auth.RoleViewer, ScopeKind: "unit", ScopeID: "bu_1"}}, now); err != nil {
			t.Fatal(err)
		}
		c := f.client(u.Email)
		for _, path := range []string{"/marketplace", "/marketplace/orders", "/marketplace/subscriptions", "/marketplace/agreements"} {
			if code, body := f.do(c, "GET", path, nil); code != http.StatusForbidden || !strings.Contains(body, "You do not have permission") {
				t.Errorf("%s without marketplace.read: %d", path, code)
			}
		}
	})
}

// The buy form offers only the buyers a product is listed for, says so
// when it is listed for none, and an item taken off sale leaves the
// catalog and cannot be bought.
func TestMktBuyFormFollowsListingsAndSale(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		m := f.seedShop("A")
		ctx, who := context.Background(), audit.Actor{Email: "ops@example.com"}
		other, err := m.svc.CreateBuyer(ctx, m.ops, who, marketplace.BuyerInput{Name: "Fabrikam A", Currency: "USD"})
		if err != nil {
			t.Fatal(err)
		}
		owner := f.client("owner-a@example.com")
		_, page := f.do(owner, "GET", "/marketplace/buy?item="+m.photoshop.ID, nil)
		mustContain(t, "buy form, listed for every buyer", page, "Contoso A", "Fabrikam A")

		// Listed for Fabrikam only.
		for _, in := range []marketplace.ListingInput{{ProductID: m.photoshop.ProductID, BuyerID: other.ID, Enabled: true}, {ProductID: m.photoshop.ProductID, Enabled: false}} {
			if _, err := m.svc.SetListing(ctx, m.ops, who, in); err != nil {
				t.Fatal(err)
			}
		}
		_, page = f.do(owner, "GET", "/marketplace/buy?item="+m.photoshop.ID, nil)
		mustContain(t, "buy form, listed for Fabrikam", page, "Fabrikam A")
		if strings.Contains(page, "Contoso A") {
			t.Error("the buy form offers a buyer the product is not listed for")
		}
		// Posting the other buyer anyway is refused by the service.
		code, _, body := f.post(owner, "/marketplace/buy", url.Values{"item": {m.photoshop.ID}, "buyer_id": {m.buyer}, "quantity": {"1"}, "term": {"P1Y"}})
		if code != http.StatusBadRequest || !strings.Contains(body, "is not listed for buyer Contoso A") {
			t.Fatalf("buying for an unlisted buyer: %d", code)
		}
		if _, err := m.svc.SetListing(ctx, m.ops, who, marketplace.ListingInput{ProductID: m.photoshop.ProductID, BuyerID: other.ID, Enabled: false}); err != nil {
			t.Fatal(err)
		}
		_, page = f.do(owner, "GET", "/marketplace/buy?item="+m.photoshop.ID, nil)
		mustContain(t, "buy form, listed for nobody", page, `id="no-buyers"`, "Creative Cloud is not listed for any buyer", `href="/marketplace/manage"`)

		// Jira taken off sale: gone from the catalog, its form says why.
		if _, err := m.svc.SetItemOnSale(ctx, m.ops, who, m.jira.ID, false); err != nil {
			t.Fatal(err)
		}
		if _, page = f.do(owner, "GET", "/marketplace", nil); strings.Contains(page, "Jira Standard") {
			t.Error("an item off sale is still in the catalog")
		}
		if code, page = f.do(owner, "GET", "/marketplace/buy?item="+m.jira.ID, nil); code != http.StatusConflict || !strings.Contains(page, "is no longer sold") {
			t.Fatalf("buy form of an item off sale: %d", code)
		}
	})
}
