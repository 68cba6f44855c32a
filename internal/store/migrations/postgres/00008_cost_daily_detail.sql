-- +goose Up
-- The detail rollup (issue 4): an import's lines summed per charge day and
-- every dimension the explorer filters or groups by, including resource,
-- SKU, charge description and units (which cost_daily leaves out), with
-- the quantities summed too. Its rows are stored as segments in the same
-- column layout as cost_segments' lines (the line count where a line has
-- its charge period's length), so the line views (group or filter by
-- resource or SKU, consumption) decode a few rows per resource and day
-- instead of every line. An import with few lines per row keeps none
-- (cost_imports.detail_rollup = 0) and is scanned instead, as are the
-- imports stored before this migration. line_count counts a segment's rows.
CREATE TABLE cost_detail_segments (
    org_id     TEXT NOT NULL,
    import_num BIGINT NOT NULL,
    seq        INTEGER NOT NULL,
    day_min    INTEGER NOT NULL,
    day_max    INTEGER NOT NULL,
    line_count INTEGER NOT NULL,
    data       BYTEA NOT NULL,
    PRIMARY KEY (org_id, import_num, seq)
);
CREATE INDEX cost_detail_segments_days ON cost_detail_segments (org_id, day_min, day_max);
ALTER TABLE cost_imports ADD COLUMN detail_rollup INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE cost_imports DROP COLUMN detail_rollup;
DROP TABLE cost_detail_segments;
