package store

import (
	"context"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// LicencePrice maps a Microsoft 365 product (the directory's SKU part
// number) to the SKU its cost lines carry, with a list price per seat and
// month (exact decimal text) for reference.
type LicencePrice struct {
	OrgID, SkuPartNumber, CostSKU string
	UnitPrice, Currency           string
	UpdatedAt                     time.Time
}

// SetLicencePrice inserts or replaces a product's mapping.
func (q *Queries) SetLicencePrice(ctx context.Context, p LicencePrice) error {
	now := domain.Now()
	if _, err := q.w().exec(ctx, `DELETE FROM licence_prices WHERE org_id = ? AND sku_part_number = ?`, p.OrgID, p.SkuPartNumber); err != nil {
		return err
	}
	_, err := q.w().exec(ctx, `INSERT INTO licence_prices (org_id, sku_part_number, cost_sku, unit_price, currency, updated_at)
		VALUES (?, ?, ?, ?, ?, ?)`, p.OrgID, p.SkuPartNumber, p.CostSKU, p.UnitPrice, p.Currency, now)
	return err
}

// DeleteLicencePrice removes a product's mapping.
func (q *Queries) DeleteLicencePrice(ctx context.Context, orgID, partNumber string) error {
	res, err := q.w().exec(ctx, `DELETE FROM licence_prices WHERE org_id = ? AND sku_part_number = ?`, orgID, partNumber)
	return mustAffect(res, err, "licence price")
}

// ListLicencePrices returns the organisation's mappings by part number.
func (q *Queries) ListLicencePrices(ctx context.Context, orgID string) ([]LicencePrice, error) {
	rows, err := q.w().query(ctx, `SELECT org_id, sku_part_number, cost_sku, unit_price, currency, updated_at
		FROM licence_prices WHERE org_id = ? ORDER BY sku_part_number`, orgID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(s scanner) (LicencePrice, error) {
		var p LicencePrice
		err := s.Scan(&p.OrgID, &p.SkuPartNumber, &p.CostSKU, &p.UnitPrice, &p.Currency, &p.UpdatedAt)
		p.UpdatedAt = p.UpdatedAt.UTC()
		return p, err
	})
}

// LicenceHolders returns every current directory user of the
// organisation that holds at least one licence, and the current SKUs.
func (q *Queries) LicenceHolders(ctx context.Context, orgID string) ([]M365User, []M365SKU, error) {
	rows, err := q.w().query(ctx, `SELECT `+m365UserCols+` FROM m365_users WHERE org_id = ? AND deleted_at IS NULL
		AND assigned_licenses <> '[]' ORDER BY connection_id, object_id`, orgID)
	if err != nil {
		return nil, nil, err
	}
	users, err := scanAll(rows, scanM365User)
	if err != nil {
		return nil, nil, err
	}
	var skus []M365SKU
	for cursor := ""; ; {
		page, next, err := q.ListM365SKUs(ctx, orgID, 500, cursor)
		if err != nil {
			return nil, nil, err
		}
		skus = append(skus, page...)
		if next == "" {
			return users, skus, nil
		}
		cursor = next
	}
}
