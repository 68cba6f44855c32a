-- +goose Up
-- Delegation & Policy Control for Microsoft 365 (issue 10): virtual OUs of
-- a connection's directory users, authorization policies (catalogs of
-- administrative actions), delegations of a Canopy member to an OU with a
-- policy, and each OU's licence and configuration policies.
-- rules: [{"conditions": [{"attribute", "operator", "values"}]}], ORed
-- rules of ANDed conditions; include_ids / exclude_ids: user object IDs
-- added or taken out by hand; licence_policies: [{"sku_id", "quota",
-- "restricted_plans"}]; required_attributes: [{"attribute", "value"}].
-- A child OU's members are also members of its parent (internal/delegation).
CREATE TABLE m365_ous (
    id                  TEXT PRIMARY KEY,
    org_id              TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    connection_id       TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    parent_id           TEXT NULL REFERENCES m365_ous (id) ON DELETE CASCADE,
    name                TEXT NOT NULL,
    description         TEXT NOT NULL DEFAULT '',
    rules               TEXT NOT NULL DEFAULT '[]',
    include_ids         TEXT NOT NULL DEFAULT '[]',
    exclude_ids         TEXT NOT NULL DEFAULT '[]',
    licence_policies    TEXT NOT NULL DEFAULT '[]',
    required_attributes TEXT NOT NULL DEFAULT '[]',
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX m365_ous_name ON m365_ous (org_id, connection_id, LOWER(name));
CREATE INDEX m365_ous_parent ON m365_ous (parent_id);

-- actions: ["user.reset_password", ...] from the catalog in internal/delegation.
CREATE TABLE m365_admin_policies (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    actions     TEXT NOT NULL DEFAULT '[]',
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX m365_admin_policies_name ON m365_admin_policies (org_id, LOWER(name));

CREATE TABLE m365_delegations (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    ou_id      TEXT NOT NULL REFERENCES m365_ous (id) ON DELETE CASCADE,
    policy_id  TEXT NOT NULL REFERENCES m365_admin_policies (id) ON DELETE CASCADE,
    created_by TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX m365_delegations_grant ON m365_delegations (ou_id, user_id, policy_id);
CREATE INDEX m365_delegations_user ON m365_delegations (org_id, user_id);
CREATE INDEX m365_delegations_policy ON m365_delegations (policy_id);

-- +goose Down
DROP TABLE m365_delegations;
DROP TABLE m365_admin_policies;
DROP TABLE m365_ous;
