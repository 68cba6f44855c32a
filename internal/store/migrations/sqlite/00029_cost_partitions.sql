-- +goose Up
-- Cost facts partitioned by month (issue 11) is PostgreSQL's migration of
-- the same number; SQLite keeps its tables (one file, no partitioning).
-- This twin keeps both engines' migration numbers in step.
SELECT 1;

-- +goose Down
SELECT 1;
