package store

import (
	"context"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// Marketplace object types with a status (and a status history).
const (
	MktAgreementObj    = "agreement"
	MktSubscriptionObj = "subscription"
	MktOrderObj        = "order"
	MktInvoiceObj      = "invoice"
)

var mktStatusTables = map[string]string{MktAgreementObj: "mkt_agreements", MktSubscriptionObj: "mkt_subscriptions",
	MktOrderObj: "mkt_orders", MktInvoiceObj: "mkt_invoices"}

// MktStatusChange is one entry of an object's status history.
type MktStatusChange struct {
	ObjectType, ObjectID, From, To, Actor, Note string
	Seq                                         int
	At                                          time.Time
}

// SetMktStatus moves an object from one status to another and records
// the change; the caller has checked the transition with the object's
// state machine. The update matches the expected from status, so a
// concurrent change makes it a conflict instead of a lost update.
func (q *Queries) SetMktStatus(ctx context.Context, orgID string, c MktStatusChange) error {
	table, ok := mktStatusTables[c.ObjectType]
	if !ok {
		return domain.Errorf(domain.CodeInternal, "no status table for %q", c.ObjectType)
	}
	now := domain.Now()
	res, err := q.w().exec(ctx, `UPDATE `+table+` SET status = ?, updated_at = ? WHERE org_id = ? AND id = ? AND status = ?`,
		c.To, now, orgID, c.ObjectID, c.From)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		if err != nil {
			return err
		}
		return domain.Errorf(domain.CodeConflict, "%s %s is no longer %s: it changed meanwhile; reload it and try again", c.ObjectType, c.ObjectID, c.From)
	}
	return q.AddMktHistory(ctx, orgID, c, now)
}

// AddMktHistory appends c to the object's history (creation: From "").
func (q *Queries) AddMktHistory(ctx context.Context, orgID string, c MktStatusChange, at time.Time) error {
	_, err := q.w().exec(ctx, `INSERT INTO mkt_status_history (org_id, object_type, object_id, seq, from_status, to_status, actor, note, at)
		SELECT ?, ?, ?, COALESCE(MAX(seq), 0) + 1, ?, ?, ?, ?, ? FROM mkt_status_history WHERE org_id = ? AND object_id = ?`,
		orgID, c.ObjectType, c.ObjectID, c.From, c.To, c.Actor, c.Note, at, orgID, c.ObjectID)
	return err
}

// MktHistory returns an object's status changes, oldest first.
func (q *Queries) MktHistory(ctx context.Context, orgID, objectID string) ([]MktStatusChange, error) {
	rows, err := q.r().query(ctx, `SELECT object_type, object_id, seq, from_status, to_status, actor, note, at
		FROM mkt_status_history WHERE org_id = ? AND object_id = ? ORDER BY seq`, orgID, objectID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(s scanner) (MktStatusChange, error) {
		var c MktStatusChange
		err := s.Scan(&c.ObjectType, &c.ObjectID, &c.Seq, &c.From, &c.To, &c.Actor, &c.Note, &c.At)
		c.At = c.At.UTC()
		return c, err
	})
}
