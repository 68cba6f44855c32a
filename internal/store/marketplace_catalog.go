package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// MktVendor sells through the marketplace; Program names its commercial
// rules (marketplace.Program). APIURL and the sealed APIKey reach its
// ordering system ("" when operations fulfil its orders by hand).
type MktVendor struct {
	OrgID, ID, Name, Program string
	APIURL, APIKey           string
	// APISetAt is when the ordering system was connected (nil without
	// one, and for vendors connected before it was recorded).
	APISetAt  *time.Time
	CreatedAt time.Time
}

// MktProduct is a vendor's product.
type MktProduct struct {
	OrgID, ID, VendorID, Name, Category, Description string
	CreatedAt                                        time.Time
}

// MktItem is what is bought (a SKU), with its prices.
type MktItem struct {
	OrgID, ID, ProductID, Name, SKU, Unit string
	CreatedAt                             time.Time
	// DisabledAt is when the item was taken off sale (nil: on sale).
	DisabledAt *time.Time
	Prices     []MktPrice
}

// MktPrice is the price of one unit for one billing period of a term, in
// a currency (exact decimal text).
type MktPrice struct {
	Term      string `json:"term"`
	Currency  string `json:"currency"`
	UnitPrice string `json:"unit_price"`
}

// MktBuyer is a legal entity of the organisation that buys and is
// invoiced in Currency.
type MktBuyer struct {
	OrgID, ID, Name, Currency, Address string
	CreatedAt                          time.Time
}

// CreateMktVendor inserts v (CreatedAt set here).
func (q *Queries) CreateMktVendor(ctx context.Context, v MktVendor) (MktVendor, error) {
	v.CreatedAt = domain.Now()
	_, err := q.w().exec(ctx, `INSERT INTO mkt_vendors (`+mktVendorCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		v.OrgID, v.ID, v.Name, v.Program, v.APIURL, v.APIKey, optTime(v.APISetAt), v.CreatedAt)
	return v, uniqueName(err, "vendor")
}

// ListMktVendors returns the organisation's vendors by name.
func (q *Queries) ListMktVendors(ctx context.Context, orgID string) ([]MktVendor, error) {
	rows, err := q.r().query(ctx, `SELECT `+mktVendorCols+` FROM mkt_vendors WHERE org_id = ? ORDER BY name`, orgID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanMktVendor)
}

// GetMktVendor returns one vendor.
func (q *Queries) GetMktVendor(ctx context.Context, orgID, id string) (MktVendor, error) {
	v, err := scanMktVendor(q.r().row(ctx, `SELECT `+mktVendorCols+` FROM mkt_vendors WHERE org_id = ? AND id = ?`, orgID, id))
	return v, notFound(err, "vendor")
}

const mktVendorCols = `org_id, id, name, program, api_url, api_key, api_set_at, created_at`

// SetMktVendorAPI sets how a vendor's ordering system is reached (and
// when; an empty url clears it).
func (q *Queries) SetMktVendorAPI(ctx context.Context, orgID, id, url, sealedKey string) error {
	var at *time.Time
	if url != "" {
		now := domain.Now()
		at = &now
	}
	res, err := q.w().exec(ctx, `UPDATE mkt_vendors SET api_url = ?, api_key = ?, api_set_at = ? WHERE org_id = ? AND id = ?`,
		url, sealedKey, optTime(at), orgID, id)
	return mustAffect(res, err, "vendor")
}

func scanMktVendor(s scanner) (MktVendor, error) {
	var v MktVendor
	var set sql.NullTime
	err := s.Scan(&v.OrgID, &v.ID, &v.Name, &v.Program, &v.APIURL, &v.APIKey, &set, &v.CreatedAt)
	v.CreatedAt, v.APISetAt = v.CreatedAt.UTC(), timePtr(set)
	return v, err
}

// CreateMktProduct inserts p listed for every buyer, as a new product
// is unless asked otherwise (CreateMktProductUnlisted).
func (q *Queries) CreateMktProduct(ctx context.Context, p MktProduct) (MktProduct, error) {
	p, err := q.CreateMktProductUnlisted(ctx, p)
	if err != nil {
		return p, err
	}
	_, err = q.SetMktListing(ctx, MktListing{OrgID: p.OrgID, ProductID: p.ID, Enabled: true})
	return p, err
}

// CreateMktProductUnlisted inserts p without listing it for any buyer.
func (q *Queries) CreateMktProductUnlisted(ctx context.Context, p MktProduct) (MktProduct, error) {
	p.CreatedAt = domain.Now()
	_, err := q.w().exec(ctx, `INSERT INTO mkt_products (org_id, id, vendor_id, name, category, description, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, p.OrgID, p.ID, p.VendorID, p.Name, p.Category, p.Description, p.CreatedAt)
	return p, uniqueName(err, "product of this vendor")
}

// UpdateMktProduct stores a product's new name, category and description.
func (q *Queries) UpdateMktProduct(ctx context.Context, p MktProduct) error {
	res, err := q.w().exec(ctx, `UPDATE mkt_products SET name = ?, category = ?, description = ? WHERE org_id = ? AND id = ?`,
		p.Name, p.Category, p.Description, p.OrgID, p.ID)
	if err != nil {
		return uniqueName(err, "product of this vendor")
	}
	return mustAffect(res, err, "product")
}

const mktProductCols = `org_id, id, vendor_id, name, category, description, created_at`

// ListMktProducts returns the organisation's products by name.
func (q *Queries) ListMktProducts(ctx context.Context, orgID string) ([]MktProduct, error) {
	rows, err := q.r().query(ctx, `SELECT `+mktProductCols+` FROM mkt_products WHERE org_id = ? ORDER BY name, id`, orgID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanMktProduct)
}

// GetMktProduct returns one product.
func (q *Queries) GetMktProduct(ctx context.Context, orgID, id string) (MktProduct, error) {
	p, err := scanMktProduct(q.r().row(ctx, `SELECT `+mktProductCols+` FROM mkt_products WHERE org_id = ? AND id = ?`, orgID, id))
	return p, notFound(err, "product")
}

func scanMktProduct(s scanner) (MktProduct, error) {
	var p MktProduct
	err := s.Scan(&p.OrgID, &p.ID, &p.VendorID, &p.Name, &p.Category, &p.Description, &p.CreatedAt)
	p.CreatedAt = p.CreatedAt.UTC()
	return p, err
}

// CreateMktItem inserts it with its prices.
func (q *Queries) CreateMktItem(ctx context.Context, it MktItem) (MktItem, error) {
	it.CreatedAt = domain.Now()
	_, err := q.w().exec(ctx, `INSERT INTO mkt_items (`+mktItemCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		it.OrgID, it.ID, it.ProductID, it.Name, it.SKU, it.Unit, it.CreatedAt, optTime(it.DisabledAt))
	if isUniqueViolation(err) {
		return it, domain.FieldError("sku", "another item already has SKU %q", it.SKU)
	}
	if err != nil {
		return it, err
	}
	for _, p := range it.Prices {
		if err := q.SetMktPrice(ctx, it.OrgID, it.ID, p); err != nil {
			return it, err
		}
	}
	return it, nil
}

// SetMktPrice inserts or replaces one price of an item.
func (q *Queries) SetMktPrice(ctx context.Context, orgID, itemID string, p MktPrice) error {
	_, err := q.w().exec(ctx, `INSERT INTO mkt_item_prices (org_id, item_id, term, currency, unit_price) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (org_id, item_id, term, currency) DO UPDATE SET unit_price = excluded.unit_price`,
		orgID, itemID, p.Term, p.Currency, p.UnitPrice)
	return err
}

// ListMktItems returns the items of a product ("" for all), with prices.
func (q *Queries) ListMktItems(ctx context.Context, orgID, productID string) ([]MktItem, error) {
	rows, err := q.r().query(ctx, `SELECT `+mktItemCols+` FROM mkt_items
		WHERE org_id = ? AND (? = '' OR product_id = ?) ORDER BY name, id`, orgID, productID, productID)
	if err != nil {
		return nil, err
	}
	items, err := scanAll(rows, scanMktItem)
	if err != nil {
		return nil, err
	}
	for i := range items {
		if items[i].Prices, err = q.mktPrices(ctx, orgID, items[i].ID); err != nil {
			return nil, err
		}
	}
	return items, nil
}

// GetMktItem returns one item with its prices.
func (q *Queries) GetMktItem(ctx context.Context, orgID, id string) (MktItem, error) {
	it, err := scanMktItem(q.r().row(ctx, `SELECT `+mktItemCols+` FROM mkt_items WHERE org_id = ? AND id = ?`, orgID, id))
	if err != nil {
		return it, notFound(err, "item")
	}
	it.Prices, err = q.mktPrices(ctx, orgID, id)
	return it, err
}

const mktItemCols = `org_id, id, product_id, name, sku, unit, created_at, disabled_at`

func scanMktItem(s scanner) (MktItem, error) {
	var it MktItem
	var off sql.NullTime
	err := s.Scan(&it.OrgID, &it.ID, &it.ProductID, &it.Name, &it.SKU, &it.Unit, &it.CreatedAt, &off)
	it.CreatedAt, it.DisabledAt = it.CreatedAt.UTC(), timePtr(off)
	return it, err
}

// UpdateMktItem stores an item's new name and replaces its prices.
func (q *Queries) UpdateMktItem(ctx context.Context, it MktItem) error {
	res, err := q.w().exec(ctx, `UPDATE mkt_items SET name = ? WHERE org_id = ? AND id = ?`, it.Name, it.OrgID, it.ID)
	if err := mustAffect(res, err, "item"); err != nil {
		return err
	}
	if _, err := q.w().exec(ctx, `DELETE FROM mkt_item_prices WHERE org_id = ? AND item_id = ?`, it.OrgID, it.ID); err != nil {
		return err
	}
	for _, p := range it.Prices {
		if err := q.SetMktPrice(ctx, it.OrgID, it.ID, p); err != nil {
			return err
		}
	}
	return nil
}

// SetMktItemDisabled takes an item off sale (at) or back on sale (nil).
func (q *Queries) SetMktItemDisabled(ctx context.Context, orgID, id string, at *time.Time) error {
	res, err := q.w().exec(ctx, `UPDATE mkt_items SET disabled_at = ? WHERE org_id = ? AND id = ?`, optTime(at), orgID, id)
	return mustAffect(res, err, "item")
}

func (q *Queries) mktPrices(ctx context.Context, orgID, itemID string) ([]MktPrice, error) {
	rows, err := q.r().query(ctx, `SELECT term, currency, unit_price FROM mkt_item_prices WHERE org_id = ? AND item_id = ?
		ORDER BY term, currency`, orgID, itemID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(s scanner) (MktPrice, error) {
		var p MktPrice
		return p, s.Scan(&p.Term, &p.Currency, &p.UnitPrice)
	})
}

// CreateMktBuyer inserts b.
func (q *Queries) CreateMktBuyer(ctx context.Context, b MktBuyer) (MktBuyer, error) {
	b.CreatedAt = domain.Now()
	_, err := q.w().exec(ctx, `INSERT INTO mkt_buyers (org_id, id, name, currency, address, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		b.OrgID, b.ID, b.Name, b.Currency, b.Address, b.CreatedAt)
	return b, uniqueName(err, "buyer")
}

// ListMktBuyers returns the organisation's buyers by name.
func (q *Queries) ListMktBuyers(ctx context.Context, orgID string) ([]MktBuyer, error) {
	rows, err := q.r().query(ctx, `SELECT org_id, id, name, currency, address, created_at FROM mkt_buyers WHERE org_id = ? ORDER BY name`, orgID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanMktBuyer)
}

// GetMktBuyer returns one buyer.
func (q *Queries) GetMktBuyer(ctx context.Context, orgID, id string) (MktBuyer, error) {
	b, err := scanMktBuyer(q.r().row(ctx, `SELECT org_id, id, name, currency, address, created_at FROM mkt_buyers
		WHERE org_id = ? AND id = ?`, orgID, id))
	return b, notFound(err, "buyer")
}

func scanMktBuyer(s scanner) (MktBuyer, error) {
	var b MktBuyer
	err := s.Scan(&b.OrgID, &b.ID, &b.Name, &b.Currency, &b.Address, &b.CreatedAt)
	b.CreatedAt = b.CreatedAt.UTC()
	return b, err
}

// uniqueName turns a unique violation on a name into a field error.
func uniqueName(err error, what string) error {
	if isUniqueViolation(err) {
		return domain.FieldError("name", "another %s already has this name", what)
	}
	return err
}
