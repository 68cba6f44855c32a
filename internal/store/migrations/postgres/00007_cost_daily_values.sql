-- +goose Up
-- Lines per import, charge day and resource (kind 0, label_id the
-- resource name) or SKU (kind 1): the explorer's resource and SKU filter
-- lists read this instead of decoding every line (issue 4). dim_id and
-- label_id are cost_dims ids, NULL for lines without a value.
CREATE TABLE cost_daily_values (
    org_id     TEXT NOT NULL,
    import_num BIGINT NOT NULL,
    charge_day INTEGER NOT NULL,
    kind       INTEGER NOT NULL,
    dim_id     INTEGER NULL,
    label_id   INTEGER NULL,
    line_count BIGINT NOT NULL
);
CREATE INDEX cost_daily_values_day ON cost_daily_values (org_id, kind, charge_day);
CREATE INDEX cost_daily_values_import ON cost_daily_values (org_id, import_num);

-- Lines still in cost_lines (stored before segments; Migrate converts them
-- afterwards) get their rows here.
INSERT INTO cost_daily_values (org_id, import_num, charge_day, kind, dim_id, label_id, line_count)
SELECT org_id, import_num, charge_day, 0, resource, MAX(resource_name), COUNT(*)
FROM cost_lines GROUP BY org_id, import_num, charge_day, resource;
INSERT INTO cost_daily_values (org_id, import_num, charge_day, kind, dim_id, label_id, line_count)
SELECT org_id, import_num, charge_day, 1, sku, NULL, COUNT(*)
FROM cost_lines GROUP BY org_id, import_num, charge_day, sku;

-- +goose Down
DROP TABLE cost_daily_values;
