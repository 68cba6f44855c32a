package partner

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

type link struct {
	URI     string   `json:"uri"`
	Method  string   `json:"method"`
	Headers []header `json:"headers"`
}

type header struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func selfLink(uri string) map[string]link {
	return map[string]link{"self": {URI: uri, Method: "GET", Headers: []header{}}}
}

// serveInvoices answers GET /v1/invoices: issued invoices, newest first.
func (p *Partner) serveInvoices(w http.ResponseWriter, r *http.Request, a *account) {
	items := []any{}
	for _, inv := range p.Invoices(a.TenantID) {
		items = append(items, invoiceJSON(inv))
	}
	writeJSON(w, map[string]any{"totalCount": len(items), "items": items, "links": selfLink("/invoices"),
		"attributes": map[string]string{"objectType": "Collection"}})
}

// serveInvoice answers GET /v1/invoices/{id}; an invoice not issued yet
// does not exist.
func (p *Partner) serveInvoice(w http.ResponseWriter, r *http.Request, a *account) {
	for _, inv := range p.Invoices(a.TenantID) {
		if strings.EqualFold(inv.ID, r.PathValue("id")) {
			writeJSON(w, invoiceJSON(inv))
			return
		}
	}
	writeError(w, r, http.StatusNotFound, "2000", "Invoice "+r.PathValue("id")+" was not found.", "InvoiceNotFound")
}

func invoiceJSON(inv Invoice) map[string]any {
	detail := func(kind, provider, objectPath string) map[string]any {
		return map[string]any{"invoiceLineItemType": kind, "billingProvider": provider,
			"links":      selfLink("/invoices/" + inv.ID + "/lineitems/OneTime/" + objectPath),
			"attributes": map[string]string{"objectType": "InvoiceDetail"}}
	}
	return map[string]any{
		"id": inv.ID, "invoiceDate": stamp(inv.InvoiceDate), "billingPeriodStartDate": stamp(inv.PeriodStart),
		"billingPeriodEndDate": stamp(inv.PeriodEnd), "totalCharges": json.Number(inv.Total), "paidAmount": json.Number("0"),
		"currencyCode": inv.Currency, "currencySymbol": "$", "documentType": "invoice", "invoiceType": "OneTime",
		"pdfDownloadLink": "/invoices/" + inv.ID + "/documents/statement",
		"invoiceDetails":  []any{detail("billing_line_items", "one_time", "BillingLineItems"), detail("usage_line_items", "one_time", "UsageLineItems")},
		"links":           selfLink("/invoices/" + inv.ID), "attributes": map[string]string{"objectType": "Invoice"},
	}
}

// lineQuery is what a line-item listing asks for; it is also the
// continuation token's content, so a seekOperation=Next request needs
// nothing but the token.
type lineQuery struct {
	Invoice string `json:"i"`
	Type    string `json:"t"` // billinglineitems or usagelineitems
	Period  string `json:"p,omitempty"`
	Offset  int    `json:"o"`
	Size    int    `json:"s"`
}

// serveLineItems answers /v1/invoices/{id}/lineitems?provider=onetime&
// invoicelineitemtype=...&currencycode=...&period=...&size=... and the
// path form /lineitems/{provider}/{type}; id "unbilled" is the month not
// yet invoiced.
func (p *Partner) serveLineItems(w http.ResponseWriter, r *http.Request, a *account) {
	q, e := parseLineQuery(r)
	if e != "" {
		writeError(w, r, http.StatusBadRequest, "400", e, "BadRequest")
		return
	}
	lines, found := p.lines(a, q)
	if !found {
		writeError(w, r, http.StatusNotFound, "2000", "Invoice "+q.Invoice+" was not found.", "InvoiceNotFound")
		return
	}
	end := min(q.Offset+q.Size, len(lines))
	page := lines[min(q.Offset, end):end]
	body := map[string]any{"totalCount": len(page), "items": page,
		"attributes": map[string]string{"objectType": "Collection"}}
	links := selfLink(r.URL.RequestURI()[len("/v1"):])
	if end < len(lines) {
		next := q
		next.Offset = end
		token := encodeToken(next)
		body["continuationToken"] = token
		links["next"] = link{URI: "/invoices/" + q.Invoice + "/lineitems?" + nextQuery(q), Method: "GET",
			Headers: []header{{Key: "MS-ContinuationToken", Value: token}}}
	}
	body["links"] = links
	writeJSON(w, body)
}

func nextQuery(q lineQuery) string {
	v := url.Values{"provider": {"onetime"}, "invoicelineitemtype": {q.Type}, "currencycode": {"USD"},
		"size": {strconv.Itoa(q.Size)}, "seekOperation": {"Next"}}
	if q.Period != "" {
		v.Set("period", q.Period)
	}
	return v.Encode()
}

// lines returns the requested lines; found is false for an invoice that
// is unknown or not issued yet.
func (p *Partner) lines(a *account, q lineQuery) (lines []map[string]any, found bool) {
	var md *monthData
	if strings.EqualFold(q.Invoice, "unbilled") {
		now := p.clock.Now()
		m := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
		if q.Period == "previous" {
			m = m.AddDate(0, -1, 0)
		}
		md = p.month(a, m, scopeUnbilled)
	} else {
		m, ok := p.issuedMonth(a, q.Invoice)
		if !ok {
			return nil, false
		}
		md = p.month(a, m, scopeInvoice)
	}
	if q.Type == "usagelineitems" {
		return md.usage, true
	}
	return md.billing, true
}

func parseLineQuery(r *http.Request) (lineQuery, string) {
	id := r.PathValue("id")
	if strings.EqualFold(lowerQuery(r.URL.Query()).Get("seekoperation"), "Next") {
		q, ok := decodeToken(r.Header.Get("MS-ContinuationToken"))
		if !ok || !strings.EqualFold(q.Invoice, id) {
			return q, "The continuation token is missing or invalid."
		}
		return q, ""
	}
	v := lowerQuery(r.URL.Query())
	provider, kind := v.Get("provider"), v.Get("invoicelineitemtype")
	if pp := r.PathValue("provider"); pp != "" {
		provider, kind = pp, r.PathValue("type")
	}
	q := lineQuery{Invoice: id, Type: strings.ToLower(kind), Period: strings.ToLower(v.Get("period")), Size: 2000}
	if !strings.EqualFold(provider, "onetime") {
		return q, "Provider '" + provider + "' is not supported; use onetime."
	}
	if q.Type != "billinglineitems" && q.Type != "usagelineitems" {
		return q, "InvoiceLineItemType '" + kind + "' is not supported; use BillingLineItems or UsageLineItems."
	}
	if s := v.Get("size"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 2000 {
			return q, "The size must be between 1 and 2000."
		}
		q.Size = n
	}
	if strings.EqualFold(id, "unbilled") {
		if v.Get("currencycode") == "" || (q.Period != "current" && q.Period != "previous") {
			return q, "Unbilled line items need currencyCode and period (current or previous)."
		}
	}
	return q, ""
}

// lowerQuery makes query keys case-insensitive (the API accepts
// invoiceLineItemType and invoicelineitemtype alike).
func lowerQuery(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[strings.ToLower(k)] = vs
	}
	return out
}

func encodeToken(q lineQuery) string {
	b, _ := json.Marshal(q)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeToken(s string) (lineQuery, bool) {
	var q lineQuery
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &q) != nil || q.Size < 1 || q.Offset < 0 {
		return q, false
	}
	return q, true
}
