-- +goose Up
-- Marketplace catalog management (issue 8): an item can be taken off
-- sale (disabled_at; running subscriptions of it keep working), a vendor
-- remembers when its ordering system was connected (api_set_at), and a
-- product has at most one listing per buyer and one for every buyer
-- (buyer_id NULL).
ALTER TABLE mkt_items ADD COLUMN disabled_at TIMESTAMPTZ NULL;
ALTER TABLE mkt_vendors ADD COLUMN api_set_at TIMESTAMPTZ NULL;
CREATE UNIQUE INDEX mkt_listings_product_buyer ON mkt_listings (org_id, product_id, (COALESCE(buyer_id, '')));
-- Products created before listings were enforced stay on sale to every
-- buyer (the listing's ID follows the product's: PRD-1234-5678 gives
-- LST-1234-5678-0000).
INSERT INTO mkt_listings (org_id, id, product_id, buyer_id, enabled, created_at)
SELECT p.org_id, 'LST-' || substr(p.id, 5) || '-0000', p.id, NULL, TRUE, p.created_at FROM mkt_products p
WHERE NOT EXISTS (SELECT 1 FROM mkt_listings l WHERE l.org_id = p.org_id AND l.product_id = p.id);

-- +goose Down
DROP INDEX mkt_listings_product_buyer;
ALTER TABLE mkt_vendors DROP COLUMN api_set_at;
ALTER TABLE mkt_items DROP COLUMN disabled_at;
