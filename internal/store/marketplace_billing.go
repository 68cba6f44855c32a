package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// MktCharge is one billed amount for a subscription's service period.
type MktCharge struct {
	OrgID, ID, DedupKey, BuyerID, AgreementID, SubscriptionID, OrderID, ItemID string
	Kind, Description                                                          string
	Quantity                                                                   int64
	UnitPrice, Amount, Currency                                                string
	PeriodStart, PeriodEnd, BilledOn                                           time.Time
	StatementID, CreditMemoID                                                  string
	CreatedAt                                                                  time.Time
}

// MktInvoice is a consolidated invoice of a buyer.
type MktInvoice struct {
	OrgID, ID, BuyerID, Status, Currency, Total string
	PeriodStart, PeriodEnd, IssuedAt, DueOn     time.Time
	UpdatedAt                                   time.Time
}

// MktStatement groups an invoice's charges of one agreement.
type MktStatement struct {
	OrgID, ID, InvoiceID, AgreementID, BuyerID, Currency, Total, PONumber string
	PeriodStart, PeriodEnd, CreatedAt                                     time.Time
}

// MktCreditMemo credits returned charges.
type MktCreditMemo struct {
	OrgID, ID, BuyerID, OrderID, InvoiceID, Currency, Total, Reason string
	IssuedAt                                                        time.Time
}

const mktChargeCols = `org_id, id, dedup_key, buyer_id, agreement_id, subscription_id, order_id, item_id, kind, description,
	quantity, unit_price, amount, currency, period_start, period_end, billed_on, statement_id, credit_memo_id, created_at`

// AddMktCharge inserts c unless a charge with its dedup key exists;
// added says which.
func (q *Queries) AddMktCharge(ctx context.Context, c MktCharge) (added bool, err error) {
	c.CreatedAt = domain.Now()
	res, err := q.w().exec(ctx, `INSERT INTO mkt_charges (`+mktChargeCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (org_id, dedup_key) DO NOTHING`, c.OrgID, c.ID, c.DedupKey, c.BuyerID, c.AgreementID, c.SubscriptionID,
		nullIfEmpty(c.OrderID), c.ItemID, c.Kind, c.Description, c.Quantity, c.UnitPrice, c.Amount, c.Currency,
		c.PeriodStart.UTC(), c.PeriodEnd.UTC(), c.BilledOn.UTC(), nullIfEmpty(c.StatementID), nullIfEmpty(c.CreditMemoID), c.CreatedAt)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// MktChargeFilter selects charges; empty fields match all.
type MktChargeFilter struct {
	SubscriptionID, OrderID, StatementID, CreditMemoID, AgreementID, BuyerID string
	// Unbilled keeps charges on no statement and no credit memo; Billed
	// the others.
	Unbilled, Billed bool
	// BilledFrom and BilledTo keep charges billed in [BilledFrom, BilledTo).
	BilledFrom, BilledTo *time.Time
	// OpenAt keeps charges whose service period ends after it.
	OpenAt *time.Time
	// ForUpdate reads on the writer (a transaction that bills them).
	ForUpdate bool
	// After and Limit page the list: charges after the charge After (in
	// the list's order); Limit 0 lists every match.
	After string
	Limit int
}

// ListMktCharges returns charges by billed day and ID.
func (q *Queries) ListMktCharges(ctx context.Context, orgID string, f MktChargeFilter) ([]MktCharge, error) {
	sqlq := `SELECT ` + mktChargeCols + ` FROM mkt_charges WHERE org_id = ?`
	args := []any{orgID}
	add := func(cond string, v any) { sqlq += " AND " + cond; args = append(args, v) }
	for col, v := range map[string]string{"subscription_id": f.SubscriptionID, "order_id": f.OrderID,
		"statement_id": f.StatementID, "credit_memo_id": f.CreditMemoID, "agreement_id": f.AgreementID, "buyer_id": f.BuyerID} {
		if v != "" {
			add(col+" = ?", v)
		}
	}
	if f.Unbilled {
		sqlq += " AND statement_id IS NULL AND credit_memo_id IS NULL"
	}
	if f.Billed {
		sqlq += " AND (statement_id IS NOT NULL OR credit_memo_id IS NOT NULL)"
	}
	if f.BilledFrom != nil {
		add("billed_on >= ?", f.BilledFrom.UTC())
	}
	if f.BilledTo != nil {
		add("billed_on < ?", f.BilledTo.UTC())
	}
	if f.OpenAt != nil {
		add("period_end > ?", f.OpenAt.UTC())
	}
	if f.After != "" {
		add("(billed_on, id) > (SELECT billed_on, id FROM mkt_charges WHERE org_id = ? AND id = ?)", orgID)
		args = append(args, f.After)
	}
	sqlq += " ORDER BY billed_on, id"
	if f.Limit > 0 {
		sqlq += " LIMIT ?"
		args = append(args, f.Limit)
	}
	c := q.r()
	if f.ForUpdate {
		c = q.w()
	}
	rows, err := c.query(ctx, sqlq, args...)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanMktCharge)
}

func scanMktCharge(s scanner) (MktCharge, error) {
	var c MktCharge
	var order, stmt, memo sql.NullString
	err := s.Scan(&c.OrgID, &c.ID, &c.DedupKey, &c.BuyerID, &c.AgreementID, &c.SubscriptionID, &order, &c.ItemID, &c.Kind,
		&c.Description, &c.Quantity, &c.UnitPrice, &c.Amount, &c.Currency, &c.PeriodStart, &c.PeriodEnd, &c.BilledOn, &stmt, &memo, &c.CreatedAt)
	c.OrderID, c.StatementID, c.CreditMemoID = order.String, stmt.String, memo.String
	c.PeriodStart, c.PeriodEnd, c.BilledOn, c.CreatedAt = c.PeriodStart.UTC(), c.PeriodEnd.UTC(), c.BilledOn.UTC(), c.CreatedAt.UTC()
	return c, err
}

// CreateMktInvoice stores an invoice, its statements and which charges
// each statement bills (charge ID → statement ID). A charge already
// billed meanwhile makes it a conflict.
func (q *Queries) CreateMktInvoice(ctx context.Context, inv MktInvoice, stmts []MktStatement, billed map[string]string) error {
	inv.UpdatedAt = domain.Now()
	if _, err := q.w().exec(ctx, `INSERT INTO mkt_invoices (org_id, id, buyer_id, period_start, period_end, status, currency, total,
		issued_at, due_on, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, inv.OrgID, inv.ID, inv.BuyerID, inv.PeriodStart.UTC(),
		inv.PeriodEnd.UTC(), inv.Status, inv.Currency, inv.Total, inv.IssuedAt.UTC(), inv.DueOn.UTC(), inv.UpdatedAt); err != nil {
		return err
	}
	for _, s := range stmts {
		if _, err := q.w().exec(ctx, `INSERT INTO mkt_statements (org_id, id, invoice_id, agreement_id, buyer_id, period_start,
			period_end, currency, total, po_number, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, s.OrgID, s.ID, inv.ID,
			s.AgreementID, s.BuyerID, s.PeriodStart.UTC(), s.PeriodEnd.UTC(), s.Currency, s.Total, s.PONumber, inv.UpdatedAt); err != nil {
			return err
		}
	}
	for charge, stmt := range billed {
		res, err := q.w().exec(ctx, `UPDATE mkt_charges SET statement_id = ? WHERE org_id = ? AND id = ?
			AND statement_id IS NULL AND credit_memo_id IS NULL`, stmt, inv.OrgID, charge)
		if err := mustAffect(res, err, "unbilled charge"); err != nil {
			return domain.Errorf(domain.CodeConflict, "charge %s was billed meanwhile; issue the invoices again", charge)
		}
	}
	return nil
}

const mktInvoiceCols = `org_id, id, buyer_id, period_start, period_end, status, currency, total, issued_at, due_on, updated_at`

// mktInvoiceColsOf is mktInvoiceCols of the table aliased t.
func mktInvoiceColsOf(t string) string {
	return t + "." + strings.ReplaceAll(mktInvoiceCols, ", ", ", "+t+".")
}

// GetMktInvoice returns one invoice.
func (q *Queries) GetMktInvoice(ctx context.Context, orgID, id string) (MktInvoice, error) {
	inv, err := scanMktInvoice(q.r().row(ctx, `SELECT `+mktInvoiceCols+` FROM mkt_invoices WHERE org_id = ? AND id = ?`, orgID, id))
	return inv, notFound(err, "invoice")
}

// MktInvoiceFilter selects invoices; empty fields match all.
type MktInvoiceFilter struct {
	BuyerID, Status string
	// AgreementID, OrderID and SubscriptionID keep invoices that bill
	// (charges of) it.
	AgreementID, OrderID, SubscriptionID string
	// PeriodFrom and PeriodTo keep invoices whose billing period starts
	// in [PeriodFrom, PeriodTo).
	PeriodFrom, PeriodTo *time.Time
	After                string
	Limit                int
}

// ListMktInvoices returns a page of invoices ordered by ID.
func (q *Queries) ListMktInvoices(ctx context.Context, orgID string, f MktInvoiceFilter) ([]MktInvoice, error) {
	c := &mktConds{}
	c.and("i.org_id = ?", orgID)
	c.eq("i.buyer_id", f.BuyerID)
	c.eq("i.status", f.Status)
	c.span("i.period_start", f.PeriodFrom, f.PeriodTo)
	const stmts = `EXISTS (SELECT 1 FROM mkt_statements s WHERE s.org_id = i.org_id AND s.invoice_id = i.id AND `
	if f.AgreementID != "" {
		c.and(stmts+`s.agreement_id = ?)`, f.AgreementID)
	}
	for col, v := range map[string]string{"order_id": f.OrderID, "subscription_id": f.SubscriptionID} {
		if v != "" {
			c.and(stmts+`EXISTS (SELECT 1 FROM mkt_charges c WHERE c.org_id = s.org_id AND c.statement_id = s.id AND c.`+col+` = ?))`, v)
		}
	}
	c.and("i.id > ?", f.After)
	rows, err := q.r().query(ctx, `SELECT `+mktInvoiceColsOf("i")+` FROM mkt_invoices i`+c.where()+` ORDER BY i.id LIMIT ?`,
		append(c.args, pageLimit(f.Limit))...)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanMktInvoice)
}

func scanMktInvoice(s scanner) (MktInvoice, error) {
	var i MktInvoice
	err := s.Scan(&i.OrgID, &i.ID, &i.BuyerID, &i.PeriodStart, &i.PeriodEnd, &i.Status, &i.Currency, &i.Total, &i.IssuedAt, &i.DueOn, &i.UpdatedAt)
	i.PeriodStart, i.PeriodEnd, i.IssuedAt, i.DueOn, i.UpdatedAt = i.PeriodStart.UTC(), i.PeriodEnd.UTC(), i.IssuedAt.UTC(), i.DueOn.UTC(), i.UpdatedAt.UTC()
	return i, err
}

const mktStatementCols = `org_id, id, invoice_id, agreement_id, buyer_id, period_start, period_end, currency, total, po_number, created_at`

// MktStatements returns an invoice's statements, or every statement of
// an agreement when invoiceID is "".
func (q *Queries) MktStatements(ctx context.Context, orgID, invoiceID, agreementID string) ([]MktStatement, error) {
	rows, err := q.r().query(ctx, `SELECT `+mktStatementCols+` FROM mkt_statements WHERE org_id = ? AND (? = '' OR invoice_id = ?)
		AND (? = '' OR agreement_id = ?) ORDER BY agreement_id, id`, orgID, invoiceID, invoiceID, agreementID, agreementID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanMktStatement)
}

// GetMktStatement returns one statement.
func (q *Queries) GetMktStatement(ctx context.Context, orgID, id string) (MktStatement, error) {
	st, err := scanMktStatement(q.r().row(ctx, `SELECT `+mktStatementCols+` FROM mkt_statements WHERE org_id = ? AND id = ?`, orgID, id))
	return st, notFound(err, "statement")
}

func scanMktStatement(sc scanner) (MktStatement, error) {
	var s MktStatement
	err := sc.Scan(&s.OrgID, &s.ID, &s.InvoiceID, &s.AgreementID, &s.BuyerID, &s.PeriodStart, &s.PeriodEnd, &s.Currency, &s.Total,
		&s.PONumber, &s.CreatedAt)
	s.PeriodStart, s.PeriodEnd, s.CreatedAt = s.PeriodStart.UTC(), s.PeriodEnd.UTC(), s.CreatedAt.UTC()
	return s, err
}

// CreateMktCreditMemo stores a credit memo and marks its (negative)
// charges as credited by it.
func (q *Queries) CreateMktCreditMemo(ctx context.Context, m MktCreditMemo, chargeIDs []string) error {
	if _, err := q.w().exec(ctx, `INSERT INTO mkt_credit_memos (org_id, id, buyer_id, order_id, invoice_id, currency, total, reason,
		issued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, m.OrgID, m.ID, m.BuyerID, m.OrderID, m.InvoiceID, m.Currency, m.Total, m.Reason,
		m.IssuedAt.UTC()); err != nil {
		return err
	}
	for _, id := range chargeIDs {
		res, err := q.w().exec(ctx, `UPDATE mkt_charges SET credit_memo_id = ? WHERE org_id = ? AND id = ? AND statement_id IS NULL
			AND credit_memo_id IS NULL`, m.ID, m.OrgID, id)
		if err := mustAffect(res, err, "uncredited charge"); err != nil {
			return err
		}
	}
	return nil
}
