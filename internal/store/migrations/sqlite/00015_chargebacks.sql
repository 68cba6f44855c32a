-- +goose Up
-- Chargebacks (issue 7).
--
-- chargeback_versions: every generation of a month's chargeback, numbered
-- from 1 per organisation and month, never changed once written. status
-- is provisional or final (reason says why in words); currency is the
-- reporting currency; billed_* is the month's billed cost in that currency
-- when it was generated (for the reconciliation).
CREATE TABLE chargeback_versions (
    org_id             TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    month              TIMESTAMP NOT NULL,
    version            INTEGER NOT NULL,
    status             TEXT NOT NULL,
    reason             TEXT NOT NULL DEFAULT '',
    currency           TEXT NOT NULL,
    allocation_version INTEGER NOT NULL,
    billed_units       BIGINT NOT NULL,
    billed_nanos       BIGINT NOT NULL,
    created_by         TEXT NOT NULL,
    created_at         TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, month, version)
);

-- chargeback_units: one version's business units, with Unallocated and
-- the unassigned licences as units that are not charged (charged false).
-- allocated/extra are exact (10^-10); total is rounded to the currency's
-- minor unit.
CREATE TABLE chargeback_units (
    org_id          TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    month           TIMESTAMP NOT NULL,
    version         INTEGER NOT NULL,
    unit_id         TEXT NOT NULL,
    name            TEXT NOT NULL,
    owners          TEXT NOT NULL DEFAULT '[]',
    charged         BOOLEAN NOT NULL,
    allocated_units BIGINT NOT NULL,
    allocated_nanos BIGINT NOT NULL,
    pricelist_units BIGINT NOT NULL,
    pricelist_nanos BIGINT NOT NULL,
    extra_units     BIGINT NOT NULL,
    extra_nanos     BIGINT NOT NULL,
    total_units     BIGINT NOT NULL,
    total_nanos     BIGINT NOT NULL,
    PRIMARY KEY (org_id, month, version, unit_id)
);

-- chargeback_lines: a unit's lines: allocated cost per service category
-- and service (kind cost), and its extra charges (fixed_fee,
-- service_fee, markup), exact.
CREATE TABLE chargeback_lines (
    org_id       TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    month        TIMESTAMP NOT NULL,
    version      INTEGER NOT NULL,
    unit_id      TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    category     TEXT NOT NULL,
    service      TEXT NOT NULL,
    description  TEXT NOT NULL,
    amount_units BIGINT NOT NULL,
    amount_nanos BIGINT NOT NULL,
    PRIMARY KEY (org_id, month, version, unit_id, seq)
);

-- chargeback_extra_charges: manual charges per business unit for one
-- month (month_to = month_from + 1 month) or recurring from a month on
-- (month_to NULL). Fixed fees carry amount and currency; service fees
-- and markups a percent (exact decimal text).
CREATE TABLE chargeback_extra_charges (
    org_id       TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id           TEXT NOT NULL,
    unit_id      TEXT NOT NULL,
    kind         TEXT NOT NULL,
    description  TEXT NOT NULL,
    amount_units BIGINT NOT NULL,
    amount_nanos BIGINT NOT NULL,
    currency     TEXT NOT NULL DEFAULT '',
    percent      TEXT NOT NULL DEFAULT '',
    month_from   TIMESTAMP NOT NULL,
    month_to     TIMESTAMP NULL,
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, id)
);

-- +goose Down
DROP TABLE chargeback_extra_charges;
DROP TABLE chargeback_lines;
DROP TABLE chargeback_units;
DROP TABLE chargeback_versions;
