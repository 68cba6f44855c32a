package marketplace

import (
	"context"
	"sort"
	"time"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// The billing documents (the store owns their rows).
type (
	Invoice    = store.MktInvoice
	Statement  = store.MktStatement
	CreditMemo = store.MktCreditMemo
)

// PaymentTermDays is how long after issue an invoice is due.
const PaymentTermDays = 30

// IssueInvoices bills the month's unbilled charges (returns go on credit
// memos instead): one consolidated invoice per buyer, one statement per
// agreement on it, carrying the agreement's purchase-order number as it
// is now. Charges billed meanwhile by another run make it a conflict, so
// nothing is invoiced twice; a month with nothing unbilled issues
// nothing.
func (s *Service) IssueInvoices(ctx context.Context, p *auth.Principal, who audit.Actor, month time.Time) ([]Invoice, error) {
	if err := p.Require(auth.PermMarketplaceManage); err != nil {
		return nil, err
	}
	from := time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, time.UTC)
	to := AddMonths(from, 1)
	var out []Invoice
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		charges, err := tx.ListMktCharges(ctx, p.Org.ID, store.MktChargeFilter{Unbilled: true, BilledFrom: &from, BilledTo: &to, ForUpdate: true})
		if err != nil {
			return err
		}
		byBuyer := map[string][]Charge{}
		for _, c := range charges {
			if c.Kind != ChargeReturn {
				byBuyer[c.BuyerID] = append(byBuyer[c.BuyerID], c)
			}
		}
		buyers := make([]string, 0, len(byBuyer))
		for b := range byBuyer {
			buyers = append(buyers, b)
		}
		sort.Strings(buyers)
		for _, b := range buyers {
			inv, err := s.issueOne(ctx, tx, p.Org.ID, b, from, to, byBuyer[b])
			if err != nil {
				return err
			}
			out = append(out, inv)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, inv := range out {
		audit.MustRecord(ctx, s.Store, who, audit.Entry{OrgID: p.Org.ID, Action: "marketplace.invoice.issue", TargetType: "invoice",
			TargetID: inv.ID, Details: map[string]any{"buyer": inv.BuyerID, "total": inv.Total, "currency": inv.Currency}})
		if s.Exporter != nil {
			if err := s.Exporter(ctx, p.Org.ID, inv.ID); err != nil {
				return out, err
			}
		}
	}
	return out, nil
}

// issueOne stores one buyer's invoice with a statement per agreement.
func (s *Service) issueOne(ctx context.Context, tx *store.Tx, orgID, buyer string, from, to time.Time, charges []Charge) (Invoice, error) {
	now := s.now()
	inv := Invoice{OrgID: orgID, ID: NewID(PrefixInvoice), BuyerID: buyer, PeriodStart: from, PeriodEnd: to,
		Status: string(InvoiceIssued), Currency: charges[0].Currency, IssuedAt: now, DueOn: Day(now).AddDate(0, 0, PaymentTermDays)}
	byAgr := map[string][]Charge{}
	var order []string
	for _, c := range charges {
		if c.Currency != inv.Currency {
			return Invoice{}, domain.Errorf(domain.CodeConflict, "buyer %s has charges in %s and %s this month; an invoice has one currency", buyer, inv.Currency, c.Currency)
		}
		if _, ok := byAgr[c.AgreementID]; !ok {
			order = append(order, c.AgreementID)
		}
		byAgr[c.AgreementID] = append(byAgr[c.AgreementID], c)
	}
	sort.Strings(order)
	var stmts []Statement
	billed := map[string]string{}
	var total domain.Amount
	for _, agrID := range order {
		agr, err := tx.GetMktAgreement(ctx, orgID, agrID, false)
		if err != nil {
			return Invoice{}, err
		}
		st := Statement{OrgID: orgID, ID: NewID(PrefixStatement), AgreementID: agrID, BuyerID: buyer, PeriodStart: from,
			PeriodEnd: to, Currency: inv.Currency, PONumber: agr.PONumber}
		sum, err := sumCharges(byAgr[agrID])
		if err != nil {
			return Invoice{}, err
		}
		st.Total = sum.String()
		if total, err = total.Add(sum); err != nil {
			return Invoice{}, err
		}
		for _, c := range byAgr[agrID] {
			billed[c.ID] = st.ID
		}
		stmts = append(stmts, st)
	}
	inv.Total = total.String()
	if err := tx.CreateMktInvoice(ctx, inv, stmts, billed); err != nil {
		return Invoice{}, err
	}
	return inv, created(ctx, tx, orgID, store.MktInvoiceObj, inv.ID, inv.Status, "system", "issued", now)
}

func sumCharges(cs []Charge) (domain.Amount, error) {
	var t domain.Amount
	for _, c := range cs {
		a, err := amountOf(c.Amount)
		if err != nil {
			return t, err
		}
		if t, err = t.Add(a); err != nil {
			return t, err
		}
	}
	return t, nil
}

// InvoiceDetail is an invoice with its statements, their charges, and
// the orders and subscriptions it bills.
type InvoiceDetail struct {
	Invoice       Invoice
	Buyer         Buyer
	Statements    []StatementDetail
	Orders        []string // orders whose charges this invoice bills
	Subscriptions []string
	// CreditMemos credit returns of what this invoice billed.
	CreditMemos []CreditMemo
	// History is every status change: issued, overdue, paid.
	History []StatusChange
}

// StatementDetail is a statement with its agreement and charges.
type StatementDetail struct {
	Statement Statement
	Agreement Agreement
	Charges   []Charge
}

// Invoice returns an invoice with everything it bills.
func (s *Service) Invoice(ctx context.Context, p *auth.Principal, id string) (InvoiceDetail, error) {
	if err := p.Require(auth.PermMarketplaceRead); err != nil {
		return InvoiceDetail{}, err
	}
	var d InvoiceDetail
	var err error
	if d.Invoice, err = s.Store.GetMktInvoice(ctx, p.Org.ID, id); err != nil {
		return d, err
	}
	if d.Buyer, err = s.Store.GetMktBuyer(ctx, p.Org.ID, d.Invoice.BuyerID); err != nil {
		return d, err
	}
	stmts, err := s.Store.MktStatements(ctx, p.Org.ID, id, "")
	if err != nil {
		return d, err
	}
	orders, subs := map[string]bool{}, map[string]bool{}
	for _, st := range stmts {
		sd := StatementDetail{Statement: st}
		if sd.Agreement, err = s.Store.GetMktAgreement(ctx, p.Org.ID, st.AgreementID, false); err != nil {
			return d, err
		}
		if sd.Charges, err = s.Store.ListMktCharges(ctx, p.Org.ID, store.MktChargeFilter{StatementID: st.ID}); err != nil {
			return d, err
		}
		for _, c := range sd.Charges {
			orders[c.OrderID], subs[c.SubscriptionID] = true, true
		}
		d.Statements = append(d.Statements, sd)
	}
	d.Orders, d.Subscriptions = sortedKeys(orders), sortedKeys(subs)
	if d.CreditMemos, err = s.Store.ListMktCreditMemos(ctx, p.Org.ID, store.MktCreditMemoFilter{InvoiceID: id}); err != nil {
		return d, err
	}
	d.History, err = s.Store.MktHistory(ctx, p.Org.ID, id)
	return d, err
}

// OrderBilling says where an order was billed: its charges, the invoices
// they are on, and its credit memos.
type OrderBilling struct {
	Charges     []Charge
	Invoices    []string
	CreditMemos []CreditMemo
}

// OrderBilling returns where an order's charges were billed.
func (s *Service) OrderBilling(ctx context.Context, p *auth.Principal, orderID string) (OrderBilling, error) {
	if err := p.Require(auth.PermMarketplaceRead); err != nil {
		return OrderBilling{}, err
	}
	if _, err := s.Store.GetMktOrder(ctx, p.Org.ID, orderID, false); err != nil {
		return OrderBilling{}, err
	}
	var b OrderBilling
	var err error
	if b.Charges, err = s.Store.ListMktCharges(ctx, p.Org.ID, store.MktChargeFilter{OrderID: orderID}); err != nil {
		return b, err
	}
	invs := map[string]bool{}
	for _, c := range b.Charges {
		if c.StatementID == "" {
			continue
		}
		st, err := s.Store.GetMktStatement(ctx, p.Org.ID, c.StatementID)
		if err != nil {
			return b, err
		}
		invs[st.InvoiceID] = true
	}
	b.Invoices = sortedKeys(invs)
	b.CreditMemos, err = s.Store.ListMktCreditMemos(ctx, p.Org.ID, store.MktCreditMemoFilter{OrderID: orderID})
	return b, err
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		if k != "" {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// SetInvoiceStatus records a payment (Paid) or a missed due date
// (Overdue) (operations: marketplace.manage).
func (s *Service) SetInvoiceStatus(ctx context.Context, p *auth.Principal, who audit.Actor, id, status string) (Invoice, error) {
	if err := p.Require(auth.PermMarketplaceManage); err != nil {
		return Invoice{}, err
	}
	var inv Invoice
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if inv, err = tx.GetMktInvoice(ctx, p.Org.ID, id); err != nil {
			return err
		}
		if err := changeStatus(ctx, tx, Invoices, p.Org.ID, store.MktInvoiceObj, id, InvoiceStatus(inv.Status), InvoiceStatus(status), actorName(who), ""); err != nil {
			return err
		}
		inv.Status = status
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: "marketplace.invoice.status", TargetType: "invoice",
			TargetID: id, Details: map[string]any{"status": status}})
	})
	return inv, err
}

// markOverdue moves the organisation's issued invoices past their due
// day to Overdue.
func (s *Service) markOverdue(ctx context.Context, orgID string, now time.Time) error {
	list, err := s.Store.ListMktInvoices(ctx, orgID, InvoiceFilter{Status: string(InvoiceIssued), Limit: 500})
	if err != nil {
		return err
	}
	for _, inv := range list {
		if !Day(now).After(inv.DueOn) {
			continue
		}
		err := s.Store.InTx(ctx, func(tx *store.Tx) error {
			return changeStatus(ctx, tx, Invoices, orgID, store.MktInvoiceObj, inv.ID, InvoiceIssued, InvoiceOverdue, "system",
				"due on "+inv.DueOn.Format("2 Jan 2006"))
		})
		if err != nil && domain.ErrorCode(err) != domain.CodeConflict { // paid meanwhile
			return err
		}
	}
	return nil
}
