-- +goose Up
-- Cost facts (issue 4): FOCUS 1.2 lines with dictionary-encoded
-- dimensions and exact amounts. Money is two integers per measure: *_units
-- (whole currency units) and *_nanos (10^-10 units, same sign), so SUMs are
-- exact on both engines and normalised in Go (domain.NormalizeAmount). A
-- null amount in the source is NULL in both columns.

-- One row per imported file. num is the compact key the lines carry.
CREATE TABLE cost_imports (
    id                   TEXT PRIMARY KEY,
    num                  INTEGER NOT NULL UNIQUE,
    org_id               TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    source_key           TEXT NOT NULL,
    format               TEXT NOT NULL,
    file_name            TEXT NOT NULL,
    billing_period_start TIMESTAMP NULL,
    billing_period_end   TIMESTAMP NULL,
    row_count            INTEGER NOT NULL DEFAULT 0,
    totals               TEXT NOT NULL DEFAULT '{}', -- JSON: currency -> measures as exact strings
    started_at           TIMESTAMP NOT NULL,
    finished_at          TIMESTAMP NULL,
    status               TEXT NOT NULL, -- running, succeeded, failed, replaced
    error                TEXT NOT NULL DEFAULT '',
    created_by           TEXT NOT NULL
);
CREATE INDEX cost_imports_org ON cost_imports (org_id, started_at);
CREATE INDEX cost_imports_source ON cost_imports (org_id, source_key, status);

-- Dictionary of dimension values per organisation. Ids are allocated in Go
-- under the per-org import lock and are unique per org across kinds.
CREATE TABLE cost_dims (
    org_id TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    kind   TEXT NOT NULL,
    id     INTEGER NOT NULL,
    value  TEXT NOT NULL,
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, kind, value)
);

-- Distinct tag sets (FOCUS Tags) per organisation, so a line carries one
-- id; pairs is the canonical JSON object (sorted keys).
CREATE TABLE cost_tagsets (
    org_id TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id     INTEGER NOT NULL,
    pairs  TEXT NOT NULL,
    PRIMARY KEY (org_id, id)
);

-- The pairs of each tag set, for filters and group-by on a tag key.
CREATE TABLE cost_tagset_pairs (
    org_id    TEXT NOT NULL,
    tagset_id INTEGER NOT NULL,
    key_id    INTEGER NOT NULL, -- cost_dims kind tag_key
    value_id  INTEGER NOT NULL, -- cost_dims kind tag_value
    PRIMARY KEY (org_id, tagset_id, key_id),
    FOREIGN KEY (org_id, tagset_id) REFERENCES cost_tagsets (org_id, id) ON DELETE CASCADE
);
CREATE INDEX cost_tagset_pairs_key ON cost_tagset_pairs (org_id, key_id, value_id);

-- The facts. Dimension columns hold cost_dims ids (NULL when the source is
-- empty); there are no foreign keys here so inserts stay cheap, and lines
-- are deleted with their import explicitly. Instants are Unix seconds,
-- charge_day is days since 1970-01-01 of charge_start.
CREATE TABLE cost_lines (
    org_id               TEXT NOT NULL,
    import_num           INTEGER NOT NULL,
    charge_day           INTEGER NOT NULL,
    charge_start         INTEGER NOT NULL,
    charge_end           INTEGER NOT NULL,
    billing_period_start INTEGER NOT NULL,
    billing_period_end   INTEGER NOT NULL,
    provider             INTEGER NULL,
    publisher            INTEGER NULL,
    invoice_issuer       INTEGER NULL,
    invoice              INTEGER NULL,
    billing_account      INTEGER NULL,
    billing_account_name INTEGER NULL,
    sub_account          INTEGER NULL,
    sub_account_name     INTEGER NULL,
    service              INTEGER NULL,
    service_category     INTEGER NULL,
    region               INTEGER NULL,
    region_name          INTEGER NULL,
    resource             INTEGER NULL,
    resource_name        INTEGER NULL,
    resource_type        INTEGER NULL,
    sku                  INTEGER NULL,
    sku_price            INTEGER NULL,
    charge_description   INTEGER NULL,
    pricing_unit         INTEGER NULL,
    consumed_unit        INTEGER NULL,
    commitment_discount  INTEGER NULL,
    commitment_discount_name INTEGER NULL,
    commitment_discount_type INTEGER NULL,
    commitment_discount_unit INTEGER NULL,
    charge_category      TEXT NOT NULL,
    charge_class         TEXT NULL,
    charge_frequency     TEXT NULL,
    commitment_discount_category TEXT NULL,
    commitment_discount_status   TEXT NULL,
    billing_currency     TEXT NOT NULL,
    pricing_currency     TEXT NULL,
    billed_units         INTEGER NOT NULL,
    billed_nanos         INTEGER NOT NULL,
    effective_units      INTEGER NOT NULL,
    effective_nanos      INTEGER NOT NULL,
    list_units           INTEGER NULL,
    list_nanos           INTEGER NULL,
    contracted_units     INTEGER NULL,
    contracted_nanos     INTEGER NULL,
    pricing_qty_units    INTEGER NULL,
    pricing_qty_nanos    INTEGER NULL,
    consumed_qty_units   INTEGER NULL,
    consumed_qty_nanos   INTEGER NULL,
    commitment_qty_units INTEGER NULL,
    commitment_qty_nanos INTEGER NULL,
    tagset_id            INTEGER NULL, -- cost_tagsets id
    extras               TEXT NULL     -- JSON object of the source's x_ attributes
);
CREATE INDEX cost_lines_day ON cost_lines (org_id, charge_day);
CREATE INDEX cost_lines_import ON cost_lines (org_id, import_num);

-- +goose Down
DROP TABLE cost_lines;
DROP TABLE cost_tagset_pairs;
DROP TABLE cost_tagsets;
DROP TABLE cost_dims;
DROP TABLE cost_imports;
