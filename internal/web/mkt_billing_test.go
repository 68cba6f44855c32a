package web_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/marketplace"
	"github.com/canopyhq/canopy/internal/pdftext"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// mktSeed is org A's marketplace: a yearly Photoshop purchase with a
// long PO number and a monthly Microsoft 365 one, both completed on
// 2 Nov 2026 and not yet invoiced; the service's clock can move.
type mktSeed struct {
	svc       *marketplace.Service
	clock     *time.Time
	org       string
	photoshop marketplace.Order
	m365      marketplace.Order
}

const longPO = "4500012345-CREATIVE-CLOUD-2026"

func (f *fixture) seedMarketplace() mktSeed {
	f.t.Helper()
	ctx := context.Background()
	must := func(err error) {
		f.t.Helper()
		if err != nil {
			f.t.Fatal(err)
		}
	}
	clock := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	svc := marketplace.New(f.st, nil) // vendors fulfilled by hand
	svc.Now = func() time.Time { return clock }
	f.ui.Marketplace = svc
	p, err := f.svc.LoadPrincipal(ctx, f.users["owner-a@example.com"].ID, f.orgs["A"].ID)
	must(err)
	who := audit.Actor{Email: "owner-a@example.com"}
	item := func(program, product, name string, price marketplace.Price) marketplace.Item {
		v, err := svc.CreateVendor(ctx, p, who, marketplace.VendorInput{Name: product + " vendor", Program: program})
		must(err)
		pr, err := svc.CreateProduct(ctx, p, who, marketplace.ProductInput{VendorID: v.ID, Name: product})
		must(err)
		it, err := svc.CreateItem(ctx, p, who, marketplace.ItemInput{ProductID: pr.ID, Name: name, SKU: "SKU-" + name, Prices: []marketplace.Price{price}})
		must(err)
		return it
	}
	ps := item("adobe-vip", "Creative Cloud", "Photoshop", marketplace.Price{Term: "P1Y", Currency: "EUR", UnitPrice: "263.88"})
	e3 := item("microsoft-nce", "Microsoft 365", "E3", marketplace.Price{Term: "P1M", Currency: "EUR", UnitPrice: "36.00"})
	b, err := svc.CreateBuyer(ctx, p, who, marketplace.BuyerInput{Name: "Acme GmbH", Currency: "EUR", Address: "Hauptstraße 1, Berlin"})
	must(err)
	buy := func(it marketplace.Item, term string, n int64) marketplace.Order {
		o, err := svc.Purchase(ctx, p, who, marketplace.OrderInput{BuyerID: b.ID, Submit: true, Lines: []marketplace.LineInput{{ItemID: it.ID, Term: term, Quantity: n}}})
		must(err)
		_, err = svc.Decide(ctx, p, who, o.ID, marketplace.Outcome{State: marketplace.OutcomeCompleted})
		must(err)
		return o
	}
	s := mktSeed{svc: svc, clock: &clock, org: f.orgs["A"].ID, photoshop: buy(ps, "P1Y", 5), m365: buy(e3, "P1M", 10)}
	_, err = svc.SetAgreementPO(ctx, p, who, s.photoshop.AgreementID, longPO)
	must(err)
	return s
}

// member adds a new user to org A with grants and signs them in.
func (f *fixture) member(email string, grants ...domain.RoleGrant) *http.Client {
	f.t.Helper()
	hash, err := auth.HashPassword(f.passwd)
	if err != nil {
		f.t.Fatal(err)
	}
	now := domain.Now()
	u := domain.User{ID: domain.NewID(domain.PrefixUser), Email: email, PasswordHash: hash, Status: domain.UserActive, CreatedAt: now, UpdatedAt: now}
	if err := f.st.CreateUser(context.Background(), u); err != nil {
		f.t.Fatal(err)
	}
	if err := f.st.AddMember(context.Background(), f.orgs["A"].ID, u.ID, grants, now); err != nil {
		f.t.Fatal(err)
	}
	return f.client(email)
}

// download fetches a file and returns its headers and body.
func (f *fixture) download(c *http.Client, path string) (int, http.Header, []byte) {
	f.t.Helper()
	res, err := c.Get(f.srv.URL + path)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, b
}

// issue posts the issue form and returns the invoices page that follows.
func (f *fixture) issue(c *http.Client, month string) string {
	f.t.Helper()
	if code, body := f.do(c, "POST", "/marketplace/invoices", url.Values{"issue_month": {month}}); code != http.StatusSeeOther {
		f.t.Fatalf("issue %s: %d %s", month, code, body)
	}
	_, body := f.do(c, "GET", "/marketplace/invoices?month="+month, nil)
	return body
}

func (s mktSeed) invoiceOf(t *testing.T, orderID, month string) string {
	t.Helper()
	from, to, _ := marketplace.MonthSpan("month", month)
	p := &auth.Principal{Org: domain.Org{ID: s.org}, Perms: auth.NewPermissionSet(auth.PermMarketplaceRead)}
	page, err := s.svc.Invoices(context.Background(), p, marketplace.InvoiceFilter{OrderID: orderID, PeriodFrom: from, PeriodTo: to})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("invoices of %s in %s: %+v %v", orderID, month, page.Items, err)
	}
	return page.Items[0].ID
}

func wantAll(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

// November's consolidated invoice bills both orders (PO No. cut to 16
// characters and "…"); December bills Microsoft 365's second month, so
// that order is on two invoices, and each invoice page says so.
func TestMarketplaceInvoicePagesReconcile(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		s := f.seedMarketplace()
		owner := f.client("owner-a@example.com")
		if code, body := f.do(owner, "POST", "/marketplace/invoices", url.Values{"issue_month": {"November"}}); code != http.StatusBadRequest ||
			!strings.Contains(body, `id="mkt-issue-month-error"`) || !strings.Contains(body, "YYYY-MM") {
			t.Fatalf("bad month: %d", code)
		}
		nov := s.invoiceOfAfter(t, f, owner, s.photoshop.ID, "2026-11")
		*s.clock = time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
		if n, err := s.svc.BillRecurring(context.Background(), s.org, *s.clock); err != nil || n != 1 {
			t.Fatalf("December recurring: %d %v", n, err)
		}
		body := f.issue(owner, "2026-12")
		dec := s.invoiceOf(t, s.m365.ID, "2026-12")
		wantAll(t, "December list", body, "Issued 1 invoice for December 2026: "+dec, `href="/marketplace/invoices/`+dec+`"`)
		if strings.Contains(body, nov) {
			t.Errorf("the December filter lists November's invoice")
		}
		if body = f.issue(owner, "2026-12"); !strings.Contains(body, "Nothing unbilled in December 2026: no invoices issued.") {
			t.Errorf("issuing December again: no 'nothing unbilled' message")
		}

		code, body := f.do(owner, "GET", "/marketplace/invoices/"+nov, nil)
		if code != 200 {
			t.Fatalf("November invoice: %d", code)
		}
		wantAll(t, "November invoice", body, "Acme GmbH", "November 2026", "1,679.40 EUR", "PO No. 4500012345-CREAT…", `title="`+longPO+`"`,
			`href="/marketplace/orders/`+s.photoshop.ID+`"`, `href="/marketplace/orders/`+s.m365.ID+`"`,
			`href="/marketplace/subscriptions/`+s.m365.Lines[0].SubscriptionID+`"`, `href="/marketplace/subscriptions/`+s.photoshop.Lines[0].SubscriptionID+`"`,
			`href="/marketplace/invoices/`+dec+`"`, `action="/marketplace/invoices/`+nov+`/paid"`, "mkt-status-issued")
		recon := body[strings.Index(body, `id="mkt-recon-orders"`):]
		if row := recon[strings.Index(recon, `data-order="`+s.photoshop.ID+`"`):]; !strings.Contains(row[:strings.Index(row, "</tr>")], "only this invoice") {
			t.Errorf("the yearly order is said to be on other invoices too")
		}
		_, body = f.do(owner, "GET", "/marketplace/invoices/"+dec, nil)
		wantAll(t, "December invoice", body, "360.00 EUR", `href="/marketplace/orders/`+s.m365.ID+`"`, `href="/marketplace/invoices/`+nov+`"`)
		if strings.Contains(body, s.photoshop.ID) {
			t.Errorf("December's invoice names the Photoshop order")
		}

		code, hdr, pdf := f.download(owner, "/marketplace/invoices/"+nov+"/pdf")
		if code != 200 || hdr.Get("Content-Type") != "application/pdf" || hdr.Get("Content-Disposition") != `attachment; filename="`+nov+`.pdf"` {
			t.Fatalf("PDF: %d %v", code, hdr)
		}
		text, err := pdftext.Text(pdf)
		if err != nil {
			t.Fatal(err)
		}
		wantAll(t, "PDF", text, "Invoice"+nov, "PONo.4500012345-CREAT…", s.photoshop.ID, s.m365.ID, "Totaldue(EUR)1,679.40")
		code, hdr, csv := f.download(owner, "/marketplace/invoices/"+nov+"/csv")
		if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") || hdr.Get("Content-Disposition") != `attachment; filename="`+nov+`.csv"` {
			t.Fatalf("CSV: %d %v", code, hdr)
		}
		rows := strings.Split(strings.TrimSpace(string(csv)), "\n")
		if len(rows) != 3 || !strings.HasPrefix(rows[0], "invoice_id,statement_id,agreement_id,po_number,order_id") || !strings.Contains(string(csv), longPO) {
			t.Errorf("CSV %q", csv)
		}

		_, body = f.do(owner, "GET", "/marketplace/charges?order="+s.m365.ID, nil)
		wantAll(t, "charges of the monthly order", body, `href="/marketplace/invoices/`+nov+`"`, `href="/marketplace/invoices/`+dec+`"`)
		if _, body = f.do(owner, "GET", "/marketplace/charges?billed=unbilled", nil); !strings.Contains(body, "No charges match.") {
			t.Errorf("unbilled charges after issuing both months")
		}
		if code, body = f.do(owner, "GET", "/marketplace/charges?month=12-2026", nil); code != 400 || !strings.Contains(body, `id="mkt-ch-month-error"`) {
			t.Errorf("charges with a bad month: %d", code)
		}
		if code, body = f.do(owner, "GET", "/marketplace/invoices?month=2026-13", nil); code != 400 || !strings.Contains(body, `id="mkt-inv-month-error"`) {
			t.Errorf("invoices with a bad month: %d", code)
		}
		if code, body = f.do(owner, "GET", "/marketplace/credit-memos?invoice="+nov, nil); code != 200 || !strings.Contains(body, "No credit memos match.") {
			t.Errorf("credit memos: %d", code)
		}
	})
}

// invoiceOfAfter issues month from the page and returns the invoice
// billing orderID, checking the page's message.
func (s mktSeed) invoiceOfAfter(t *testing.T, f *fixture, c *http.Client, orderID, month string) string {
	t.Helper()
	body := f.issue(c, month)
	id := s.invoiceOf(t, orderID, month)
	wantAll(t, "list after issuing "+month, body, "Issued 1 invoice for ", id)
	return id
}

// Operations mark an invoice paid (also once Overdue); viewers and
// buyers see invoices but cannot act; members without marketplace.read
// and other organisations cannot see them.
func TestMarketplaceInvoiceActionsAndAccess(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		s := f.seedMarketplace()
		owner := f.client("owner-a@example.com")
		nov := s.invoiceOfAfter(t, f, owner, s.m365.ID, "2026-11")
		viewer := f.client("viewer-a@example.com")
		buyer := f.member("buyer-a@example.com", domain.RoleGrant{Role: auth.RoleBuyer})
		scoped := f.member("scoped-a@example.com", domain.RoleGrant{Role: auth.RoleViewer, ScopeKind: "group", ScopeID: "grp_x"})
		for who, c := range map[string]*http.Client{"viewer": viewer, "buyer": buyer} {
			code, body := f.do(c, "GET", "/marketplace/invoices/"+nov, nil)
			if code != 200 || strings.Contains(body, "/paid") || !strings.Contains(body, "PO No.") {
				t.Errorf("%s reads the invoice: %d (actions shown: %v)", who, code, strings.Contains(body, "/paid"))
			}
			if _, body = f.do(c, "GET", "/marketplace/invoices", nil); strings.Contains(body, `id="issue-form"`) || !strings.Contains(body, nov) {
				t.Errorf("%s's list: issue form shown or invoice missing", who)
			}
			if code, _, _ := f.download(c, "/marketplace/invoices/"+nov+"/pdf"); code != 200 {
				t.Errorf("%s downloads the PDF: %d", who, code)
			}
			for _, post := range []string{"/marketplace/invoices/" + nov + "/paid", "/marketplace/invoices"} {
				if code, _ := f.do(c, "POST", post, url.Values{"issue_month": {"2026-11"}}); code != http.StatusForbidden {
					t.Errorf("%s POST %s: %d, want 403", who, post, code)
				}
			}
		}
		for _, path := range []string{"/marketplace/invoices", "/marketplace/invoices/" + nov, "/marketplace/invoices/" + nov + "/csv", "/marketplace/charges", "/marketplace/credit-memos"} {
			if code, _ := f.do(scoped, "GET", path, nil); code != http.StatusForbidden {
				t.Errorf("member without marketplace.read GET %s: %d, want 403", path, code)
			}
		}
		ownerB := f.client("owner-b@example.com")
		for _, path := range []string{"/marketplace/invoices/" + nov, "/marketplace/invoices/" + nov + "/pdf", "/marketplace/invoices/" + nov + "/csv"} {
			if code, body := f.do(ownerB, "GET", path, nil); code != http.StatusNotFound || strings.Contains(body, "Acme GmbH") {
				t.Errorf("org B GET %s: %d", path, code)
			}
		}
		if code, _ := f.do(ownerB, "POST", "/marketplace/invoices/"+nov+"/paid", url.Values{}); code != http.StatusNotFound {
			t.Errorf("org B marks A's invoice paid: %d", code)
		}
		if _, body := f.do(ownerB, "GET", "/marketplace/invoices", nil); strings.Contains(body, nov) {
			t.Errorf("org B's list shows A's invoice")
		}

		// Due on 2 Dec 2026: the billing pass after that day makes it Overdue.
		if err := s.svc.BillingPass(context.Background(), time.Date(2026, 12, 3, 1, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
		_, body := f.do(owner, "GET", "/marketplace/invoices/"+nov, nil)
		wantAll(t, "overdue invoice", body, "mkt-status-overdue", `id="mkt-overdue"`, `action="/marketplace/invoices/`+nov+`/paid"`)
		if _, body = f.do(owner, "GET", "/marketplace/invoices?status=Overdue", nil); !strings.Contains(body, nov) {
			t.Errorf("the Overdue filter misses the invoice")
		}
		if code, _ := f.do(owner, "POST", "/marketplace/invoices/"+nov+"/paid", url.Values{}); code != http.StatusSeeOther {
			t.Fatalf("mark paid: %d", code)
		}
		_, body = f.do(owner, "GET", "/marketplace/invoices/"+nov, nil)
		wantAll(t, "paid invoice", body, "is marked paid.", "mkt-status-paid", `id="mkt-invoice-history"`)
		if hist := body[strings.Index(body, `id="mkt-invoice-history"`):]; !strings.Contains(hist, "mkt-status-overdue") || !strings.Contains(hist, "mkt-status-paid") {
			t.Errorf("the invoice's history lacks Overdue → Paid")
		}
		if strings.Contains(body, `action="/marketplace/invoices/`+nov+`/paid"`) {
			t.Errorf("a paid invoice still offers Mark paid")
		}
		f.do(owner, "POST", "/marketplace/invoices/"+nov+"/paid", url.Values{})
		if _, body = f.do(owner, "GET", "/marketplace/invoices/"+nov, nil); !strings.Contains(body, "Not marked paid: ") {
			t.Errorf("paying twice: no error shown")
		}
		if code, _ := f.do(owner, "GET", "/marketplace/invoices/INV-0000-0000-0000-0000", nil); code != http.StatusNotFound {
			t.Errorf("unknown invoice: %d", code)
		}
	})
}
