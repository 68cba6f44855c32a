package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// MktListing offers a product to a buyer (BuyerID "" : to every buyer).
// A buyer may buy a product while an enabled listing for it or for every
// buyer exists; a product has at most one listing per buyer and one for
// every buyer.
type MktListing struct {
	OrgID, ID, ProductID, BuyerID string
	Enabled                       bool
	CreatedAt                     time.Time
}

const mktListingCols = `org_id, id, product_id, buyer_id, enabled, created_at`

// ListMktListings returns the organisation's listings by product, the
// every-buyer listing of each first.
func (q *Queries) ListMktListings(ctx context.Context, orgID string) ([]MktListing, error) {
	rows, err := q.r().query(ctx, `SELECT `+mktListingCols+` FROM mkt_listings WHERE org_id = ?
		ORDER BY product_id, COALESCE(buyer_id, ''), id`, orgID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanMktListing)
}

// SetMktListing enables or disables the listing of l's product for its
// buyer (or every buyer), creating it when there is none yet (l.ID is
// then generated when empty), and returns it as stored.
func (q *Queries) SetMktListing(ctx context.Context, l MktListing) (MktListing, error) {
	if l.ID == "" {
		l.ID = newMktListingID()
	}
	// insert unless one exists (the unique index on product and buyer
	// decides, also against a concurrent insert), then set it
	if _, err := q.w().exec(ctx, `INSERT INTO mkt_listings (`+mktListingCols+`) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		l.OrgID, l.ID, l.ProductID, optText(l.BuyerID), l.Enabled, domain.Now()); err != nil {
		return l, err
	}
	if _, err := q.w().exec(ctx, `UPDATE mkt_listings SET enabled = ? WHERE org_id = ? AND product_id = ? AND COALESCE(buyer_id, '') = ?`,
		l.Enabled, l.OrgID, l.ProductID, l.BuyerID); err != nil {
		return l, err
	}
	return scanMktListing(q.w().row(ctx, `SELECT `+mktListingCols+` FROM mkt_listings
		WHERE org_id = ? AND product_id = ? AND COALESCE(buyer_id, '') = ?`, l.OrgID, l.ProductID, l.BuyerID))
}

// MktListedFor reports whether a buyer may buy a product: an enabled
// listing for the buyer or for every buyer covers it.
func (q *Queries) MktListedFor(ctx context.Context, orgID, productID, buyerID string) (bool, error) {
	var n int
	err := q.r().row(ctx, `SELECT COUNT(*) FROM mkt_listings WHERE org_id = ? AND product_id = ? AND enabled
		AND (buyer_id IS NULL OR buyer_id = ?)`, orgID, productID, buyerID).Scan(&n)
	return n > 0, err
}

func scanMktListing(s scanner) (MktListing, error) {
	var l MktListing
	var buyer sql.NullString
	err := s.Scan(&l.OrgID, &l.ID, &l.ProductID, &buyer, &l.Enabled, &l.CreatedAt)
	l.BuyerID, l.CreatedAt = buyer.String, l.CreatedAt.UTC()
	return l, err
}

func optText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// newMktListingID is a listing ID in the marketplace's style
// (marketplace.NewID(PrefixListing): LST and three groups of four
// digits), for listings the store creates itself.
func newMktListingID() string {
	var b strings.Builder
	b.WriteString("LST")
	for range 3 {
		v, err := rand.Int(rand.Reader, big.NewInt(10000))
		if err != nil {
			panic("crypto/rand failed: " + err.Error())
		}
		fmt.Fprintf(&b, "-%04d", v.Int64())
	}
	return b.String()
}
