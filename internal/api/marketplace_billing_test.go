package api_test

import (
	"net/url"
	"slices"
	"testing"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

type idPage struct {
	Items []struct {
		ID        string `json:"id"`
		OrderID   string `json:"order_id"`
		InvoiceID string `json:"invoice_id"`
		POPrinted string `json:"po_printed"`
	} `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// ids reads a list and returns its IDs and next cursor.
func (f *fixture) ids(t *testing.T, path, tok string) ([]string, idPage) {
	t.Helper()
	res := f.do("GET", path, tok, nil)
	res.wantStatus(t, path, 200)
	var p idPage
	decodeInto(t, res, &p)
	var out []string
	for _, it := range p.Items {
		out = append(out, it.ID)
	}
	return out, p
}

// allPages follows a list's cursor with one item per page.
func (f *fixture) allPages(t *testing.T, path, tok string) []string {
	t.Helper()
	var out []string
	cursor := ""
	for range 20 {
		sep := "?"
		if u, _ := url.Parse(path); u.RawQuery != "" {
			sep = "&"
		}
		got, p := f.ids(t, path+sep+"limit=1&cursor="+url.QueryEscape(cursor), tok)
		out = append(out, got...)
		if p.NextCursor == "" {
			return out
		}
		cursor = p.NextCursor
	}
	t.Fatalf("%s: more than 20 pages", path)
	return nil
}

// Invoices, statements, charges and credit memos filter by buyer,
// agreement, order, subscription, billing month and billed state, and
// page with a cursor like the commerce lists.
func TestMarketplaceBillingListsFilterAndPage(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tok, seeded := f.a.ownerToken, f.a.mkt
		_, _, item, buyer := mktIDs("alpha")
		res := f.do("POST", "/api/v1/commerce/orders", tok, `{"type":"Purchase","buyer_id":"`+buyer+`","po_number":"PO-SECOND","submit":true,`+
			`"lines":[{"item_id":"`+item+`","term":"P1Y","quantity":2}]}`)
		res.wantStatus(t, "second purchase", 201)
		var o mktOrderJSON
		decodeInto(t, res, &o)
		f.do("POST", "/api/v1/commerce/orders/"+o.ID+"/decide", tok, `{"state":"completed"}`).wantStatus(t, "complete", 200)

		if got, _ := f.ids(t, "/api/v1/billing/charges?billed=false", tok); len(got) != 1 {
			t.Fatalf("unbilled charges %v", got)
		}
		_, p := f.ids(t, "/api/v1/billing/charges?billed=true", tok)
		if len(p.Items) != 1 || p.Items[0].OrderID != seeded.orderID {
			t.Fatalf("billed charges %+v", p)
		}
		month := domain.Now().Format("2006-01")
		f.do("POST", "/api/v1/billing/invoices", tok, `{"month":"`+month+`"}`).wantStatus(t, "issue", 200)
		invs, _ := f.ids(t, "/api/v1/billing/invoices?order_id="+o.ID, tok)
		if len(invs) != 1 || invs[0] == seeded.invoiceID {
			t.Fatalf("invoices of the second order %v (first invoice %s)", invs, seeded.invoiceID)
		}
		second := invs[0]
		for path, want := range map[string][]string{
			"/api/v1/billing/invoices?agreement_id=" + seeded.agreementID:       {seeded.invoiceID},
			"/api/v1/billing/invoices?subscription_id=" + seeded.subscriptionID: {seeded.invoiceID},
			"/api/v1/billing/invoices?period=" + month + "&buyer_id=" + buyer:   slices.Sorted(slices.Values([]string{seeded.invoiceID, second})),
			"/api/v1/billing/invoices?period=2001-01":                           nil,
			"/api/v1/billing/invoices?status=Paid":                              nil,
		} {
			if got, _ := f.ids(t, path, tok); !slices.Equal(got, want) {
				t.Errorf("%s: %v, want %v", path, got, want)
			}
		}
		if got := f.allPages(t, "/api/v1/billing/invoices", tok); len(got) != 2 || got[0] == got[1] {
			t.Errorf("invoices page by page: %v", got)
		}
		f.do("GET", "/api/v1/billing/invoices?period=November", tok, nil).wantError(t, "period=November", 400, domain.CodeInvalid)

		stmts, p := f.ids(t, "/api/v1/billing/statements?invoice_id="+second, f.a.viewerToken)
		if len(stmts) != 1 || p.Items[0].POPrinted != "PO-SECOND" || p.Items[0].InvoiceID != second {
			t.Fatalf("statements of the second invoice %+v", p)
		}
		res = f.do("GET", "/api/v1/billing/statements/"+stmts[0], f.a.viewerToken, nil)
		res.wantStatus(t, "statement", 200)
		var st struct {
			Charges []struct {
				OrderID string `json:"order_id"`
			} `json:"charges"`
		}
		decodeInto(t, res, &st)
		if len(st.Charges) != 1 || st.Charges[0].OrderID != o.ID {
			t.Fatalf("statement charges %+v", st)
		}
		if got := f.allPages(t, "/api/v1/billing/statements?buyer_id="+buyer+"&period="+month, tok); len(got) != 2 {
			t.Errorf("statements page by page: %v", got)
		}
		if got, _ := f.ids(t, "/api/v1/billing/statements?agreement_id="+seeded.agreementID, tok); len(got) != 1 || got[0] != seeded.statementID {
			t.Errorf("statements of the seeded agreement: %v", got)
		}
		f.do("GET", "/api/v1/billing/statements/SOM-0000-0000-0000-0000", tok, nil).wantError(t, "unknown statement", 404, domain.CodeNotFound)

		// A return within Adobe's window: a credit memo naming the invoice.
		res = f.do("POST", "/api/v1/commerce/orders", tok, `{"type":"Termination","agreement_id":"`+o.AgreementID+`","submit":true,`+
			`"lines":[{"subscription_id":"`+o.Lines[0].SubscriptionID+`"}]}`)
		res.wantStatus(t, "return", 201)
		var ret mktOrderJSON
		decodeInto(t, res, &ret)
		f.do("POST", "/api/v1/commerce/orders/"+ret.ID+"/decide", tok, `{"state":"completed"}`).wantStatus(t, "complete return", 200)
		_, p = f.ids(t, "/api/v1/billing/credit-memos?invoice_id="+second, tok)
		if len(p.Items) != 1 || p.Items[0].OrderID != ret.ID {
			t.Fatalf("credit memos of the second invoice %+v", p)
		}
		if got, _ := f.ids(t, "/api/v1/billing/credit-memos?order_id="+seeded.orderID, tok); len(got) != 0 {
			t.Errorf("credit memos of the first order %v", got)
		}
		if got, _ := f.ids(t, "/api/v1/billing/credit-memos?period=2001-01", tok); len(got) != 0 {
			t.Errorf("credit memos of 2001 %v", got)
		}
		res = f.do("GET", "/api/v1/billing/invoices/"+second, tok, nil)
		var inv struct {
			CreditMemos []struct {
				ID string `json:"id"`
			} `json:"credit_memos"`
		}
		decodeInto(t, res, &inv)
		if len(inv.CreditMemos) != 1 || inv.CreditMemos[0].ID != p.Items[0].ID {
			t.Errorf("invoice's credit memos %+v", inv)
		}
		if got := f.allPages(t, "/api/v1/billing/charges?buyer_id="+buyer, tok); len(got) != 3 {
			t.Errorf("charges page by page (purchase, purchase, return): %v", got)
		}
		if got, _ := f.ids(t, "/api/v1/billing/charges?order_id="+ret.ID+"&billed=true", tok); len(got) != 1 {
			t.Errorf("the credited return is billed: %v", got)
		}
	})
}
