-- +goose Up
-- The Microsoft 365 directory (issue 5): each M365 connection's latest
-- snapshot of its tenant's users, subscribed SKUs and groups. A sync
-- replaces a connection's snapshot in one transaction: users and SKUs no
-- longer returned keep their row with deleted_at set (last_seen says when
-- they were last there); groups and memberships are replaced outright.
-- sync_gen is the generation of the sync that last saw the row.
CREATE TABLE m365_users (
    org_id               TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    connection_id        TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    object_id            TEXT NOT NULL,
    display_name         TEXT NOT NULL DEFAULT '',
    company_name         TEXT NOT NULL DEFAULT '',
    department           TEXT NOT NULL DEFAULT '',
    given_name           TEXT NOT NULL DEFAULT '',
    surname              TEXT NOT NULL DEFAULT '',
    job_title            TEXT NOT NULL DEFAULT '',
    state                TEXT NOT NULL DEFAULT '',
    postal_code          TEXT NOT NULL DEFAULT '',
    street_address       TEXT NOT NULL DEFAULT '',
    city                 TEXT NOT NULL DEFAULT '',
    preferred_language   TEXT NOT NULL DEFAULT '',
    usage_location       TEXT NOT NULL DEFAULT '',
    -- [{"skuId": "...", "disabledPlans": ["..."]}]
    assigned_licenses    TEXT NOT NULL DEFAULT '[]',
    user_principal_name  TEXT NOT NULL DEFAULT '',
    office_location      TEXT NOT NULL DEFAULT '',
    -- {"extensionAttribute1": "...", ...}, unset ones absent
    extension_attributes TEXT NOT NULL DEFAULT '{}',
    country              TEXT NOT NULL DEFAULT '',
    user_type            TEXT NOT NULL DEFAULT '',
    account_enabled      BOOLEAN NOT NULL DEFAULT TRUE,
    mail                 TEXT NOT NULL DEFAULT '',
    first_seen           TIMESTAMPTZ NOT NULL,
    last_seen            TIMESTAMPTZ NOT NULL,
    deleted_at           TIMESTAMPTZ NULL,
    sync_gen             TEXT NOT NULL,
    PRIMARY KEY (connection_id, object_id)
);
CREATE INDEX m365_users_org_name ON m365_users (org_id, display_name, connection_id, object_id);

CREATE TABLE m365_skus (
    org_id             TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    connection_id      TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    sku_id             TEXT NOT NULL,
    sku_part_number    TEXT NOT NULL DEFAULT '',
    capability_status  TEXT NOT NULL DEFAULT '',
    applies_to         TEXT NOT NULL DEFAULT '',
    prepaid_enabled    INTEGER NOT NULL DEFAULT 0,
    prepaid_suspended  INTEGER NOT NULL DEFAULT 0,
    prepaid_warning    INTEGER NOT NULL DEFAULT 0,
    prepaid_locked_out INTEGER NOT NULL DEFAULT 0,
    consumed_units     INTEGER NOT NULL DEFAULT 0,
    -- [{"servicePlanId", "servicePlanName", "provisioningStatus", "appliesTo"}]
    service_plans      TEXT NOT NULL DEFAULT '[]',
    first_seen         TIMESTAMPTZ NOT NULL,
    last_seen          TIMESTAMPTZ NOT NULL,
    deleted_at         TIMESTAMPTZ NULL,
    sync_gen           TEXT NOT NULL,
    PRIMARY KEY (connection_id, sku_id)
);
CREATE INDEX m365_skus_org ON m365_skus (org_id, sku_part_number);

CREATE TABLE m365_groups (
    org_id           TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    connection_id    TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    object_id        TEXT NOT NULL,
    display_name     TEXT NOT NULL DEFAULT '',
    description      TEXT NOT NULL DEFAULT '',
    mail             TEXT NOT NULL DEFAULT '',
    mail_enabled     BOOLEAN NOT NULL DEFAULT FALSE,
    security_enabled BOOLEAN NOT NULL DEFAULT FALSE,
    group_types      TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (connection_id, object_id)
);
CREATE INDEX m365_groups_org ON m365_groups (org_id, display_name);

CREATE TABLE m365_group_members (
    org_id        TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    connection_id TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    group_id      TEXT NOT NULL,
    member_id     TEXT NOT NULL,
    -- the member's @odata.type, e.g. #microsoft.graph.user
    member_type   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (connection_id, group_id, member_id)
);
CREATE INDEX m365_group_members_member ON m365_group_members (org_id, connection_id, member_id);

-- +goose Down
DROP TABLE m365_group_members;
DROP TABLE m365_groups;
DROP TABLE m365_skus;
DROP TABLE m365_users;
