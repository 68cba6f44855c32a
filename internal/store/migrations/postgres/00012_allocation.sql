-- +goose Up
-- Custom groups and allocation (issue 6).
--
-- cost_groups: business units, cost centres and projects in a hierarchy
-- (parent_id), with owners (JSON list of user IDs).
CREATE TABLE cost_groups (
    org_id      TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    parent_id   TEXT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    owners      TEXT NOT NULL DEFAULT '[]',
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, name)
);

-- allocation_versions: every saved rule set (rules and splits as JSON),
-- numbered from 1 per organisation, never changed once written.
-- changed_from/to bound the days the change could move (NULL: open);
-- affects is false when nothing could move (only names changed).
CREATE TABLE allocation_versions (
    org_id       TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    version      INTEGER NOT NULL,
    ruleset      TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    affects      BOOLEAN NOT NULL,
    changed_from TIMESTAMPTZ NULL,
    changed_to   TIMESTAMPTZ NULL,
    PRIMARY KEY (org_id, version)
);

-- allocation_months: which computation answers a month under a version.
-- A month the version's change did not affect reads the results computed
-- under an earlier version (computed_version), so a rule change
-- recomputes only the affected months. computed_at tells whether cost
-- data imported since makes the month stale.
CREATE TABLE allocation_months (
    org_id           TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    version          INTEGER NOT NULL,
    month            TIMESTAMPTZ NOT NULL,
    computed_version INTEGER NOT NULL,
    computed_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, version, month)
);

-- allocation_results: a computed month's totals per day, group ('' is
-- unallocated, '~unassigned_licences' the unassigned seats), rule and
-- split (lineage), as exact units and 10^-10 nanos like cost_daily.
CREATE TABLE allocation_results (
    org_id           TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    version          INTEGER NOT NULL,
    month            TIMESTAMPTZ NOT NULL,
    charge_day       INTEGER NOT NULL,
    group_id         TEXT NOT NULL,
    rule_id          TEXT NOT NULL,
    split_id         TEXT NOT NULL,
    via              TEXT NOT NULL,
    currency         TEXT NOT NULL,
    billed_units     BIGINT NOT NULL,
    billed_nanos     BIGINT NOT NULL,
    effective_units  BIGINT NOT NULL,
    effective_nanos  BIGINT NOT NULL,
    list_units       BIGINT NOT NULL,
    list_nanos       BIGINT NOT NULL,
    contracted_units BIGINT NOT NULL,
    contracted_nanos BIGINT NOT NULL,
    lines            BIGINT NOT NULL,
    seats            BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX allocation_results_month ON allocation_results (org_id, version, month, group_id);

-- licence_prices: maps a Microsoft 365 product (the directory's SKU part
-- number) to the SKU its cost lines carry (e.g. Partner Center's product
-- ID), with a list price per seat and month for reference.
CREATE TABLE licence_prices (
    org_id          TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    sku_part_number TEXT NOT NULL,
    cost_sku        TEXT NOT NULL,
    unit_price      TEXT NOT NULL DEFAULT '',
    currency        TEXT NOT NULL DEFAULT '',
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, sku_part_number)
);

-- +goose Down
DROP TABLE licence_prices;
DROP TABLE allocation_results;
DROP TABLE allocation_months;
DROP TABLE allocation_versions;
DROP TABLE cost_groups;
