package marketplace

import (
	"context"
	"slices"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// Listing offers a product to a buyer (BuyerID "": to every buyer).
type Listing = store.MktListing

// ListingInput lists (Enabled) or unlists a product for a buyer, or for
// every buyer when BuyerID is empty.
type ListingInput struct {
	ProductID string `json:"product_id"`
	BuyerID   string `json:"buyer_id"`
	Enabled   bool   `json:"enabled"`
}

// Listings returns the organisation's listings (marketplace.read).
func (s *Service) Listings(ctx context.Context, p *auth.Principal) ([]Listing, error) {
	if err := p.Require(auth.PermMarketplaceRead); err != nil {
		return nil, err
	}
	return s.Store.ListMktListings(ctx, p.Org.ID)
}

// SetListing lists or unlists a product for a buyer or for every buyer
// (marketplace.manage). A buyer may buy a product while an enabled
// listing for it or for every buyer covers it, so unlisting for one
// buyer a product listed for every buyer is refused: it would change
// nothing.
func (s *Service) SetListing(ctx context.Context, p *auth.Principal, who audit.Actor, in ListingInput) (Listing, error) {
	if err := p.Require(auth.PermMarketplaceManage); err != nil {
		return Listing{}, err
	}
	org := p.Org.ID
	pr, err := s.Store.GetMktProduct(ctx, org, in.ProductID)
	if err != nil {
		return Listing{}, fieldNotFound("product_id", err)
	}
	if in.BuyerID != "" {
		b, err := s.Store.GetMktBuyer(ctx, org, in.BuyerID)
		if err != nil {
			return Listing{}, fieldNotFound("buyer_id", err)
		}
		// with no buyer, MktListedFor sees only the every-buyer listing
		if all, err := s.Store.MktListedFor(ctx, org, pr.ID, ""); err != nil || (all && !in.Enabled) {
			if err == nil {
				err = domain.FieldError("buyer_id", "%s is listed for every buyer, so unlisting it for %s alone changes nothing: "+
					"unlist it for every buyer, then list it for the buyers who may buy it", pr.Name, b.Name)
			}
			return Listing{}, err
		}
	}
	var l Listing
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if l, err = tx.SetMktListing(ctx, Listing{OrgID: org, ID: NewID(PrefixListing), ProductID: pr.ID, BuyerID: in.BuyerID, Enabled: in.Enabled}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: org, Action: "marketplace.listing.set", TargetType: "product",
			TargetID: pr.ID, Details: map[string]any{"buyer": in.BuyerID, "enabled": in.Enabled}})
	})
	return l, err
}

// CatalogFor is the catalog as one buyer sees it (marketplace.read): the
// products listed for the buyer, their vendors, and their items on sale.
func (s *Service) CatalogFor(ctx context.Context, p *auth.Principal, buyerID string) (Catalog, error) {
	c, err := s.Catalog(ctx, p)
	if err != nil {
		return c, err
	}
	i := slices.IndexFunc(c.Buyers, func(b Buyer) bool { return b.ID == buyerID })
	if i < 0 {
		return Catalog{}, domain.FieldError("buyer_id", "there is no buyer %q", buyerID)
	}
	c.Buyers = c.Buyers[i : i+1]
	c.Listings = slices.DeleteFunc(c.Listings, func(l Listing) bool { return l.BuyerID != "" && l.BuyerID != buyerID })
	listed, vendors := map[string]bool{}, map[string]bool{}
	for _, l := range c.Listings { // the every-buyer ones and the buyer's
		listed[l.ProductID] = listed[l.ProductID] || l.Enabled
	}
	c.Products = slices.DeleteFunc(c.Products, func(pr Product) bool {
		vendors[pr.VendorID] = vendors[pr.VendorID] || listed[pr.ID]
		return !listed[pr.ID]
	})
	c.Items = slices.DeleteFunc(c.Items, func(it Item) bool { return !listed[it.ProductID] || it.DisabledAt != nil })
	c.Vendors = slices.DeleteFunc(c.Vendors, func(v Vendor) bool { return !vendors[v.ID] })
	return c, nil
}

// checkOnSale refuses the i-th line of an order for an item taken off
// sale.
func checkOnSale(i int, it Item) error {
	if it.DisabledAt != nil {
		return domain.FieldError("lines", "line %d: %s (SKU %s) is no longer sold; running subscriptions of it go on, but it cannot be bought",
			i+1, it.Name, it.SKU)
	}
	return nil
}

// notListed says why a buyer may not buy a product ("" when it may).
func notListed(ctx context.Context, q *store.Queries, orgID, productID string, buyer Buyer) (string, error) {
	ok, err := q.MktListedFor(ctx, orgID, productID, buyer.ID)
	if err != nil || ok {
		return "", err
	}
	pr, err := q.GetMktProduct(ctx, orgID, productID)
	if err != nil {
		return "", err
	}
	return pr.Name + " is not listed for buyer " + buyer.Name + ", so " + buyer.Name + " cannot buy it", nil
}

// stillSold checks, when a quoted purchase is submitted, that its
// product is still listed for the buyer and its items still on sale.
func stillSold(ctx context.Context, tx *store.Tx, agr Agreement, o Order) error {
	if o.Type != OrderPurchase {
		return nil
	}
	buyer, err := tx.GetMktBuyer(ctx, agr.OrgID, agr.BuyerID)
	if err != nil {
		return err
	}
	why, err := notListed(ctx, &tx.Queries, agr.OrgID, agr.ProductID, buyer)
	if err != nil {
		return err
	}
	for i := 0; why == "" && i < len(o.Lines); i++ {
		it, err := tx.GetMktItem(ctx, agr.OrgID, o.Lines[i].ItemID)
		if err != nil {
			return err
		}
		if err := checkOnSale(i, it); err != nil {
			why = domain.ErrorMessage(err)
		}
	}
	if why != "" {
		return domain.Errorf(domain.CodeConflict, "quote %s can no longer be submitted: %s; cancel it", o.ID, why)
	}
	return nil
}

// orField returns err, or else a field error.
func orField(err error, field, format string, args ...any) error {
	if err != nil {
		return err
	}
	return domain.FieldError(field, format, args...)
}

// Listed reports whether the catalog lists a product for a buyer: an
// enabled listing for every buyer or for that one.
func (c Catalog) Listed(productID, buyerID string) bool {
	for _, l := range c.Listings {
		if l.ProductID == productID && l.Enabled && (l.BuyerID == "" || l.BuyerID == buyerID) {
			return true
		}
	}
	return false
}
