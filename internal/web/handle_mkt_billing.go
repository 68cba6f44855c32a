package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/marketplace"
)

// mktBillingRoutes: invoices, statements, charges and credit memos.
func (s *Server) mktBillingRoutes() []Route {
	perm := func(p string, pm auth.Permission, h http.HandlerFunc) Route {
		return Route{Pattern: p, Access: Needs, Perm: pm, handler: h}
	}
	read, manage := auth.PermMarketplaceRead, auth.PermMarketplaceManage
	return []Route{
		perm("GET /marketplace/invoices", read, s.mktInvoices),
		perm("POST /marketplace/invoices", manage, s.mktIssueInvoices),
		perm("GET /marketplace/invoices/{id}", read, s.mktInvoice),
		perm("GET /marketplace/invoices/{id}/pdf", read, s.mktInvoicePDF),
		perm("GET /marketplace/invoices/{id}/csv", read, s.mktInvoiceCSV),
		perm("POST /marketplace/invoices/{id}/paid", manage, s.mktInvoicePaid),
		perm("GET /marketplace/charges", read, s.mktCharges),
		perm("GET /marketplace/credit-memos", read, s.mktCreditMemos),
	}
}

// mktBuyers returns the buyers as filter choices and by ID.
func (s *Server) mktBuyers(r *http.Request, selected string) ([]Choice, map[string]string, error) {
	cat, err := s.marketplace().Catalog(r.Context(), principalFrom(r.Context()))
	if err != nil {
		return nil, nil, err
	}
	names := map[string]string{}
	var out []Choice
	for _, b := range cat.Buyers {
		names[b.ID] = b.Name
		out = append(out, Choice{Value: b.ID, Label: b.Name, Selected: b.ID == selected})
	}
	return out, names, nil
}

func (s *Server) mktInvoices(w http.ResponseWriter, r *http.Request) {
	s.renderMktInvoices(w, r, http.StatusOK, s.marketplace().Now().UTC().Format("2006-01"), nil)
}

// renderMktInvoices shows the filtered list; formErr (of the issue form
// or a filter) goes beside its field.
func (s *Server) renderMktInvoices(w http.ResponseWriter, r *http.Request, status int, issueMonth string, formErr error) {
	ctx, p, q := r.Context(), principalFrom(r.Context()), r.URL.Query()
	page := MktInvoicesPage{Layout: s.layout(r, NavMarketplace), MktTabs: MktTabs{Tab: MktTabInvoices}, CanManage: p.Can(auth.PermMarketplaceManage),
		Filter: MktInvoiceFilter{Buyer: q.Get("buyer"), Status: q.Get("status"), Month: strings.TrimSpace(q.Get("month"))},
		Cursor: q.Get("cursor"), IssueMonth: issueMonth}
	page.Title = "Invoices"
	var names map[string]string
	var err error
	if page.Buyers, names, err = s.mktBuyers(r, page.Filter.Buyer); err != nil {
		s.fail(w, r, err)
		return
	}
	for _, st := range marketplace.Invoices.All() {
		page.Statuses = append(page.Statuses, Choice{Value: string(st), Label: string(st), Selected: string(st) == page.Filter.Status})
	}
	f := marketplace.InvoiceFilter{BuyerID: page.Filter.Buyer, After: page.Cursor}
	if page.Filter.Status != "" && marketplace.Invoices.Valid(marketplace.InvoiceStatus(page.Filter.Status)) {
		f.Status = page.Filter.Status
	} else if page.Filter.Status != "" {
		err = domain.FieldError("status", "%q is not an invoice status", page.Filter.Status)
	}
	if err == nil {
		f.PeriodFrom, f.PeriodTo, err = marketplace.MonthSpan("month", page.Filter.Month)
	}
	if err != nil {
		page.SetErr(err)
		s.R.Render(w, http.StatusBadRequest, page)
		return
	}
	list, err := s.marketplace().Invoices(ctx, p, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, inv := range list.Items {
		page.Rows = append(page.Rows, MktInvoiceRow{ID: inv.ID, Buyer: mktOr(names[inv.BuyerID], inv.BuyerID), Period: inv.PeriodStart.Format("January 2006"),
			Issued: mktDay(inv.IssuedAt), Due: mktDay(inv.DueOn), Status: inv.Status, Total: mktMoney(inv.Total, inv.Currency)})
	}
	page.NextCursor = list.Next
	page.SetErr(formErr)
	s.R.Render(w, status, page)
}

func (s *Server) mktIssueInvoices(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	month := strings.TrimSpace(r.PostFormValue("issue_month"))
	m, err := time.Parse("2006-01", month)
	if err != nil {
		s.renderMktInvoices(w, r, http.StatusBadRequest, month, domain.FieldError("issue_month", "Enter the month to invoice as YYYY-MM, like 2026-11."))
		return
	}
	invs, err := s.marketplace().IssueInvoices(r.Context(), principalFrom(r.Context()), actor(r), m)
	switch {
	case domain.ErrorCode(err) == domain.CodeConflict:
		s.renderMktInvoices(w, r, http.StatusConflict, month, domain.FieldError("issue_month", "%s", domain.ErrorMessage(err)))
		return
	case err != nil:
		s.fail(w, r, err)
		return
	case len(invs) == 0:
		s.flash(r, FlashSuccess, "Nothing unbilled in "+m.Format("January 2006")+": no invoices issued.")
	case len(invs) == 1:
		s.flash(r, FlashSuccess, "Issued 1 invoice for "+m.Format("January 2006")+": "+invs[0].ID+".")
	default:
		s.flash(r, FlashSuccess, fmt.Sprintf("Issued %d invoices for %s.", len(invs), m.Format("January 2006")))
	}
	redirect(w, r, "/marketplace/invoices?"+url.Values{"month": {month}}.Encode())
}

func (s *Server) mktInvoice(w http.ResponseWriter, r *http.Request) {
	d, err := s.marketplace().Invoice(r.Context(), principalFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page, err := s.mktInvoicePage(r, d)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.R.Render(w, http.StatusOK, page)
}

func (s *Server) mktInvoicePage(r *http.Request, d marketplace.InvoiceDetail) (MktInvoicePage, error) {
	p, inv := principalFrom(r.Context()), d.Invoice
	cur := inv.Currency
	page := MktInvoicePage{Layout: s.layout(r, NavMarketplace), MktTabs: MktTabs{Tab: MktTabInvoices}, ID: inv.ID, Status: inv.Status,
		Currency: cur, Buyer: d.Buyer.Name, BuyerAddress: d.Buyer.Address, Period: inv.PeriodStart.Format("January 2006"),
		Issued: mktDay(inv.IssuedAt), Due: mktDay(inv.DueOn), Net: mktMoney(inv.Total, cur), Gross: mktMoney(inv.Total, cur),
		PDFURL: "/marketplace/invoices/" + inv.ID + "/pdf", CSVURL: "/marketplace/invoices/" + inv.ID + "/csv",
		CanManage: p.Can(auth.PermMarketplaceManage), History: d.History}
	page.Title = "Invoice " + inv.ID
	page.CanMarkPaid = page.CanManage && marketplace.Invoices.Check(inv.ID, marketplace.InvoiceStatus(inv.Status), marketplace.InvoicePaid) == nil
	byOrder, bySub, subAgr := map[string][]string{}, map[string][]string{}, map[string]string{}
	for _, st := range d.Statements {
		sv := MktStatementView{ID: st.Statement.ID, AgreementID: st.Agreement.ID, AgreementName: st.Agreement.Name,
			PONumber: st.Statement.PONumber, POPrinted: marketplace.PrintPO(st.Statement.PONumber), Total: mktMoney(st.Statement.Total, cur)}
		for _, c := range st.Charges {
			sv.Charges = append(sv.Charges, mktChargeRowOf(c))
			byOrder[c.OrderID] = append(byOrder[c.OrderID], c.Amount)
			bySub[c.SubscriptionID] = append(bySub[c.SubscriptionID], c.Amount)
			subAgr[c.SubscriptionID] = c.AgreementID
		}
		page.Statements = append(page.Statements, sv)
	}
	var err error
	if page.Orders, err = s.mktBilledOrders(r, inv.ID, cur, d.Orders, byOrder); err != nil {
		return page, err
	}
	for _, id := range d.Subscriptions {
		page.Subscriptions = append(page.Subscriptions, MktBilledSub{ID: id, AgreementID: subAgr[id],
			Amount: mktMoney(mktSum(bySub[id]...).String(), cur), Charges: len(bySub[id])})
	}
	for _, m := range d.CreditMemos {
		page.CreditMemos = append(page.CreditMemos, mktCreditMemoRowOf(m, map[string]string{d.Buyer.ID: d.Buyer.Name}))
	}
	return page, nil
}

// mktBilledOrders says, for each order an invoice bills, its amount on
// the invoice and the other invoices and credit memos its charges are on.
func (s *Server) mktBilledOrders(r *http.Request, invoiceID, cur string, orders []string, amounts map[string][]string) ([]MktBilledOrder, error) {
	var out []MktBilledOrder
	for _, id := range orders {
		b, err := s.marketplace().OrderBilling(r.Context(), principalFrom(r.Context()), id)
		if err != nil {
			return nil, err
		}
		o := MktBilledOrder{ID: id, Amount: mktMoney(mktSum(amounts[id]...).String(), cur), Charges: len(amounts[id])}
		for _, other := range b.Invoices {
			if other != invoiceID {
				o.AlsoOn = append(o.AlsoOn, other)
			}
		}
		for _, m := range b.CreditMemos {
			o.CreditMemos = append(o.CreditMemos, m.ID)
		}
		out = append(out, o)
	}
	return out, nil
}

// mktInvoiceFile serves an invoice document as a download named after it.
func (s *Server) mktInvoiceFile(w http.ResponseWriter, r *http.Request, ext, contentType string, write func(marketplace.InvoiceDetail) ([]byte, error)) {
	d, err := s.marketplace().Invoice(r.Context(), principalFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	b, err := write(d)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.%s"`, d.Invoice.ID, ext))
	_, _ = w.Write(b)
}

func (s *Server) mktInvoicePDF(w http.ResponseWriter, r *http.Request) {
	s.mktInvoiceFile(w, r, "pdf", "application/pdf", marketplace.InvoicePDF)
}

func (s *Server) mktInvoiceCSV(w http.ResponseWriter, r *http.Request) {
	s.mktInvoiceFile(w, r, "csv", "text/csv; charset=utf-8", func(d marketplace.InvoiceDetail) ([]byte, error) {
		var b strings.Builder
		err := marketplace.InvoiceCSV(&b, d)
		return []byte(b.String()), err
	})
}

func (s *Server) mktInvoicePaid(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	id := r.PathValue("id")
	_, err := s.marketplace().SetInvoiceStatus(r.Context(), principalFrom(r.Context()), actor(r), id, string(marketplace.InvoicePaid))
	switch {
	case domain.ErrorCode(err) == domain.CodeConflict:
		s.flash(r, FlashError, "Not marked paid: "+domain.ErrorMessage(err))
	case err != nil:
		s.fail(w, r, err)
		return
	default:
		s.flash(r, FlashSuccess, "Invoice "+id+" is marked paid.")
	}
	redirect(w, r, "/marketplace/invoices/"+id)
}

// mktChargeQuery reads the charge list's filter form.
func mktChargeQuery(q url.Values) (MktChargeFilter, marketplace.ChargeFilter, error) {
	ff := MktChargeFilter{Order: strings.TrimSpace(q.Get("order")), Subscription: strings.TrimSpace(q.Get("subscription")),
		Agreement: strings.TrimSpace(q.Get("agreement")), Billed: q.Get("billed"), Month: strings.TrimSpace(q.Get("month"))}
	f := marketplace.ChargeFilter{OrderID: ff.Order, SubscriptionID: ff.Subscription, AgreementID: ff.Agreement, After: q.Get("cursor")}
	switch ff.Billed {
	case "":
	case "billed":
		f.Billed = true
	case "unbilled":
		f.Unbilled = true
	default:
		return ff, f, domain.FieldError("billed", "Choose billed, not yet billed, or either.")
	}
	var err error
	f.BilledFrom, f.BilledTo, err = marketplace.MonthSpan("month", ff.Month)
	return ff, f, err
}

func (s *Server) mktCharges(w http.ResponseWriter, r *http.Request) {
	ctx, p := r.Context(), principalFrom(r.Context())
	page := MktChargesPage{Layout: s.layout(r, NavMarketplace), MktTabs: MktTabs{Tab: MktTabInvoices}, Cursor: r.URL.Query().Get("cursor")}
	page.Title = "Charges"
	var f marketplace.ChargeFilter
	var err error
	if page.Filter, f, err = mktChargeQuery(r.URL.Query()); err != nil {
		page.SetErr(err)
		s.R.Render(w, http.StatusBadRequest, page)
		return
	}
	list, err := s.marketplace().Charges(ctx, p, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	invoiceOf := map[string]string{} // statement → invoice
	for _, c := range list.Items {
		row := mktChargeRowOf(c)
		if c.StatementID != "" {
			if _, ok := invoiceOf[c.StatementID]; !ok {
				st, err := s.marketplace().Store.GetMktStatement(ctx, p.Org.ID, c.StatementID)
				if err != nil {
					s.fail(w, r, err)
					return
				}
				invoiceOf[c.StatementID] = st.InvoiceID
			}
			row.InvoiceID = invoiceOf[c.StatementID]
		}
		page.Rows = append(page.Rows, row)
	}
	page.NextCursor = list.Next
	s.R.Render(w, http.StatusOK, page)
}

func (s *Server) mktCreditMemos(w http.ResponseWriter, r *http.Request) {
	ctx, p, q := r.Context(), principalFrom(r.Context()), r.URL.Query()
	page := MktCreditMemosPage{Layout: s.layout(r, NavMarketplace), MktTabs: MktTabs{Tab: MktTabInvoices}, Cursor: q.Get("cursor"),
		Filter: MktCreditMemoFilter{Buyer: q.Get("buyer"), Order: strings.TrimSpace(q.Get("order")), Invoice: strings.TrimSpace(q.Get("invoice")),
			Month: strings.TrimSpace(q.Get("month"))}}
	page.Title = "Credit memos"
	var names map[string]string
	var err error
	if page.Buyers, names, err = s.mktBuyers(r, page.Filter.Buyer); err != nil {
		s.fail(w, r, err)
		return
	}
	f := marketplace.CreditMemoFilter{BuyerID: page.Filter.Buyer, OrderID: page.Filter.Order, InvoiceID: page.Filter.Invoice, After: page.Cursor}
	if f.IssuedFrom, f.IssuedTo, err = marketplace.MonthSpan("month", page.Filter.Month); err != nil {
		page.SetErr(err)
		s.R.Render(w, http.StatusBadRequest, page)
		return
	}
	list, err := s.marketplace().CreditMemos(ctx, p, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, m := range list.Items {
		page.Rows = append(page.Rows, mktCreditMemoRowOf(m, names))
	}
	page.NextCursor = list.Next
	s.R.Render(w, http.StatusOK, page)
}
