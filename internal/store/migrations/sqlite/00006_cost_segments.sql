-- +goose Up
-- Cost lines as segments (issue 4): blocks of up to 4096 lines of one
-- import encoded column by column in Go (internal/store/costseg), one row
-- each, so an import writes a row per segment instead of per line. day_min
-- and day_max bound the charge days inside, for reading a date range.
-- Lines stored in cost_lines by earlier versions are converted by Go code
-- after the migrations (store.DB.Migrate), then deleted from it.
CREATE TABLE cost_segments (
    org_id     TEXT NOT NULL,
    import_num INTEGER NOT NULL,
    seq        INTEGER NOT NULL,
    day_min    INTEGER NOT NULL,
    day_max    INTEGER NOT NULL,
    line_count INTEGER NOT NULL,
    data       BLOB NOT NULL,
    PRIMARY KEY (org_id, import_num, seq)
);
CREATE INDEX cost_segments_days ON cost_segments (org_id, day_min, day_max);

-- +goose Down
DROP TABLE cost_segments;
