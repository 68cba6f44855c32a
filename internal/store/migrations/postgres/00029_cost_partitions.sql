-- +goose Up
-- Cost facts partitioned by month of charge day (issue 11): the line
-- segments, the detail rollup's segments, cost_daily and cost_daily_values
-- become RANGE-partitioned tables with one partition per calendar month
-- (bounds in days since 1970-01-01, names <table>_pYYYYMM). A segment's
-- lines all fall in its partition's month (the writer splits blocks at
-- month boundaries, and each segment partition checks day_max), so a
-- month's facts are exactly four tables: loading a new month creates them
-- (canopy_cost_month, called by the import), and dropping or archiving
-- one is DROP TABLE or DETACH PARTITION instead of a DELETE over the
-- whole store. Queries filter by charge day, which prunes the others.
-- The existing rows move into their month's partitions here; segments
-- that span several months (written before this migration) wait in
-- cost_segment_splits until Go code (store.DB.Migrate) splits them.
ALTER TABLE cost_segments RENAME TO cost_segments_unpartitioned;
ALTER TABLE cost_detail_segments RENAME TO cost_detail_segments_unpartitioned;
ALTER TABLE cost_daily RENAME TO cost_daily_unpartitioned;
ALTER TABLE cost_daily_values RENAME TO cost_daily_values_unpartitioned;

-- The partitioned tables take the plain tables' columns as they are now
-- (LIKE), so columns added by earlier migrations carry over.
CREATE TABLE cost_segments (LIKE cost_segments_unpartitioned INCLUDING DEFAULTS) PARTITION BY RANGE (day_min);
CREATE TABLE cost_detail_segments (LIKE cost_detail_segments_unpartitioned INCLUDING DEFAULTS) PARTITION BY RANGE (day_min);
CREATE TABLE cost_daily (LIKE cost_daily_unpartitioned INCLUDING DEFAULTS) PARTITION BY RANGE (charge_day);
CREATE TABLE cost_daily_values (LIKE cost_daily_values_unpartitioned INCLUDING DEFAULTS) PARTITION BY RANGE (charge_day);

-- canopy_cost_month makes sure the four partitions of the month holding
-- day exist, creating the missing ones; it returns how many it created.
-- A partition is created as a plain table and then attached: ATTACH takes
-- a SHARE UPDATE EXCLUSIVE lock on the parent, so reads and other imports
-- go on (CREATE TABLE ... PARTITION OF would take ACCESS EXCLUSIVE until
-- the importing transaction ends). Creators queue on an advisory lock per
-- schema; a month that exists costs four catalog lookups.
-- +goose StatementBegin
CREATE FUNCTION canopy_cost_month(day integer) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    m       date    := date_trunc('month', date '1970-01-01' + day)::date;
    lo      integer := m - date '1970-01-01';
    hi      integer := (m + interval '1 month')::date - date '1970-01-01';
    sfx     text    := '_p' || to_char(m, 'YYYYMM');
    t       text;
    created integer := 0;
BEGIN
    IF to_regclass('cost_segments' || sfx) IS NOT NULL AND to_regclass('cost_detail_segments' || sfx) IS NOT NULL
        AND to_regclass('cost_daily' || sfx) IS NOT NULL AND to_regclass('cost_daily_values' || sfx) IS NOT NULL THEN
        RETURN 0;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtextextended('canopy-cost-partitions:' || current_schema(), 0));
    FOREACH t IN ARRAY ARRAY['cost_segments', 'cost_detail_segments', 'cost_daily', 'cost_daily_values'] LOOP
        CONTINUE WHEN to_regclass(t || sfx) IS NOT NULL;
        IF t LIKE '%segments' THEN
            EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS, CHECK (day_min >= %s AND day_min < %s AND day_max < %s))',
                t || sfx, t, lo, hi, hi);
        ELSE
            EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS, CHECK (charge_day >= %s AND charge_day < %s))',
                t || sfx, t, lo, hi);
        END IF;
        EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%s) TO (%s)', t, t || sfx, lo, hi);
        created := created + 1;
    END LOOP;
    RETURN created;
END $$;
-- +goose StatementEnd

SELECT canopy_cost_month(MIN(d)) FROM (
    SELECT day_min AS d FROM cost_segments_unpartitioned
    UNION ALL SELECT day_min FROM cost_detail_segments_unpartitioned
    UNION ALL SELECT charge_day FROM cost_daily_unpartitioned
    UNION ALL SELECT charge_day FROM cost_daily_values_unpartitioned
) days GROUP BY date_trunc('month', date '1970-01-01' + d);

-- Segments that span months, to be split by store.DB.Migrate (detail: 1
-- for cost_detail_segments rows).
CREATE TABLE cost_segment_splits (
    org_id     TEXT NOT NULL,
    import_num BIGINT NOT NULL,
    detail     INTEGER NOT NULL,
    seq        INTEGER NOT NULL,
    day_min    INTEGER NOT NULL,
    day_max    INTEGER NOT NULL,
    line_count INTEGER NOT NULL,
    data       BYTEA NOT NULL,
    PRIMARY KEY (org_id, import_num, detail, seq)
);

INSERT INTO cost_segments SELECT * FROM cost_segments_unpartitioned
WHERE date_trunc('month', date '1970-01-01' + day_min) = date_trunc('month', date '1970-01-01' + day_max);
INSERT INTO cost_segment_splits SELECT org_id, import_num, 0, seq, day_min, day_max, line_count, data FROM cost_segments_unpartitioned
WHERE date_trunc('month', date '1970-01-01' + day_min) <> date_trunc('month', date '1970-01-01' + day_max);
INSERT INTO cost_detail_segments SELECT * FROM cost_detail_segments_unpartitioned
WHERE date_trunc('month', date '1970-01-01' + day_min) = date_trunc('month', date '1970-01-01' + day_max);
INSERT INTO cost_segment_splits SELECT org_id, import_num, 1, seq, day_min, day_max, line_count, data FROM cost_detail_segments_unpartitioned
WHERE date_trunc('month', date '1970-01-01' + day_min) <> date_trunc('month', date '1970-01-01' + day_max);
INSERT INTO cost_daily SELECT * FROM cost_daily_unpartitioned;
INSERT INTO cost_daily_values SELECT * FROM cost_daily_values_unpartitioned;

DROP TABLE cost_segments_unpartitioned;
DROP TABLE cost_detail_segments_unpartitioned;
DROP TABLE cost_daily_unpartitioned;
DROP TABLE cost_daily_values_unpartitioned;

-- Indexes on the parents are built once the rows are in, and every
-- partition created later gets its own copy.
ALTER TABLE cost_segments ADD PRIMARY KEY (org_id, import_num, seq, day_min);
CREATE INDEX cost_segments_days ON cost_segments (org_id, day_min, day_max);
ALTER TABLE cost_detail_segments ADD PRIMARY KEY (org_id, import_num, seq, day_min);
CREATE INDEX cost_detail_segments_days ON cost_detail_segments (org_id, day_min, day_max);
CREATE INDEX cost_daily_day ON cost_daily (org_id, charge_day);
CREATE INDEX cost_daily_import ON cost_daily (org_id, import_num);
CREATE INDEX cost_daily_values_day ON cost_daily_values (org_id, kind, charge_day);
CREATE INDEX cost_daily_values_import ON cost_daily_values (org_id, import_num);

-- +goose Down
-- Back to plain tables (the rows are kept; detached archive tables are not).
ALTER TABLE cost_segments RENAME TO cost_segments_partitioned;
ALTER TABLE cost_detail_segments RENAME TO cost_detail_segments_partitioned;
ALTER TABLE cost_daily RENAME TO cost_daily_partitioned;
ALTER TABLE cost_daily_values RENAME TO cost_daily_values_partitioned;
ALTER INDEX cost_segments_days RENAME TO cost_segments_days_p;
ALTER INDEX cost_detail_segments_days RENAME TO cost_detail_segments_days_p;
ALTER INDEX cost_daily_day RENAME TO cost_daily_day_p;
ALTER INDEX cost_daily_import RENAME TO cost_daily_import_p;
ALTER INDEX cost_daily_values_day RENAME TO cost_daily_values_day_p;
ALTER INDEX cost_daily_values_import RENAME TO cost_daily_values_import_p;
ALTER TABLE cost_segments_partitioned RENAME CONSTRAINT cost_segments_pkey TO cost_segments_pkey_p;
ALTER TABLE cost_detail_segments_partitioned RENAME CONSTRAINT cost_detail_segments_pkey TO cost_detail_segments_pkey_p;
CREATE TABLE cost_segments (LIKE cost_segments_partitioned INCLUDING DEFAULTS, PRIMARY KEY (org_id, import_num, seq));
CREATE TABLE cost_detail_segments (LIKE cost_detail_segments_partitioned INCLUDING DEFAULTS, PRIMARY KEY (org_id, import_num, seq));
CREATE TABLE cost_daily (LIKE cost_daily_partitioned INCLUDING DEFAULTS);
CREATE TABLE cost_daily_values (LIKE cost_daily_values_partitioned INCLUDING DEFAULTS);
INSERT INTO cost_segments SELECT * FROM cost_segments_partitioned;
INSERT INTO cost_segments SELECT org_id, import_num, seq + 1000000, day_min, day_max, line_count, data FROM cost_segment_splits WHERE detail = 0;
INSERT INTO cost_detail_segments SELECT * FROM cost_detail_segments_partitioned;
INSERT INTO cost_detail_segments SELECT org_id, import_num, seq + 1000000, day_min, day_max, line_count, data FROM cost_segment_splits WHERE detail = 1;
INSERT INTO cost_daily SELECT * FROM cost_daily_partitioned;
INSERT INTO cost_daily_values SELECT * FROM cost_daily_values_partitioned;
DROP TABLE cost_segments_partitioned, cost_detail_segments_partitioned, cost_daily_partitioned, cost_daily_values_partitioned;
DROP TABLE cost_segment_splits;
DROP FUNCTION canopy_cost_month(integer);
CREATE INDEX cost_segments_days ON cost_segments (org_id, day_min, day_max);
CREATE INDEX cost_detail_segments_days ON cost_detail_segments (org_id, day_min, day_max);
CREATE INDEX cost_daily_day ON cost_daily (org_id, charge_day);
CREATE INDEX cost_daily_import ON cost_daily (org_id, import_num);
CREATE INDEX cost_daily_values_day ON cost_daily_values (org_id, kind, charge_day);
CREATE INDEX cost_daily_values_import ON cost_daily_values (org_id, import_num);
