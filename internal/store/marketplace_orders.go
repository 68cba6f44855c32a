package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// MktOrder changes an agreement: Purchase, Change or Termination. Open
// submitted orders of one agreement queue by SubmittedAt; SentAt is set
// when the order goes to the vendor (only one at a time per agreement).
type MktOrder struct {
	OrgID, ID, AgreementID, Type, Status, PONumber, Notes string
	QueryMessage, StatusNote, VendorRef, CreatedBy        string
	QueueNo                                               int64 // 0 until submitted
	SubmittedAt, SentAt, CompletedAt                      *time.Time
	CreatedAt, UpdatedAt                                  time.Time
	Lines                                                 []MktOrderLine
}

// MktOrderLine is one thing an order does: buy an item (new), change a
// subscription (quantity, auto-renew, PO number) or terminate it.
type MktOrderLine struct {
	LineNo                         int
	Action, ItemID, SubscriptionID string
	Quantity, OldQuantity          int64
	Term, UnitPrice                string
	AutoRenew                      *bool
	PONumber                       *string
}

const mktOrderCols = `org_id, id, agreement_id, type, status, po_number, notes, query_message, status_note, vendor_ref,
	created_by, queue_no, submitted_at, sent_at, completed_at, created_at, updated_at`

// CreateMktOrder inserts o and its lines (timestamps set here).
func (q *Queries) CreateMktOrder(ctx context.Context, o MktOrder) (MktOrder, error) {
	o.CreatedAt = domain.Now()
	o.UpdatedAt = o.CreatedAt
	_, err := q.w().exec(ctx, `INSERT INTO mkt_orders (`+mktOrderCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		o.OrgID, o.ID, o.AgreementID, o.Type, o.Status, o.PONumber, o.Notes, o.QueryMessage, o.StatusNote, o.VendorRef,
		o.CreatedBy, nullIfZero(o.QueueNo), optTime(o.SubmittedAt), optTime(o.SentAt), optTime(o.CompletedAt), o.CreatedAt, o.UpdatedAt)
	if err != nil {
		return o, err
	}
	for i := range o.Lines {
		o.Lines[i].LineNo = i + 1
		if err := q.insertMktLine(ctx, o.OrgID, o.ID, o.Lines[i]); err != nil {
			return o, err
		}
	}
	return o, nil
}

func (q *Queries) insertMktLine(ctx context.Context, orgID, orderID string, l MktOrderLine) error {
	var renew, po any
	if l.AutoRenew != nil {
		renew = *l.AutoRenew
	}
	if l.PONumber != nil {
		po = *l.PONumber
	}
	_, err := q.w().exec(ctx, `INSERT INTO mkt_order_lines (org_id, order_id, line_no, action, item_id, subscription_id, quantity,
		old_quantity, term, unit_price, auto_renew, po_number) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		orgID, orderID, l.LineNo, l.Action, l.ItemID, nullIfEmpty(l.SubscriptionID), l.Quantity, l.OldQuantity, l.Term,
		l.UnitPrice, renew, po)
	return err
}

// UpdateMktOrder writes o's texts and times (not its status or lines).
func (q *Queries) UpdateMktOrder(ctx context.Context, o MktOrder) error {
	res, err := q.w().exec(ctx, `UPDATE mkt_orders SET po_number = ?, notes = ?, query_message = ?, status_note = ?, vendor_ref = ?,
		queue_no = ?, submitted_at = ?, sent_at = ?, completed_at = ?, updated_at = ? WHERE org_id = ? AND id = ?`,
		o.PONumber, o.Notes, o.QueryMessage, o.StatusNote, o.VendorRef, nullIfZero(o.QueueNo), optTime(o.SubmittedAt), optTime(o.SentAt),
		optTime(o.CompletedAt), domain.Now(), o.OrgID, o.ID)
	return mustAffect(res, err, "order")
}

// GetMktOrder returns one order with its lines (on the writer when
// forUpdate).
func (q *Queries) GetMktOrder(ctx context.Context, orgID, id string, forUpdate bool) (MktOrder, error) {
	c := q.r()
	if forUpdate {
		c = q.w()
	}
	o, err := scanMktOrder(c.row(ctx, `SELECT `+mktOrderCols+` FROM mkt_orders WHERE org_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return o, notFound(err, "order")
	}
	rows, err := c.query(ctx, `SELECT line_no, action, item_id, subscription_id, quantity, old_quantity, term, unit_price,
		auto_renew, po_number FROM mkt_order_lines WHERE org_id = ? AND order_id = ? ORDER BY line_no`, orgID, id)
	if err != nil {
		return o, err
	}
	o.Lines, err = scanAll(rows, scanMktLine)
	return o, err
}

func scanMktLine(s scanner) (MktOrderLine, error) {
	var l MktOrderLine
	var sub, po sql.NullString
	var renew sql.NullBool
	err := s.Scan(&l.LineNo, &l.Action, &l.ItemID, &sub, &l.Quantity, &l.OldQuantity, &l.Term, &l.UnitPrice, &renew, &po)
	l.SubscriptionID = sub.String
	if renew.Valid {
		l.AutoRenew = &renew.Bool
	}
	if po.Valid {
		l.PONumber = &po.String
	}
	return l, err
}

// MktOrderFilter selects orders; empty fields match all.
type MktOrderFilter struct {
	AgreementID, Status, Type, Query string
	After                            string
	Limit                            int
}

// ListMktOrders returns a page of orders (without lines) ordered by ID.
func (q *Queries) ListMktOrders(ctx context.Context, orgID string, f MktOrderFilter) ([]MktOrder, error) {
	rows, err := q.r().query(ctx, `SELECT `+mktOrderCols+` FROM mkt_orders WHERE org_id = ?
		AND (? = '' OR agreement_id = ?) AND (? = '' OR status = ?) AND (? = '' OR type = ?)
		AND (? = '' OR id = ? OR po_number = ? OR LOWER(notes) LIKE ? ESCAPE '\') AND id > ? ORDER BY id LIMIT ?`,
		orgID, f.AgreementID, f.AgreementID, f.Status, f.Status, f.Type, f.Type, f.Query, f.Query, f.Query,
		likePattern(f.Query), f.After, pageLimit(f.Limit))
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanMktOrder)
}

// NextMktQueueNo is the queue number the agreement's next submitted
// order gets; call it under the agreement's lock.
func (q *Queries) NextMktQueueNo(ctx context.Context, orgID, agreementID string) (int64, error) {
	var n int64
	err := q.w().row(ctx, `SELECT COALESCE(MAX(queue_no), 0) + 1 FROM mkt_orders WHERE org_id = ? AND agreement_id = ?`,
		orgID, agreementID).Scan(&n)
	return n, err
}

// MktOrderQueue returns an agreement's submitted orders that are still
// open (Processing or Querying), in submission order: the first is
// the one with the vendor, the others wait their turn. Read on the
// writer: the dispatcher acts on it.
func (q *Queries) MktOrderQueue(ctx context.Context, orgID, agreementID string) ([]MktOrder, error) {
	rows, err := q.w().query(ctx, `SELECT `+mktOrderCols+` FROM mkt_orders WHERE org_id = ? AND agreement_id = ?
		AND status IN ('Processing', 'Querying') AND queue_no IS NOT NULL ORDER BY queue_no`, orgID, agreementID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanMktOrder)
}

func scanMktOrder(s scanner) (MktOrder, error) {
	var o MktOrder
	var sub, sent, done sql.NullTime
	var qn sql.NullInt64
	err := s.Scan(&o.OrgID, &o.ID, &o.AgreementID, &o.Type, &o.Status, &o.PONumber, &o.Notes, &o.QueryMessage, &o.StatusNote,
		&o.VendorRef, &o.CreatedBy, &qn, &sub, &sent, &done, &o.CreatedAt, &o.UpdatedAt)
	o.QueueNo, o.SubmittedAt, o.SentAt, o.CompletedAt = qn.Int64, timePtr(sub), timePtr(sent), timePtr(done)
	o.CreatedAt, o.UpdatedAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	return o, err
}

func nullIfZero(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

// MktOriginOrder is the order whose line created the subscription.
func (q *Queries) MktOriginOrder(ctx context.Context, orgID, subscriptionID string) (string, error) {
	var id string
	err := q.w().row(ctx, `SELECT order_id FROM mkt_order_lines WHERE org_id = ? AND subscription_id = ? AND action = 'new'
		ORDER BY order_id LIMIT 1`, orgID, subscriptionID).Scan(&id)
	return id, notFound(err, "order of the subscription")
}

// MktOpenOrderFor returns the open order (Quoted, Processing or
// Querying) of an agreement that has a line for the subscription, or "".
// Read on the writer: it guards placing another order.
func (q *Queries) MktOpenOrderFor(ctx context.Context, orgID, agreementID, subscriptionID string) (string, error) {
	var id string
	err := q.w().row(ctx, `SELECT o.id FROM mkt_orders o JOIN mkt_order_lines l ON l.org_id = o.org_id AND l.order_id = o.id
		WHERE o.org_id = ? AND o.agreement_id = ? AND o.status IN ('Quoted', 'Processing', 'Querying') AND l.subscription_id = ?
		ORDER BY o.created_at, o.id LIMIT 1`, orgID, agreementID, subscriptionID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}
