package web

import (
	"net/url"
	"strconv"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/marketplace"
)

// MktInvoicesPage lists invoices with filters and paging; operations
// issue a month's invoices from it.
type MktInvoicesPage struct {
	Layout
	MktTabs
	FormErrors
	Filter             MktInvoiceFilter
	Buyers             []Choice
	Statuses           []Choice
	Rows               []MktInvoiceRow
	Cursor, NextCursor string
	CanManage          bool
	IssueMonth         string // the issue form's month (YYYY-MM)
}

func (MktInvoicesPage) Template() string { return "mkt_invoices" }

// MktInvoiceFilter is the invoice list's filter form.
type MktInvoiceFilter struct{ Buyer, Status, Month string }

func (f MktInvoiceFilter) values() url.Values {
	return mktQuery(map[string]string{"buyer": f.Buyer, "status": f.Status, "month": f.Month}, "")
}

// FirstURL and NextURL page through the filtered list.
func (p MktInvoicesPage) FirstURL() string {
	return "/marketplace/invoices?" + p.Filter.values().Encode()
}
func (p MktInvoicesPage) NextURL() string {
	v := p.Filter.values()
	v.Set("cursor", p.NextCursor)
	return "/marketplace/invoices?" + v.Encode()
}

// pageValues is a filter's query without its empty fields.
func mktQuery(fields map[string]string, cursor string) url.Values {
	v := url.Values{}
	for k, s := range fields {
		if s != "" {
			v.Set(k, s)
		}
	}
	if cursor != "" {
		v.Set("cursor", cursor)
	}
	return v
}

// MktInvoiceRow is an invoice in the list.
type MktInvoiceRow struct {
	ID, Buyer, Period, Issued, Due, Status, Total string
}

// MktInvoicePage is one invoice: its statements with PO No. and
// charges, what it bills (orders, subscriptions) and its credit memos.
type MktInvoicePage struct {
	Layout
	MktTabs
	ID, Status, Currency   string
	Buyer, BuyerAddress    string
	Period, Issued, Due    string
	Net, Gross             string
	Statements             []MktStatementView
	Orders                 []MktBilledOrder
	Subscriptions          []MktBilledSub
	CreditMemos            []MktCreditMemoRow
	History                []marketplace.StatusChange
	PDFURL, CSVURL         string
	CanManage, CanMarkPaid bool
}

func (MktInvoicePage) Template() string { return "mkt_invoice" }

// MktStatementView is a statement on the invoice page.
type MktStatementView struct {
	ID, AgreementID, AgreementName string
	PONumber, POPrinted            string // as stored, and as the PDF prints it
	Total                          string
	Charges                        []MktChargeRow
}

// MktChargeRow is a charge in a table.
type MktChargeRow struct {
	ID, Kind, Description, OrderID, SubscriptionID, AgreementID string
	Quantity, UnitPrice, Amount, Period, BilledOn               string
	// Billing: where it is billed ("" when not yet).
	InvoiceID, StatementID, CreditMemoID string
}

// MktBilledOrder is an order this invoice bills: its amount here and
// every invoice its charges are on.
type MktBilledOrder struct {
	ID, Amount  string
	Charges     int
	AlsoOn      []string // other invoices billing its charges
	CreditMemos []string
}

// MktBilledSub is a subscription this invoice bills.
type MktBilledSub struct {
	ID, AgreementID, Amount string
	Charges                 int
}

// MktCreditMemoRow is a credit memo in a table.
type MktCreditMemoRow struct {
	ID, Buyer, OrderID, InvoiceID, Total, Reason, Issued string
}

// MktChargesPage lists charges with filters and paging.
type MktChargesPage struct {
	Layout
	MktTabs
	FormErrors
	Filter             MktChargeFilter
	Rows               []MktChargeRow
	Cursor, NextCursor string
}

func (MktChargesPage) Template() string { return "mkt_charges" }

// MktChargeFilter is the charge list's filter form.
type MktChargeFilter struct{ Order, Subscription, Agreement, Billed, Month string }

func (f MktChargeFilter) values() url.Values {
	return mktQuery(map[string]string{"order": f.Order, "subscription": f.Subscription, "agreement": f.Agreement,
		"billed": f.Billed, "month": f.Month}, "")
}

func (p MktChargesPage) FirstURL() string {
	return "/marketplace/charges?" + p.Filter.values().Encode()
}
func (p MktChargesPage) NextURL() string {
	v := p.Filter.values()
	v.Set("cursor", p.NextCursor)
	return "/marketplace/charges?" + v.Encode()
}

// MktCreditMemosPage lists credit memos with filters and paging.
type MktCreditMemosPage struct {
	Layout
	MktTabs
	FormErrors
	Filter             MktCreditMemoFilter
	Buyers             []Choice
	Rows               []MktCreditMemoRow
	Cursor, NextCursor string
}

func (MktCreditMemosPage) Template() string { return "mkt_credit_memos" }

// MktCreditMemoFilter is the credit memo list's filter form.
type MktCreditMemoFilter struct{ Buyer, Order, Invoice, Month string }

func (f MktCreditMemoFilter) values() url.Values {
	return mktQuery(map[string]string{"buyer": f.Buyer, "order": f.Order, "invoice": f.Invoice, "month": f.Month}, "")
}

func (p MktCreditMemosPage) FirstURL() string {
	return "/marketplace/credit-memos?" + p.Filter.values().Encode()
}
func (p MktCreditMemosPage) NextURL() string {
	v := p.Filter.values()
	v.Set("cursor", p.NextCursor)
	return "/marketplace/credit-memos?" + v.Encode()
}

// mktMoney prints an exact amount as documents do, with its currency.
func mktMoney(amount, cur string) string {
	var a domain.Amount
	if err := a.UnmarshalText([]byte(amount)); err != nil {
		return amount + " " + cur
	}
	return domain.FormatMoney(a, cur) + " " + cur
}

// mktSum adds exact amounts (unparsable ones count as nothing: amounts
// are written by the service).
func mktSum(amounts ...string) domain.Amount {
	var t domain.Amount
	for _, s := range amounts {
		var a domain.Amount
		if a.UnmarshalText([]byte(s)) == nil {
			t, _ = t.Add(a)
		}
	}
	return t
}

func mktDay(t time.Time) string { return t.Format("2 Jan 2006") }

// mktPeriod is a half-open service period as people read it (last day
// included).
func mktPeriod(from, to time.Time) string {
	return mktDay(from) + " – " + mktDay(to.AddDate(0, 0, -1))
}

func mktChargeRowOf(c marketplace.Charge) MktChargeRow {
	return MktChargeRow{ID: c.ID, Kind: c.Kind, Description: c.Description, OrderID: c.OrderID, SubscriptionID: c.SubscriptionID,
		AgreementID: c.AgreementID, Quantity: strconv.FormatInt(c.Quantity, 10), UnitPrice: mktMoney(c.UnitPrice, c.Currency),
		Amount: mktMoney(c.Amount, c.Currency), Period: mktPeriod(c.PeriodStart, c.PeriodEnd), BilledOn: mktDay(c.BilledOn),
		StatementID: c.StatementID, CreditMemoID: c.CreditMemoID}
}

func mktCreditMemoRowOf(m marketplace.CreditMemo, buyers map[string]string) MktCreditMemoRow {
	return MktCreditMemoRow{ID: m.ID, Buyer: mktOr(buyers[m.BuyerID], m.BuyerID), OrderID: m.OrderID, InvoiceID: m.InvoiceID,
		Total: mktMoney(m.Total, m.Currency), Reason: m.Reason, Issued: mktDay(m.IssuedAt)}
}

func mktOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
