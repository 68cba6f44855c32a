package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/pdftext"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

type mktOrderJSON struct {
	ID          string `json:"id"`
	AgreementID string `json:"agreement_id"`
	Status      string `json:"status"`
	WaitingFor  string `json:"waiting_for"`
	Lines       []struct {
		SubscriptionID string `json:"subscription_id"`
	} `json:"lines"`
	Invoices []string `json:"invoices"`
	History  []struct {
		To string `json:"to"`
	} `json:"history"`
}

func decodeInto(t *testing.T, r response, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// A program builds a catalog, buys, has operations complete the order,
// issues the month's invoice and finds the order and PO number on it;
// bad input and forbidden transitions get clear errors.
func TestMarketplaceThroughTheAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tok := f.a.ownerToken
		res := f.do("POST", "/api/v1/catalog/vendors", tok, `{"name":"Contoso Software","program":"microsoft-nce"}`)
		res.wantStatus(t, "create vendor", 201)
		vendor := res.json(t)["id"].(string)
		res = f.do("POST", "/api/v1/catalog/products", tok, `{"vendor_id":"`+vendor+`","name":"Contoso Suite"}`)
		res.wantStatus(t, "create product", 201)
		product := res.json(t)["id"].(string)
		f.do("POST", "/api/v1/catalog/items", tok, `{"product_id":"`+product+`","name":"Suite E3","sku":"E3","prices":[{"term":"P1M","currency":"EUR","unit_price":"-3"}]}`).
			wantError(t, "negative price", 400, domain.CodeInvalid)
		res = f.do("POST", "/api/v1/catalog/items", tok, `{"product_id":"`+product+`","name":"Suite E3","sku":"E3","prices":[{"term":"P1M","currency":"EUR","unit_price":"36.00"}]}`)
		res.wantStatus(t, "create item", 201)
		item := res.json(t)["id"].(string)

		res = f.do("POST", "/api/v1/commerce/orders", tok, `{"type":"Purchase","buyer_id":"buy_alpha","po_number":"PO-2026-000123456789-XYZ","submit":true,`+
			`"lines":[{"item_id":"`+item+`","term":"P1M","quantity":12}]}`)
		res.wantStatus(t, "purchase", 201)
		var o mktOrderJSON
		decodeInto(t, res, &o)
		if o.Status != "Processing" || !strings.HasPrefix(o.AgreementID, "AGR-") {
			t.Fatalf("purchase %+v", o)
		}
		f.do("POST", "/api/v1/commerce/orders/"+o.ID+"/decide", f.a.viewerToken, `{"state":"completed"}`).wantError(t, "viewer decides", 403, domain.CodeForbidden)
		f.do("POST", "/api/v1/commerce/orders/"+o.ID+"/decide", tok, `{"state":"shipped"}`).wantError(t, "unknown outcome", 400, domain.CodeInvalid)
		f.do("POST", "/api/v1/commerce/orders/"+o.ID+"/decide", tok, `{"state":"completed"}`).wantStatus(t, "complete", 200)
		e := f.do("POST", "/api/v1/commerce/orders/"+o.ID+"/submit", tok, nil).wantError(t, "submit a completed order", 409, domain.CodeConflict)
		if !strings.Contains(e.Error.Message, "a completed order cannot change") {
			t.Errorf("message %q", e.Error.Message)
		}
		e = f.do("PUT", "/api/v1/commerce/subscriptions/"+o.Lines[0].SubscriptionID+"/po-number", tok, `{"po_number":"PO-NEW"}`).
			wantError(t, "mid-term PO on NCE", 409, domain.CodeConflict)
		if !strings.Contains(e.Error.Message, "only Adobe VIP Marketplace") {
			t.Errorf("message %q", e.Error.Message)
		}
		f.do("PUT", "/api/v1/commerce/agreements/"+o.AgreementID+"/po-number", tok, `{"po_number":"PO-2026-000123456789-XYZ"}`).wantStatus(t, "agreement PO", 200)

		res = f.do("POST", "/api/v1/billing/invoices", tok, `{"month":"`+domain.Now().Format("2006-01")+`"}`)
		res.wantStatus(t, "issue invoices", 200)
		res = f.do("GET", "/api/v1/commerce/orders/"+o.ID, tok, nil)
		res.wantStatus(t, "order detail", 200)
		decodeInto(t, res, &o)
		if len(o.Invoices) != 1 || len(o.History) != 3 || o.History[2].To != "Completed" {
			t.Fatalf("order detail %+v", o)
		}
		res = f.do("GET", "/api/v1/billing/invoices/"+o.Invoices[0], tok, nil)
		res.wantStatus(t, "invoice", 200)
		var inv struct {
			Total      string   `json:"total"`
			Orders     []string `json:"orders"`
			Statements []struct {
				AgreementID string `json:"agreement_id"`
				POPrinted   string `json:"po_printed"`
			} `json:"statements"`
			History []struct {
				From string `json:"from"`
				To   string `json:"to"`
			} `json:"history"`
		}
		decodeInto(t, res, &inv)
		if inv.Total != "432" || len(inv.Orders) != 1 || inv.Orders[0] != o.ID || len(inv.Statements) != 1 || inv.Statements[0].POPrinted != "PO-2026-00012345…" ||
			len(inv.History) != 1 || inv.History[0].From != "" || inv.History[0].To != "Issued" {
			t.Fatalf("invoice %+v", inv)
		}
		res = f.do("GET", "/api/v1/billing/invoices/"+o.Invoices[0]+"/pdf", f.a.viewerToken, nil)
		res.wantStatus(t, "invoice PDF", 200)
		text, err := pdftext.Text(res.body)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"Invoice" + o.Invoices[0], "Agreement" + o.AgreementID, "PONo.PO-2026-00012345…", "Totaldue(EUR)432.00", o.ID} {
			if !strings.Contains(text, want) {
				t.Errorf("invoice PDF lacks %q: %s", want, text)
			}
		}
		res = f.do("GET", "/api/v1/billing/invoices/"+o.Invoices[0]+"/csv", tok, nil)
		res.wantStatus(t, "invoice CSV", 200)
		if rows := strings.Split(strings.TrimSpace(string(res.body)), "\n"); len(rows) != 2 || !strings.Contains(rows[1], o.ID) ||
			!strings.Contains(rows[1], ",432.00,") && !strings.Contains(rows[1], ",432,") {
			t.Errorf("invoice CSV %q", res.body)
		}
		f.do("GET", "/api/v1/commerce/orders?status=Shipped", tok, nil).wantError(t, "unknown status filter", 400, domain.CodeInvalid)
		f.do("GET", "/api/v1/billing/charges?billed=maybe", tok, nil).wantError(t, "charges billed=maybe", 400, domain.CodeInvalid)
		f.do("POST", "/api/v1/commerce/orders", tok, `{"type":"Change","agreement_id":"`+o.AgreementID+`","lines":[{"subscription_id":"`+o.Lines[0].SubscriptionID+`"}]}`).
			wantError(t, "a change that changes nothing", 400, domain.CodeInvalid)
	})
}
