-- +goose Up
-- cost_stamps: per organisation, a random token that every write changing
-- what the cost queries (Aggregate, Values) answer replaces in the same
-- transaction; the row of org_id '' is the token of writes that change
-- every organisation's data (dropping a month's partitions). The query
-- result cache (internal/costs/costcache) keys its entries by both
-- tokens, so a changed input is never answered from the cache. Random
-- rather than counted, so that restoring an older backup cannot bring a
-- token back with different data behind it. No foreign key: '' is no
-- organisation.
CREATE TABLE cost_stamps (
    org_id TEXT PRIMARY KEY,
    stamp  BIGINT NOT NULL
);

-- +goose Down
DROP TABLE cost_stamps;
