-- +goose Up
-- The resource inventory and Canopy's tag management (issue 6).
--
-- resources: one row per cloud resource an organisation has, as a sync
-- listed it (Azure Resource Manager) or as imported cost data names it
-- (AWS, or Azure without resource access), plus virtual resources that
-- exist only in Canopy (a support contract, a shared platform fee).
-- resource_key is the cloud's resource ID lowercased (Azure IDs are
-- case-insensitive), "virtual:" || id for virtual resources.
--
-- Tags are kept three ways, for a three-way merge with the cloud:
--   cloud_tags  what the cloud had at the last sync (or cost import);
--   base_tags   the cloud tags Canopy's edit started from: a sync that
--               finds cloud_tags changed away from base_tags while
--               canopy_tags also differs from base_tags on the same key
--               records a tag conflict instead of overwriting either;
--   canopy_tags the full tag set Canopy wants (NULL: no pending edit);
--               write-back makes the cloud equal to it, then clears it.
CREATE TABLE resources (
    org_id           TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id               TEXT NOT NULL,
    provider         TEXT NOT NULL,
    resource_key     TEXT NOT NULL,
    resource_id      TEXT NOT NULL,
    name             TEXT NOT NULL DEFAULT '',
    type             TEXT NOT NULL DEFAULT '',
    region           TEXT NOT NULL DEFAULT '',
    sub_account      TEXT NOT NULL DEFAULT '',
    resource_group   TEXT NOT NULL DEFAULT '',
    connection_id    TEXT NULL REFERENCES connections (id) ON DELETE SET NULL,
    source           TEXT NOT NULL,               -- sync | costs | virtual
    cloud_tags       TEXT NOT NULL DEFAULT '{}',
    base_tags        TEXT NOT NULL DEFAULT '{}',
    canopy_tags      TEXT NULL,
    tags_synced_at   TIMESTAMP NULL,
    -- virtual resources: a recurring monthly cost (exact decimal text)
    -- in a currency from virtual_from (a month's first day) until
    -- virtual_to (exclusive; NULL: open-ended)
    virtual_amount   TEXT NULL,
    virtual_currency TEXT NULL,
    virtual_from     TIMESTAMP NULL,
    virtual_to       TIMESTAMP NULL,
    description      TEXT NOT NULL DEFAULT '',
    first_seen       TIMESTAMP NOT NULL,
    last_seen        TIMESTAMP NOT NULL,
    deleted_at       TIMESTAMP NULL,
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, provider, resource_key)
);
CREATE INDEX resources_org_sub ON resources (org_id, sub_account, resource_group);
CREATE INDEX resources_org_name ON resources (org_id, name, id);

-- Tag-key normalisation: alias (lowercased) -> canonical key, e.g.
-- env -> Environment. Keys differing only in case always normalise to the
-- canonical spelling when one is defined for any of them.
CREATE TABLE tag_aliases (
    org_id     TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    alias      TEXT NOT NULL,
    canonical  TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, alias)
);

-- Required-tag policies: resources must carry tag_key (after
-- normalisation), with one of allowed_values when that JSON list is not
-- empty.
CREATE TABLE tag_policies (
    org_id         TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id             TEXT NOT NULL,
    tag_key        TEXT NOT NULL,
    allowed_values TEXT NOT NULL DEFAULT '[]',
    description    TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, tag_key)
);

-- Tag write-back: one row per resource and request; a batch is one
-- user action (a single or bulk edit). status: queued, running, applied,
-- refused (the access level or role does not allow it: reason says which),
-- failed (after retries), conflict (the cloud changed meanwhile).
CREATE TABLE tag_changes (
    org_id      TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    batch_id    TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    tags        TEXT NOT NULL,                    -- the full tag set to write
    status      TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, resource_id) REFERENCES resources (org_id, id) ON DELETE CASCADE
);
CREATE INDEX tag_changes_batch ON tag_changes (org_id, batch_id);
CREATE INDEX tag_changes_resource ON tag_changes (org_id, resource_id, created_at);

-- Tag conflicts: a key changed both in the cloud and in Canopy since the
-- last sync. NULL values mean "the key is absent". Resolved by keeping the
-- cloud's value, Canopy's, or another one (resolution cloud|canopy|custom).
CREATE TABLE tag_conflicts (
    org_id         TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id             TEXT NOT NULL,
    resource_id    TEXT NOT NULL,
    tag_key        TEXT NOT NULL,
    base_value     TEXT NULL,
    cloud_value    TEXT NULL,
    canopy_value   TEXT NULL,
    detected_at    TIMESTAMP NOT NULL,
    status         TEXT NOT NULL DEFAULT 'open',
    resolution     TEXT NOT NULL DEFAULT '',
    resolved_value TEXT NULL,
    resolved_by    TEXT NOT NULL DEFAULT '',
    resolved_at    TIMESTAMP NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, resource_id) REFERENCES resources (org_id, id) ON DELETE CASCADE
);
CREATE INDEX tag_conflicts_open ON tag_conflicts (org_id, status, detected_at);

-- +goose Down
DROP TABLE tag_conflicts;
DROP TABLE tag_changes;
DROP TABLE tag_policies;
DROP TABLE tag_aliases;
DROP TABLE resources;
