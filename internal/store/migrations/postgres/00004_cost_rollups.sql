-- +goose Up
-- Rollups for the spend explorer (issue 4). Lines gain the Azure resource
-- group (a cost_dims id of kind resource_group: the source's resource group
-- column, else parsed from an Azure resource ID). cost_daily sums the
-- lines of one import per charge day and rollup dimensions; it is written
-- in the import's transaction and deleted with its import's lines, so it
-- never needs recomputing. Money as in cost_lines (units + 10^-10 nanos);
-- list/contracted sums are NULL when every line's amount was null.
ALTER TABLE cost_lines ADD COLUMN resource_group INTEGER NULL;

CREATE TABLE cost_daily (
    org_id               TEXT NOT NULL,
    import_num           BIGINT NOT NULL,
    charge_day           INTEGER NOT NULL,
    provider             INTEGER NULL,
    billing_account      INTEGER NULL,
    billing_account_name INTEGER NULL,
    sub_account          INTEGER NULL,
    sub_account_name     INTEGER NULL,
    resource_group       INTEGER NULL,
    service              INTEGER NULL,
    service_category     INTEGER NULL,
    region               INTEGER NULL,
    region_name          INTEGER NULL,
    charge_category      TEXT NOT NULL,
    billing_currency     TEXT NOT NULL,
    tagset_id            INTEGER NULL,
    line_count           BIGINT NOT NULL,
    billed_units         BIGINT NOT NULL,
    billed_nanos         BIGINT NOT NULL,
    effective_units      BIGINT NOT NULL,
    effective_nanos      BIGINT NOT NULL,
    list_units           BIGINT NULL,
    list_nanos           BIGINT NULL,
    contracted_units     BIGINT NULL,
    contracted_nanos     BIGINT NULL
);
CREATE INDEX cost_daily_day ON cost_daily (org_id, charge_day);
CREATE INDEX cost_daily_import ON cost_daily (org_id, import_num);

-- Lines imported before this migration get their rollup here (SUM over
-- only NULLs is NULL, as the import writes it). Their resource group
-- stays NULL in both tables until the file is imported again.
INSERT INTO cost_daily (org_id, import_num, charge_day, provider, billing_account, billing_account_name,
    sub_account, sub_account_name, resource_group, service, service_category, region, region_name,
    charge_category, billing_currency, tagset_id, line_count, billed_units, billed_nanos,
    effective_units, effective_nanos, list_units, list_nanos, contracted_units, contracted_nanos)
SELECT org_id, import_num, charge_day, provider, billing_account, billing_account_name,
    sub_account, sub_account_name, resource_group, service, service_category, region, region_name,
    charge_category, billing_currency, tagset_id, COUNT(*), SUM(billed_units), SUM(billed_nanos),
    SUM(effective_units), SUM(effective_nanos), SUM(list_units), SUM(list_nanos), SUM(contracted_units), SUM(contracted_nanos)
FROM cost_lines
GROUP BY org_id, import_num, charge_day, provider, billing_account, billing_account_name,
    sub_account, sub_account_name, resource_group, service, service_category, region, region_name,
    charge_category, billing_currency, tagset_id;

-- +goose Down
DROP TABLE cost_daily;
ALTER TABLE cost_lines DROP COLUMN resource_group;
