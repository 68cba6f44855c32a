package store

import (
	"context"
	"strings"
	"time"
)

// mktConds collects the conditions of a filtered billing list.
type mktConds struct {
	conds []string
	args  []any
}

func (c *mktConds) and(cond string, args ...any) {
	c.conds = append(c.conds, cond)
	c.args = append(c.args, args...)
}

// eq adds col = v unless v is "" (no filter).
func (c *mktConds) eq(col, v string) {
	if v != "" {
		c.and(col+" = ?", v)
	}
}

// span keeps rows whose col is in [from, to); nil bounds do not restrict.
func (c *mktConds) span(col string, from, to *time.Time) {
	if from != nil {
		c.and(col+" >= ?", from.UTC())
	}
	if to != nil {
		c.and(col+" < ?", to.UTC())
	}
}

func (c *mktConds) where() string { return " WHERE " + strings.Join(c.conds, " AND ") }

// MktStatementFilter selects statements; empty fields match all.
type MktStatementFilter struct {
	InvoiceID, AgreementID, BuyerID string
	// PeriodFrom and PeriodTo keep statements whose billing period
	// starts in [PeriodFrom, PeriodTo).
	PeriodFrom, PeriodTo *time.Time
	After                string
	Limit                int
}

// ListMktStatements returns a page of statements ordered by ID.
func (q *Queries) ListMktStatements(ctx context.Context, orgID string, f MktStatementFilter) ([]MktStatement, error) {
	c := &mktConds{}
	c.and("org_id = ?", orgID)
	c.eq("invoice_id", f.InvoiceID)
	c.eq("agreement_id", f.AgreementID)
	c.eq("buyer_id", f.BuyerID)
	c.span("period_start", f.PeriodFrom, f.PeriodTo)
	c.and("id > ?", f.After)
	rows, err := q.r().query(ctx, `SELECT `+mktStatementCols+` FROM mkt_statements`+c.where()+` ORDER BY id LIMIT ?`,
		append(c.args, pageLimit(f.Limit))...)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanMktStatement)
}

// MktCreditMemoFilter selects credit memos; empty fields match all.
type MktCreditMemoFilter struct {
	BuyerID, OrderID, InvoiceID string
	// IssuedFrom and IssuedTo keep memos issued in [IssuedFrom, IssuedTo).
	IssuedFrom, IssuedTo *time.Time
	After                string
	// Limit 0 lists every match.
	Limit int
}

// ListMktCreditMemos returns credit memos oldest first (then by ID); a
// page starts after the memo After.
func (q *Queries) ListMktCreditMemos(ctx context.Context, orgID string, f MktCreditMemoFilter) ([]MktCreditMemo, error) {
	c := &mktConds{}
	c.and("org_id = ?", orgID)
	c.eq("buyer_id", f.BuyerID)
	c.eq("order_id", f.OrderID)
	c.eq("invoice_id", f.InvoiceID)
	c.span("issued_at", f.IssuedFrom, f.IssuedTo)
	if f.After != "" {
		c.and("(issued_at, id) > (SELECT issued_at, id FROM mkt_credit_memos WHERE org_id = ? AND id = ?)", orgID, f.After)
	}
	sqlq := `SELECT org_id, id, buyer_id, order_id, invoice_id, currency, total, reason, issued_at FROM mkt_credit_memos` +
		c.where() + ` ORDER BY issued_at, id`
	if f.Limit > 0 {
		sqlq += " LIMIT ?"
		c.args = append(c.args, f.Limit)
	}
	rows, err := q.r().query(ctx, sqlq, c.args...)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(s scanner) (MktCreditMemo, error) {
		var m MktCreditMemo
		err := s.Scan(&m.OrgID, &m.ID, &m.BuyerID, &m.OrderID, &m.InvoiceID, &m.Currency, &m.Total, &m.Reason, &m.IssuedAt)
		m.IssuedAt = m.IssuedAt.UTC()
		return m, err
	})
}
