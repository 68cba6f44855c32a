package api

import (
	"time"

	"github.com/canopyhq/canopy/internal/marketplace"
)

type mktVendorView struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Program    string `json:"program"`
	APIURL     string `json:"api_url"`
	APIKeySet  bool   `json:"api_key_set"`
	ReturnDays int    `json:"return_days"`
	CoTerm     bool   `json:"co_term"`
	MidTermPO  bool   `json:"mid_term_po"`
	// APIConnectedAt is when the ordering system was connected.
	APIConnectedAt *time.Time `json:"api_connected_at"`
	CreatedAt      time.Time  `json:"created_at"`
}

func mktVendorOf(v marketplace.Vendor) mktVendorView {
	pol := marketplace.PolicyOf(marketplace.Program(v.Program))
	return mktVendorView{ID: v.ID, Name: v.Name, Program: v.Program, APIURL: v.APIURL, APIKeySet: v.APIKey != "",
		ReturnDays: pol.ReturnDays, CoTerm: pol.CoTerm, MidTermPO: pol.MidTermPO, APIConnectedAt: v.APISetAt, CreatedAt: v.CreatedAt}
}

type mktProductView struct {
	ID          string    `json:"id"`
	VendorID    string    `json:"vendor_id"`
	Name        string    `json:"name"`
	Category    string    `json:"category"`
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"created_at"`
}

func mktProductOf(p marketplace.Product) mktProductView {
	return mktProductView{ID: p.ID, VendorID: p.VendorID, Name: p.Name, Category: p.Category, Description: p.Description, CreatedAt: p.CreatedAt}
}

type mktPriceView struct {
	Term      string `json:"term"`
	Currency  string `json:"currency"`
	UnitPrice string `json:"unit_price"`
}

type mktItemView struct {
	ID        string         `json:"id"`
	ProductID string         `json:"product_id"`
	Name      string         `json:"name"`
	SKU       string         `json:"sku"`
	Unit      string         `json:"unit"`
	Prices    []mktPriceView `json:"prices"`
	// OnSale is false once the item is taken off sale (at DisabledAt).
	OnSale     bool       `json:"on_sale"`
	DisabledAt *time.Time `json:"disabled_at"`
	CreatedAt  time.Time  `json:"created_at"`
}

func mktItemOf(it marketplace.Item) mktItemView {
	v := mktItemView{ID: it.ID, ProductID: it.ProductID, Name: it.Name, SKU: it.SKU, Unit: it.Unit, Prices: []mktPriceView{},
		OnSale: it.DisabledAt == nil, DisabledAt: it.DisabledAt, CreatedAt: it.CreatedAt}
	for _, p := range it.Prices {
		v.Prices = append(v.Prices, mktPriceView{Term: p.Term, Currency: p.Currency, UnitPrice: p.UnitPrice})
	}
	return v
}

type mktBuyerView struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Currency  string    `json:"currency"`
	Address   string    `json:"address"`
	CreatedAt time.Time `json:"created_at"`
}

func mktBuyerOf(b marketplace.Buyer) mktBuyerView {
	return mktBuyerView{ID: b.ID, Name: b.Name, Currency: b.Currency, Address: b.Address, CreatedAt: b.CreatedAt}
}

type mktCatalogView struct {
	Vendors  []mktVendorView  `json:"vendors"`
	Products []mktProductView `json:"products"`
	Items    []mktItemView    `json:"items"`
	Buyers   []mktBuyerView   `json:"buyers"`
	Listings []mktListingView `json:"listings"`
}

func mktCatalogOf(c marketplace.Catalog) mktCatalogView {
	return mktCatalogView{Vendors: mapAll(c.Vendors, mktVendorOf), Products: mapAll(c.Products, mktProductOf),
		Items: mapAll(c.Items, mktItemOf), Buyers: mapAll(c.Buyers, mktBuyerOf), Listings: mapAll(c.Listings, mktListingOf)}
}

type mktAgreementView struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	Status      string     `json:"status"`
	BuyerID     string     `json:"buyer_id"`
	ProductID   string     `json:"product_id"`
	Currency    string     `json:"currency"`
	PONumber    string     `json:"po_number"`
	Anniversary *time.Time `json:"anniversary"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

func mktAgreementOf(a marketplace.Agreement) mktAgreementView {
	return mktAgreementView{ID: a.ID, Name: a.Name, Status: a.Status, BuyerID: a.BuyerID, ProductID: a.ProductID, Currency: a.Currency,
		PONumber: a.PONumber, Anniversary: a.Anniversary, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
}

type mktSubscriptionView struct {
	ID          string     `json:"id"`
	AgreementID string     `json:"agreement_id"`
	ItemID      string     `json:"item_id"`
	Name        string     `json:"name"`
	Status      string     `json:"status"`
	Quantity    int64      `json:"quantity"`
	Term        string     `json:"term"`
	UnitPrice   string     `json:"unit_price"`
	Currency    string     `json:"currency"`
	AutoRenew   bool       `json:"auto_renew"`
	PONumber    string     `json:"po_number"`
	PurchasedAt *time.Time `json:"purchased_at"`
	StartsOn    *time.Time `json:"starts_on"`
	RenewsOn    *time.Time `json:"renews_on"`
	EndedOn     *time.Time `json:"ended_on"`
}

func mktSubscriptionOf(s marketplace.Subscription) mktSubscriptionView {
	return mktSubscriptionView{ID: s.ID, AgreementID: s.AgreementID, ItemID: s.ItemID, Name: s.Name, Status: s.Status, Quantity: s.Quantity,
		Term: s.Term, UnitPrice: s.UnitPrice, Currency: s.Currency, AutoRenew: s.AutoRenew, PONumber: s.PONumber,
		PurchasedAt: s.PurchasedAt, StartsOn: s.StartsOn, RenewsOn: s.RenewsOn, EndedOn: s.EndedOn}
}

type mktLineView struct {
	LineNo         int     `json:"line_no"`
	Action         string  `json:"action"`
	ItemID         string  `json:"item_id"`
	SubscriptionID string  `json:"subscription_id"`
	Quantity       int64   `json:"quantity"`
	OldQuantity    int64   `json:"old_quantity"`
	Term           string  `json:"term"`
	UnitPrice      string  `json:"unit_price"`
	AutoRenew      *bool   `json:"auto_renew"`
	PONumber       *string `json:"po_number"`
}

type mktOrderView struct {
	ID           string        `json:"id"`
	AgreementID  string        `json:"agreement_id"`
	Type         string        `json:"type"`
	Status       string        `json:"status"`
	PONumber     string        `json:"po_number"`
	Notes        string        `json:"notes"`
	QueryMessage string        `json:"query_message"`
	StatusNote   string        `json:"status_note"`
	VendorRef    string        `json:"vendor_ref"`
	CreatedBy    string        `json:"created_by"`
	SubmittedAt  *time.Time    `json:"submitted_at"`
	SentAt       *time.Time    `json:"sent_at"`
	CompletedAt  *time.Time    `json:"completed_at"`
	CreatedAt    time.Time     `json:"created_at"`
	Lines        []mktLineView `json:"lines"`
}

func mktOrderOf(o marketplace.Order) mktOrderView {
	v := mktOrderView{ID: o.ID, AgreementID: o.AgreementID, Type: o.Type, Status: o.Status, PONumber: o.PONumber, Notes: o.Notes,
		QueryMessage: o.QueryMessage, StatusNote: o.StatusNote, VendorRef: o.VendorRef, CreatedBy: o.CreatedBy,
		SubmittedAt: o.SubmittedAt, SentAt: o.SentAt, CompletedAt: o.CompletedAt, CreatedAt: o.CreatedAt, Lines: []mktLineView{}}
	for _, l := range o.Lines {
		v.Lines = append(v.Lines, mktLineView{LineNo: l.LineNo, Action: l.Action, ItemID: l.ItemID, SubscriptionID: l.SubscriptionID,
			Quantity: l.Quantity, OldQuantity: l.OldQuantity, Term: l.Term, UnitPrice: l.UnitPrice, AutoRenew: l.AutoRenew, PONumber: l.PONumber})
	}
	return v
}

type mktHistoryView struct {
	From  string    `json:"from"`
	To    string    `json:"to"`
	Actor string    `json:"actor"`
	Note  string    `json:"note"`
	At    time.Time `json:"at"`
}

func mktHistoryOf(c marketplace.StatusChange) mktHistoryView {
	return mktHistoryView{From: c.From, To: c.To, Actor: c.Actor, Note: c.Note, At: c.At}
}

type mktChargeView struct {
	ID             string    `json:"id"`
	Kind           string    `json:"kind"`
	Description    string    `json:"description"`
	AgreementID    string    `json:"agreement_id"`
	SubscriptionID string    `json:"subscription_id"`
	OrderID        string    `json:"order_id"`
	Quantity       int64     `json:"quantity"`
	UnitPrice      string    `json:"unit_price"`
	Amount         string    `json:"amount"`
	Currency       string    `json:"currency"`
	PeriodStart    time.Time `json:"period_start"`
	PeriodEnd      time.Time `json:"period_end"`
	BilledOn       time.Time `json:"billed_on"`
	StatementID    string    `json:"statement_id"`
	CreditMemoID   string    `json:"credit_memo_id"`
}

func mktChargeOf(c marketplace.Charge) mktChargeView {
	return mktChargeView{ID: c.ID, Kind: c.Kind, Description: c.Description, AgreementID: c.AgreementID, SubscriptionID: c.SubscriptionID,
		OrderID: c.OrderID, Quantity: c.Quantity, UnitPrice: c.UnitPrice, Amount: c.Amount, Currency: c.Currency,
		PeriodStart: c.PeriodStart, PeriodEnd: c.PeriodEnd, BilledOn: c.BilledOn, StatementID: c.StatementID, CreditMemoID: c.CreditMemoID}
}

// mktStatementRowView is a statement in a list (without its charges).
type mktStatementRowView struct {
	ID          string    `json:"id"`
	InvoiceID   string    `json:"invoice_id"`
	AgreementID string    `json:"agreement_id"`
	BuyerID     string    `json:"buyer_id"`
	PONumber    string    `json:"po_number"`
	POPrinted   string    `json:"po_printed"`
	Total       string    `json:"total"`
	Currency    string    `json:"currency"`
	PeriodStart time.Time `json:"period_start"`
	PeriodEnd   time.Time `json:"period_end"`
}

func mktStatementRowOf(s marketplace.Statement) mktStatementRowView {
	return mktStatementRowView{ID: s.ID, InvoiceID: s.InvoiceID, AgreementID: s.AgreementID, BuyerID: s.BuyerID, PONumber: s.PONumber,
		POPrinted: marketplace.PrintPO(s.PONumber), Total: s.Total, Currency: s.Currency, PeriodStart: s.PeriodStart, PeriodEnd: s.PeriodEnd}
}

type mktStatementView struct {
	mktStatementRowView
	Charges []mktChargeView `json:"charges"`
}

func mktStatementOf(s marketplace.Statement, charges []marketplace.Charge) mktStatementView {
	return mktStatementView{mktStatementRowView: mktStatementRowOf(s), Charges: mapAll(charges, mktChargeOf)}
}

type mktInvoiceView struct {
	ID          string    `json:"id"`
	BuyerID     string    `json:"buyer_id"`
	Status      string    `json:"status"`
	Total       string    `json:"total"`
	Currency    string    `json:"currency"`
	PeriodStart time.Time `json:"period_start"`
	PeriodEnd   time.Time `json:"period_end"`
	IssuedAt    time.Time `json:"issued_at"`
	DueOn       time.Time `json:"due_on"`
}

func mktInvoiceOf(i marketplace.Invoice) mktInvoiceView {
	return mktInvoiceView{ID: i.ID, BuyerID: i.BuyerID, Status: i.Status, Total: i.Total, Currency: i.Currency,
		PeriodStart: i.PeriodStart, PeriodEnd: i.PeriodEnd, IssuedAt: i.IssuedAt, DueOn: i.DueOn}
}

type mktInvoiceDetailView struct {
	mktInvoiceView
	Statements    []mktStatementView  `json:"statements"`
	Orders        []string            `json:"orders"`
	Subscriptions []string            `json:"subscriptions"`
	CreditMemos   []mktCreditMemoView `json:"credit_memos"`
	History       []mktHistoryView    `json:"history"`
}

func mktInvoiceDetailOf(d marketplace.InvoiceDetail) mktInvoiceDetailView {
	v := mktInvoiceDetailView{mktInvoiceView: mktInvoiceOf(d.Invoice), Statements: []mktStatementView{},
		Orders: nonNil(d.Orders), Subscriptions: nonNil(d.Subscriptions), CreditMemos: mapAll(d.CreditMemos, mktCreditMemoOf),
		History: mapAll(d.History, mktHistoryOf)}
	for _, st := range d.Statements {
		v.Statements = append(v.Statements, mktStatementOf(st.Statement, st.Charges))
	}
	return v
}

type mktCreditMemoView struct {
	ID        string    `json:"id"`
	BuyerID   string    `json:"buyer_id"`
	OrderID   string    `json:"order_id"`
	InvoiceID string    `json:"invoice_id"`
	Total     string    `json:"total"`
	Currency  string    `json:"currency"`
	Reason    string    `json:"reason"`
	IssuedAt  time.Time `json:"issued_at"`
}

func mktCreditMemoOf(m marketplace.CreditMemo) mktCreditMemoView {
	return mktCreditMemoView{ID: m.ID, BuyerID: m.BuyerID, OrderID: m.OrderID, InvoiceID: m.InvoiceID, Total: m.Total,
		Currency: m.Currency, Reason: m.Reason, IssuedAt: m.IssuedAt}
}

type mktAgreementDetailView struct {
	mktAgreementView
	Buyer         mktBuyerView          `json:"buyer"`
	Product       mktProductView        `json:"product"`
	Vendor        mktVendorView         `json:"vendor"`
	Subscriptions []mktSubscriptionView `json:"subscriptions"`
	Orders        []mktOrderView        `json:"orders"`
	Statements    []mktStatementView    `json:"statements"`
	History       []mktHistoryView      `json:"history"`
}

func mktAgreementDetailOf(d marketplace.AgreementDetail) mktAgreementDetailView {
	v := mktAgreementDetailView{mktAgreementView: mktAgreementOf(d.Agreement), Buyer: mktBuyerOf(d.Buyer), Product: mktProductOf(d.Product),
		Vendor: mktVendorOf(d.Vendor), Subscriptions: mapAll(d.Subscriptions, mktSubscriptionOf), Orders: mapAll(d.Orders, mktOrderOf),
		Statements: []mktStatementView{}, History: mapAll(d.History, mktHistoryOf)}
	for _, st := range d.Statements {
		v.Statements = append(v.Statements, mktStatementOf(st, nil))
	}
	return v
}

type mktSubscriptionDetailView struct {
	mktSubscriptionView
	Item    mktItemView      `json:"item"`
	History []mktHistoryView `json:"history"`
	Charges []mktChargeView  `json:"charges"`
}

type mktOrderDetailView struct {
	mktOrderView
	WaitingFor  string              `json:"waiting_for"`
	History     []mktHistoryView    `json:"history"`
	Charges     []mktChargeView     `json:"charges"`
	Invoices    []string            `json:"invoices"`
	CreditMemos []mktCreditMemoView `json:"credit_memos"`
}

func mktOrderDetailOf(d marketplace.OrderDetail) mktOrderDetailView {
	return mktOrderDetailView{mktOrderView: mktOrderOf(d.Order), WaitingFor: d.WaitingFor, History: mapAll(d.History, mktHistoryOf),
		Charges: mapAll(d.Billing.Charges, mktChargeOf), Invoices: nonNil(d.Billing.Invoices), CreditMemos: mapAll(d.Billing.CreditMemos, mktCreditMemoOf)}
}

// mapAll converts every element (never nil, so JSON says []).
func mapAll[S, T any](in []S, f func(S) T) []T {
	out := make([]T, 0, len(in))
	for _, s := range in {
		out = append(out, f(s))
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
