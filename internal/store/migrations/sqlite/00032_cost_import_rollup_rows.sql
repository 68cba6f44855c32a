-- +goose Up
-- How many rows an import wrote to cost_daily and to its detail rollup
-- (cost_detail_segments; NULL when it kept none). On SQLite the explorer's
-- rollup questions are answered by scanning segments in Go when they are
-- not many more rows than cost_daily (Costs.scanPays): SQLite's own GROUP
-- BY over cost_daily took about eight times the CPU per row. NULL counts
-- (imports made before this migration) keep them on cost_daily.
ALTER TABLE cost_imports ADD COLUMN daily_rows BIGINT NULL;
ALTER TABLE cost_imports ADD COLUMN detail_rows BIGINT NULL;

-- +goose Down
ALTER TABLE cost_imports DROP COLUMN detail_rows;
ALTER TABLE cost_imports DROP COLUMN daily_rows;
