package api

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/marketplace"
)

// WithMarketplace serves the catalog, commerce and billing endpoints.
func (a *API) WithMarketplace(s *marketplace.Service) *API {
	a.marketplace = s
	return a
}

// marketplaceRoutes mirror the marketplace's vocabulary: /catalog,
// /commerce (agreements, subscriptions, orders) and /billing (invoices,
// statements, charges, credit memos).
func (a *API) marketplaceRoutes() []route {
	read, buy, manage := auth.PermMarketplaceRead, auth.PermMarketplacePurchase, auth.PermMarketplaceManage
	return append([]route{
		signedIn("GET", "/catalog", read, a.getCatalog),
		signedIn("POST", "/catalog/vendors", manage, a.createVendor),
		signedIn("PUT", "/catalog/vendors/{vendor_id}/api", manage, a.setVendorAPI),
		signedIn("POST", "/catalog/products", manage, a.createProduct),
		signedIn("POST", "/catalog/items", manage, a.createItem),
		signedIn("POST", "/catalog/buyers", manage, a.createBuyer),
		signedIn("GET", "/commerce/agreements", read, a.listAgreements),
		signedIn("GET", "/commerce/agreements/{agreement_id}", read, a.getAgreement),
		signedIn("PUT", "/commerce/agreements/{agreement_id}/po-number", buy, a.setAgreementPO),
		signedIn("GET", "/commerce/subscriptions", read, a.listSubscriptions),
		signedIn("GET", "/commerce/subscriptions/{subscription_id}", read, a.getSubscription),
		signedIn("PUT", "/commerce/subscriptions/{subscription_id}/po-number", buy, a.setSubscriptionPO),
		signedIn("GET", "/commerce/orders", read, a.listOrders),
		signedIn("POST", "/commerce/orders", buy, a.createOrder),
		signedIn("GET", "/commerce/orders/{order_id}", read, a.getOrder),
		signedIn("POST", "/commerce/orders/{order_id}/submit", buy, a.submitOrder),
		signedIn("POST", "/commerce/orders/{order_id}/cancel", buy, a.cancelOrder),
		signedIn("POST", "/commerce/orders/{order_id}/answer", buy, a.answerOrder),
		signedIn("POST", "/commerce/orders/{order_id}/decide", manage, a.decideOrder),
		signedIn("GET", "/billing/invoices", read, a.listInvoices),
		signedIn("POST", "/billing/invoices", manage, a.issueInvoices),
		signedIn("GET", "/billing/invoices/{invoice_id}", read, a.getInvoice),
		signedIn("PUT", "/billing/invoices/{invoice_id}/status", manage, a.setInvoiceStatus),
		signedIn("GET", "/billing/invoices/{invoice_id}/pdf", read, a.invoicePDF),
		signedIn("GET", "/billing/invoices/{invoice_id}/csv", read, a.invoiceCSV),
		signedIn("GET", "/billing/statements", read, a.listStatements),
		signedIn("GET", "/billing/statements/{statement_id}", read, a.getStatement),
		signedIn("GET", "/billing/charges", read, a.listCharges),
		signedIn("GET", "/billing/credit-memos", read, a.listCreditMemos),
	}, a.catalogAdminRoutes()...)
}

func (a *API) getCatalog(w http.ResponseWriter, r *http.Request, c *call) error {
	cat, err := a.marketplace.Catalog(r.Context(), c.P)
	if buyer := r.URL.Query().Get("buyer_id"); buyer != "" {
		cat, err = a.marketplace.CatalogFor(r.Context(), c.P, buyer)
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, mktCatalogOf(cat))
}

// created decodes a body, runs create and answers 201 with its view.
func created[In, Out, V any](w http.ResponseWriter, r *http.Request, create func(In) (Out, error), view func(Out) V) error {
	var in In
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	out, err := create(in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, view(out))
}

func (a *API) createVendor(w http.ResponseWriter, r *http.Request, c *call) error {
	return created(w, r, func(in marketplace.VendorInput) (marketplace.Vendor, error) {
		return a.marketplace.CreateVendor(r.Context(), c.P, c.Who, in)
	}, mktVendorOf)
}

func (a *API) setVendorAPI(w http.ResponseWriter, r *http.Request, c *call) error {
	var in marketplace.VendorAPIInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	id := r.PathValue("vendor_id")
	if err := a.marketplace.SetVendorAPI(r.Context(), c.P, c.Who, id, in); err != nil {
		return err
	}
	v, err := a.marketplace.Store.GetMktVendor(r.Context(), c.P.Org.ID, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, mktVendorOf(v))
}

func (a *API) createProduct(w http.ResponseWriter, r *http.Request, c *call) error {
	return created(w, r, func(in marketplace.ProductInput) (marketplace.Product, error) {
		return a.marketplace.CreateProduct(r.Context(), c.P, c.Who, in)
	}, mktProductOf)
}

func (a *API) createItem(w http.ResponseWriter, r *http.Request, c *call) error {
	return created(w, r, func(in marketplace.ItemInput) (marketplace.Item, error) {
		return a.marketplace.CreateItem(r.Context(), c.P, c.Who, in)
	}, mktItemOf)
}

func (a *API) createBuyer(w http.ResponseWriter, r *http.Request, c *call) error {
	return created(w, r, func(in marketplace.BuyerInput) (marketplace.Buyer, error) {
		return a.marketplace.CreateBuyer(r.Context(), c.P, c.Who, in)
	}, mktBuyerOf)
}

// statusParam reads an optional status filter and checks it against the
// machine's states.
func statusFilter[S ~string](q url.Values, m marketplace.Machine[S]) (string, error) {
	v := q.Get("status")
	if v != "" && !m.Valid(S(v)) {
		return "", domain.FieldError("status", "%q is not a status here", v)
	}
	return v, nil
}

func (a *API) listAgreements(w http.ResponseWriter, r *http.Request, c *call) error {
	q := r.URL.Query()
	limit, cursor, err := pageParams(q)
	if err != nil {
		return err
	}
	st, err := statusFilter(q, marketplace.Agreements)
	if err != nil {
		return err
	}
	page, err := a.marketplace.Agreements(r.Context(), c.P, marketplace.AgreementFilter{Status: st, BuyerID: q.Get("buyer_id"),
		ProductID: q.Get("product_id"), Query: strings.TrimSpace(q.Get("q")), After: cursor, Limit: limit})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(page.Items, mktAgreementOf, page.Next))
}

func (a *API) getAgreement(w http.ResponseWriter, r *http.Request, c *call) error {
	d, err := a.marketplace.Agreement(r.Context(), c.P, r.PathValue("agreement_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, mktAgreementDetailOf(d))
}

type poBody struct {
	PONumber string `json:"po_number"`
}

func (a *API) setAgreementPO(w http.ResponseWriter, r *http.Request, c *call) error {
	var b poBody
	if err := decodeJSON(w, r, &b); err != nil {
		return err
	}
	agr, err := a.marketplace.SetAgreementPO(r.Context(), c.P, c.Who, r.PathValue("agreement_id"), b.PONumber)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, mktAgreementOf(agr))
}

func (a *API) listSubscriptions(w http.ResponseWriter, r *http.Request, c *call) error {
	q := r.URL.Query()
	limit, cursor, err := pageParams(q)
	if err != nil {
		return err
	}
	st, err := statusFilter(q, marketplace.Subscriptions)
	if err != nil {
		return err
	}
	page, err := a.marketplace.Subscriptions(r.Context(), c.P, marketplace.SubscriptionFilter{AgreementID: q.Get("agreement_id"),
		Status: st, Query: strings.TrimSpace(q.Get("q")), After: cursor, Limit: limit})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(page.Items, mktSubscriptionOf, page.Next))
}

func (a *API) getSubscription(w http.ResponseWriter, r *http.Request, c *call) error {
	d, err := a.marketplace.Subscription(r.Context(), c.P, r.PathValue("subscription_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, mktSubscriptionDetailView{mktSubscriptionView: mktSubscriptionOf(d.Subscription),
		Item: mktItemOf(d.Item), History: mapAll(d.History, mktHistoryOf), Charges: mapAll(d.Charges, mktChargeOf)})
}

func (a *API) setSubscriptionPO(w http.ResponseWriter, r *http.Request, c *call) error {
	var b poBody
	if err := decodeJSON(w, r, &b); err != nil {
		return err
	}
	s, err := a.marketplace.SetSubscriptionPO(r.Context(), c.P, c.Who, r.PathValue("subscription_id"), b.PONumber)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, mktSubscriptionOf(s))
}

func (a *API) listOrders(w http.ResponseWriter, r *http.Request, c *call) error {
	q := r.URL.Query()
	limit, cursor, err := pageParams(q)
	if err != nil {
		return err
	}
	st, err := statusFilter(q, marketplace.Orders)
	if err != nil {
		return err
	}
	typ := q.Get("type")
	if typ != "" && typ != marketplace.OrderPurchase && typ != marketplace.OrderChange && typ != marketplace.OrderTermination {
		return domain.FieldError("type", "type must be Purchase, Change or Termination")
	}
	page, err := a.marketplace.Orders(r.Context(), c.P, marketplace.OrderFilter{AgreementID: q.Get("agreement_id"), Status: st,
		Type: typ, Query: strings.TrimSpace(q.Get("q")), After: cursor, Limit: limit})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(page.Items, mktOrderOf, page.Next))
}

// orderBody is a new order: its type, the agreement it changes (not for
// a purchase) and the order itself.
type orderBody struct {
	Type        string `json:"type"`
	AgreementID string `json:"agreement_id"`
	marketplace.OrderInput
}

func (a *API) createOrder(w http.ResponseWriter, r *http.Request, c *call) error {
	var b orderBody
	if err := decodeJSON(w, r, &b); err != nil {
		return err
	}
	var o marketplace.Order
	var err error
	switch b.Type {
	case marketplace.OrderPurchase:
		o, err = a.marketplace.Purchase(r.Context(), c.P, c.Who, b.OrderInput)
	case marketplace.OrderChange:
		o, err = a.marketplace.Change(r.Context(), c.P, c.Who, b.AgreementID, b.OrderInput)
	case marketplace.OrderTermination:
		o, err = a.marketplace.Terminate(r.Context(), c.P, c.Who, b.AgreementID, b.OrderInput)
	default:
		return domain.FieldError("type", "type must be Purchase, Change or Termination")
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, mktOrderOf(o))
}

func (a *API) getOrder(w http.ResponseWriter, r *http.Request, c *call) error {
	d, err := a.marketplace.Order(r.Context(), c.P, r.PathValue("order_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, mktOrderDetailOf(d))
}

func (a *API) submitOrder(w http.ResponseWriter, r *http.Request, c *call) error {
	o, err := a.marketplace.Submit(r.Context(), c.P, c.Who, r.PathValue("order_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, mktOrderOf(o))
}

type reasonBody struct {
	Reason string `json:"reason"`
}

func (a *API) cancelOrder(w http.ResponseWriter, r *http.Request, c *call) error {
	var b reasonBody
	if err := decodeJSON(w, r, &b); err != nil {
		return err
	}
	o, err := a.marketplace.Cancel(r.Context(), c.P, c.Who, r.PathValue("order_id"), b.Reason)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, mktOrderOf(o))
}

type answerBody struct {
	Answer string `json:"answer"`
}

func (a *API) answerOrder(w http.ResponseWriter, r *http.Request, c *call) error {
	var b answerBody
	if err := decodeJSON(w, r, &b); err != nil {
		return err
	}
	o, err := a.marketplace.AnswerQuery(r.Context(), c.P, c.Who, r.PathValue("order_id"), b.Answer)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, mktOrderOf(o))
}

func (a *API) decideOrder(w http.ResponseWriter, r *http.Request, c *call) error {
	var out marketplace.Outcome
	if err := decodeJSON(w, r, &out); err != nil {
		return err
	}
	o, err := a.marketplace.Decide(r.Context(), c.P, c.Who, r.PathValue("order_id"), out)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, mktOrderOf(o))
}

func (a *API) listInvoices(w http.ResponseWriter, r *http.Request, c *call) error {
	q := r.URL.Query()
	limit, cursor, err := pageParams(q)
	if err != nil {
		return err
	}
	st, err := statusFilter(q, marketplace.Invoices)
	if err != nil {
		return err
	}
	from, to, err := marketplace.MonthSpan("period", q.Get("period"))
	if err != nil {
		return err
	}
	page, err := a.marketplace.Invoices(r.Context(), c.P, marketplace.InvoiceFilter{BuyerID: q.Get("buyer_id"), Status: st,
		AgreementID: q.Get("agreement_id"), OrderID: q.Get("order_id"), SubscriptionID: q.Get("subscription_id"),
		PeriodFrom: from, PeriodTo: to, After: cursor, Limit: limit})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(page.Items, mktInvoiceOf, page.Next))
}

type issueBody struct {
	Month string `json:"month"` // YYYY-MM
}

func (a *API) issueInvoices(w http.ResponseWriter, r *http.Request, c *call) error {
	var b issueBody
	if err := decodeJSON(w, r, &b); err != nil {
		return err
	}
	m, err := time.Parse("2006-01", b.Month)
	if err != nil {
		return domain.FieldError("month", "month must be YYYY-MM")
	}
	invs, err := a.marketplace.IssueInvoices(r.Context(), c.P, c.Who, m)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(invs, mktInvoiceOf, ""))
}

func (a *API) getInvoice(w http.ResponseWriter, r *http.Request, c *call) error {
	d, err := a.marketplace.Invoice(r.Context(), c.P, r.PathValue("invoice_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, mktInvoiceDetailOf(d))
}

type invoiceStatusBody struct {
	Status string `json:"status"`
}

func (a *API) setInvoiceStatus(w http.ResponseWriter, r *http.Request, c *call) error {
	var b invoiceStatusBody
	if err := decodeJSON(w, r, &b); err != nil {
		return err
	}
	inv, err := a.marketplace.SetInvoiceStatus(r.Context(), c.P, c.Who, r.PathValue("invoice_id"), b.Status)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, mktInvoiceOf(inv))
}

// billingPage is a billing list's query: its paging and ?period=YYYY-MM
// as a [from, to) span.
type billingPage struct {
	q        url.Values
	limit    int
	cursor   string
	from, to *time.Time
}

// listBilling reads a billing list's paging and period, lists and writes
// the page.
func listBilling[T, V any](w http.ResponseWriter, r *http.Request, list func(billingPage) (marketplace.Page[T], error), view func(T) V) error {
	bp := billingPage{q: r.URL.Query()}
	var err error
	if bp.limit, bp.cursor, err = pageParams(bp.q); err != nil {
		return err
	}
	if bp.from, bp.to, err = marketplace.MonthSpan("period", bp.q.Get("period")); err != nil {
		return err
	}
	page, err := list(bp)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(page.Items, view, page.Next))
}

func (a *API) listStatements(w http.ResponseWriter, r *http.Request, c *call) error {
	return listBilling(w, r, func(bp billingPage) (marketplace.Page[marketplace.Statement], error) {
		return a.marketplace.Statements(r.Context(), c.P, marketplace.StatementFilter{InvoiceID: bp.q.Get("invoice_id"),
			AgreementID: bp.q.Get("agreement_id"), BuyerID: bp.q.Get("buyer_id"), PeriodFrom: bp.from, PeriodTo: bp.to, After: bp.cursor, Limit: bp.limit})
	}, mktStatementRowOf)
}

func (a *API) getStatement(w http.ResponseWriter, r *http.Request, c *call) error {
	d, err := a.marketplace.Statement(r.Context(), c.P, r.PathValue("statement_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, mktStatementOf(d.Statement, d.Charges))
}

// billedFilter reads ?billed=true|false ("" is either).
func billedFilter(v string) (billed, unbilled bool, err error) {
	switch v {
	case "":
		return false, false, nil
	case "true":
		return true, false, nil
	case "false":
		return false, true, nil
	}
	return false, false, domain.FieldError("billed", "billed must be true (invoiced or credited) or false (not yet)")
}

func (a *API) listCharges(w http.ResponseWriter, r *http.Request, c *call) error {
	return listBilling(w, r, func(bp billingPage) (marketplace.Page[marketplace.Charge], error) {
		q := bp.q
		f := marketplace.ChargeFilter{OrderID: q.Get("order_id"), SubscriptionID: q.Get("subscription_id"), AgreementID: q.Get("agreement_id"),
			StatementID: q.Get("statement_id"), BuyerID: q.Get("buyer_id"), BilledFrom: bp.from, BilledTo: bp.to, After: bp.cursor, Limit: bp.limit}
		var err error
		if f.Billed, f.Unbilled, err = billedFilter(q.Get("billed")); err != nil {
			return marketplace.Page[marketplace.Charge]{}, err
		}
		return a.marketplace.Charges(r.Context(), c.P, f)
	}, mktChargeOf)
}

func (a *API) listCreditMemos(w http.ResponseWriter, r *http.Request, c *call) error {
	return listBilling(w, r, func(bp billingPage) (marketplace.Page[marketplace.CreditMemo], error) {
		return a.marketplace.CreditMemos(r.Context(), c.P, marketplace.CreditMemoFilter{BuyerID: bp.q.Get("buyer_id"),
			OrderID: bp.q.Get("order_id"), InvoiceID: bp.q.Get("invoice_id"), IssuedFrom: bp.from, IssuedTo: bp.to, After: bp.cursor, Limit: bp.limit})
	}, mktCreditMemoOf)
}

func (a *API) invoicePDF(w http.ResponseWriter, r *http.Request, c *call) error {
	d, err := a.marketplace.Invoice(r.Context(), c.P, r.PathValue("invoice_id"))
	if err != nil {
		return err
	}
	b, err := marketplace.InvoicePDF(d)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+d.Invoice.ID+`.pdf"`)
	_, err = w.Write(b)
	return err
}

func (a *API) invoiceCSV(w http.ResponseWriter, r *http.Request, c *call) error {
	d, err := a.marketplace.Invoice(r.Context(), c.P, r.PathValue("invoice_id"))
	if err != nil {
		return err
	}
	setCSVHeaders(w, d.Invoice.ID+".csv")
	return marketplace.InvoiceCSV(w, d)
}
