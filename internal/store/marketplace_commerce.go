package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// MktAgreement is one purchase of a product by a buyer and everything
// bought under it since. Anniversary is the co-terming date of
// programmes that renew on it.
type MktAgreement struct {
	OrgID, ID, BuyerID, ProductID, Name, Status, Currency, PONumber string
	Anniversary                                                     *time.Time
	CreatedAt, UpdatedAt                                            time.Time
}

// MktSubscription is an item running under an agreement. RenewsOn ends
// the current term; EndedOn is set once it is terminated or expired.
type MktSubscription struct {
	OrgID, ID, AgreementID, ItemID, Name, Status string
	Quantity                                     int64
	Term, UnitPrice, Currency                    string
	AutoRenew                                    bool
	PONumber                                     string
	PurchasedAt, StartsOn, RenewsOn, EndedOn     *time.Time
	CreatedAt, UpdatedAt                         time.Time
}

const mktAgreementCols = `org_id, id, buyer_id, product_id, name, status, currency, po_number, anniversary, created_at, updated_at`

// CreateMktAgreement inserts a (timestamps set here).
func (q *Queries) CreateMktAgreement(ctx context.Context, a MktAgreement) (MktAgreement, error) {
	a.CreatedAt = domain.Now()
	a.UpdatedAt = a.CreatedAt
	_, err := q.w().exec(ctx, `INSERT INTO mkt_agreements (`+mktAgreementCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.OrgID, a.ID, a.BuyerID, a.ProductID, a.Name, a.Status, a.Currency, a.PONumber, optTime(a.Anniversary), a.CreatedAt, a.UpdatedAt)
	return a, err
}

// UpdateMktAgreement writes a's name, PO number and anniversary (its
// status changes only through SetMktStatus).
func (q *Queries) UpdateMktAgreement(ctx context.Context, a MktAgreement) error {
	res, err := q.w().exec(ctx, `UPDATE mkt_agreements SET name = ?, po_number = ?, anniversary = ?, updated_at = ?
		WHERE org_id = ? AND id = ?`, a.Name, a.PONumber, optTime(a.Anniversary), domain.Now(), a.OrgID, a.ID)
	return mustAffect(res, err, "agreement")
}

// GetMktAgreement returns one agreement; forUpdate reads it on the
// writer and, on PostgreSQL, locks its row until the transaction ends
// (the agreement is the lock of its order queue).
func (q *Queries) GetMktAgreement(ctx context.Context, orgID, id string, forUpdate bool) (MktAgreement, error) {
	c, lock := q.r(), ""
	if forUpdate {
		c = q.w()
		if c.engine == Postgres {
			lock = " FOR UPDATE"
		}
	}
	a, err := scanMktAgreement(c.row(ctx, `SELECT `+mktAgreementCols+` FROM mkt_agreements WHERE org_id = ? AND id = ?`+lock, orgID, id))
	return a, notFound(err, "agreement")
}

// MktAgreementFilter selects agreements; empty fields match all.
type MktAgreementFilter struct {
	Status, BuyerID, ProductID, Query string
	After                             string // the last ID of the previous page
	Limit                             int
}

// ListMktAgreements returns a page of agreements, newest ID last.
func (q *Queries) ListMktAgreements(ctx context.Context, orgID string, f MktAgreementFilter) ([]MktAgreement, error) {
	rows, err := q.r().query(ctx, `SELECT `+mktAgreementCols+` FROM mkt_agreements WHERE org_id = ?
		AND (? = '' OR status = ?) AND (? = '' OR buyer_id = ?) AND (? = '' OR product_id = ?)
		AND (? = '' OR LOWER(name) LIKE ? ESCAPE '\' OR id = ? OR po_number = ?) AND id > ? ORDER BY id LIMIT ?`,
		orgID, f.Status, f.Status, f.BuyerID, f.BuyerID, f.ProductID, f.ProductID,
		f.Query, likePattern(f.Query), f.Query, f.Query, f.After, pageLimit(f.Limit))
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanMktAgreement)
}

func scanMktAgreement(s scanner) (MktAgreement, error) {
	var a MktAgreement
	var ann sql.NullTime
	err := s.Scan(&a.OrgID, &a.ID, &a.BuyerID, &a.ProductID, &a.Name, &a.Status, &a.Currency, &a.PONumber, &ann,
		&a.CreatedAt, &a.UpdatedAt)
	a.Anniversary, a.CreatedAt, a.UpdatedAt = timePtr(ann), a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	return a, err
}

const mktSubCols = `org_id, id, agreement_id, item_id, name, status, quantity, term, unit_price, currency, auto_renew,
	po_number, purchased_at, starts_on, renews_on, ended_on, created_at, updated_at`

// CreateMktSubscription inserts s (timestamps set here).
func (q *Queries) CreateMktSubscription(ctx context.Context, s MktSubscription) (MktSubscription, error) {
	s.CreatedAt = domain.Now()
	s.UpdatedAt = s.CreatedAt
	_, err := q.w().exec(ctx, `INSERT INTO mkt_subscriptions (`+mktSubCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.OrgID, s.ID, s.AgreementID, s.ItemID, s.Name, s.Status, s.Quantity, s.Term, s.UnitPrice, s.Currency, s.AutoRenew,
		s.PONumber, optTime(s.PurchasedAt), optTime(s.StartsOn), optTime(s.RenewsOn), optTime(s.EndedOn), s.CreatedAt, s.UpdatedAt)
	return s, err
}

// UpdateMktSubscription writes everything of s but its status, which
// changes only through SetMktStatus.
func (q *Queries) UpdateMktSubscription(ctx context.Context, s MktSubscription) error {
	res, err := q.w().exec(ctx, `UPDATE mkt_subscriptions SET name = ?, quantity = ?, term = ?, unit_price = ?, auto_renew = ?,
		po_number = ?, purchased_at = ?, starts_on = ?, renews_on = ?, ended_on = ?, updated_at = ? WHERE org_id = ? AND id = ?`,
		s.Name, s.Quantity, s.Term, s.UnitPrice, s.AutoRenew, s.PONumber, optTime(s.PurchasedAt), optTime(s.StartsOn),
		optTime(s.RenewsOn), optTime(s.EndedOn), domain.Now(), s.OrgID, s.ID)
	return mustAffect(res, err, "subscription")
}

// GetMktSubscription returns one subscription (on the writer when
// forUpdate, for a transaction that changes it).
func (q *Queries) GetMktSubscription(ctx context.Context, orgID, id string, forUpdate bool) (MktSubscription, error) {
	c := q.r()
	if forUpdate {
		c = q.w()
	}
	s, err := scanMktSub(c.row(ctx, `SELECT `+mktSubCols+` FROM mkt_subscriptions WHERE org_id = ? AND id = ?`, orgID, id))
	return s, notFound(err, "subscription")
}

// MktSubscriptionFilter selects subscriptions; empty fields match all.
type MktSubscriptionFilter struct {
	AgreementID, Status, Query string
	RenewsBy                   *time.Time // those whose term ends by then (renewals and expiries due)
	After                      string
	Limit                      int
}

// ListMktSubscriptions returns a page of subscriptions ordered by ID.
func (q *Queries) ListMktSubscriptions(ctx context.Context, orgID string, f MktSubscriptionFilter) ([]MktSubscription, error) {
	c := q.r()
	sqlq := `SELECT ` + mktSubCols + ` FROM mkt_subscriptions WHERE org_id = ?
		AND (? = '' OR agreement_id = ?) AND (? = '' OR status = ?)
		AND (? = '' OR LOWER(name) LIKE ? ESCAPE '\' OR id = ? OR po_number = ?) AND id > ?`
	args := []any{orgID, f.AgreementID, f.AgreementID, f.Status, f.Status, f.Query, likePattern(f.Query), f.Query, f.Query, f.After}
	if f.RenewsBy != nil {
		c = q.w() // the renewal job changes what it reads
		sqlq += ` AND renews_on <= ?`
		args = append(args, f.RenewsBy.UTC())
	}
	rows, err := c.query(ctx, sqlq+` ORDER BY id LIMIT ?`, append(args, pageLimit(f.Limit))...)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanMktSub)
}

func scanMktSub(sc scanner) (MktSubscription, error) {
	var s MktSubscription
	var bought, starts, renews, ended sql.NullTime
	err := sc.Scan(&s.OrgID, &s.ID, &s.AgreementID, &s.ItemID, &s.Name, &s.Status, &s.Quantity, &s.Term, &s.UnitPrice,
		&s.Currency, &s.AutoRenew, &s.PONumber, &bought, &starts, &renews, &ended, &s.CreatedAt, &s.UpdatedAt)
	s.PurchasedAt, s.StartsOn, s.RenewsOn, s.EndedOn = timePtr(bought), timePtr(starts), timePtr(renews), timePtr(ended)
	s.CreatedAt, s.UpdatedAt = s.CreatedAt.UTC(), s.UpdatedAt.UTC()
	return s, err
}

// likePattern is a case-insensitive substring pattern for q ("" stays
// ""), for LIKE ... ESCAPE '\'.
func likePattern(q string) string {
	if q == "" {
		return ""
	}
	return "%" + likeEscape(strings.ToLower(q)) + "%"
}

// MktOrgIDs lists the organisations with marketplace subscriptions.
func (q *Queries) MktOrgIDs(ctx context.Context) ([]string, error) {
	rows, err := q.r().query(ctx, `SELECT DISTINCT org_id FROM mkt_subscriptions ORDER BY org_id`)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(s scanner) (string, error) {
		var id string
		return id, s.Scan(&id)
	})
}

// MktRunningSubscriptions counts an agreement's subscriptions that still
// run (Active, Updating or Terminating). Read on the writer: it decides
// whether the agreement terminates.
func (q *Queries) MktRunningSubscriptions(ctx context.Context, orgID, agreementID string) (int, error) {
	var n int
	err := q.w().row(ctx, `SELECT COUNT(*) FROM mkt_subscriptions WHERE org_id = ? AND agreement_id = ?
		AND status IN ('Active', 'Updating', 'Terminating')`, orgID, agreementID).Scan(&n)
	return n, err
}
