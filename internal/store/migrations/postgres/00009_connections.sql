-- +goose Up
-- Cloud connections (issue 5): what Canopy syncs from, each sync's run,
-- and the latest connection-doctor result per feature. The secret is
-- sealed with the key vault (bound to the row's ID); settings hold only
-- non-secret values.
CREATE TABLE connections (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL,
    name           TEXT NOT NULL,
    settings       TEXT NOT NULL DEFAULT '{}',
    secret         BYTEA NULL,
    sync_hour      INTEGER NOT NULL DEFAULT 3,
    enabled        BOOLEAN NOT NULL DEFAULT TRUE,
    -- new (never synced), ok, partial, failed: the last sync's outcome
    status         TEXT NOT NULL DEFAULT 'new',
    -- the exclusive end day of the last successful sync window
    synced_through TIMESTAMPTZ NULL,
    last_sync_at   TIMESTAMPTZ NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX connections_org_name ON connections (org_id, name);

CREATE TABLE connection_syncs (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    connection_id  TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    -- scheduled, manual, retry
    trigger_kind   TEXT NOT NULL,
    -- queued, running, succeeded, failed, partial
    state          TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    started_at     TIMESTAMPTZ NULL,
    finished_at    TIMESTAMPTZ NULL,
    heartbeat_at   TIMESTAMPTZ NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0,
    rows_done      BIGINT NOT NULL DEFAULT 0,
    warnings       TEXT NOT NULL DEFAULT '[]',
    error          TEXT NOT NULL DEFAULT '',
    progress_done  BIGINT NOT NULL DEFAULT 0,
    progress_total BIGINT NOT NULL DEFAULT 0,
    phase          TEXT NOT NULL DEFAULT '',
    checkpoint     TEXT NOT NULL DEFAULT '',
    window_from    TIMESTAMPTZ NOT NULL,
    window_to      TIMESTAMPTZ NOT NULL
);
CREATE INDEX connection_syncs_history ON connection_syncs (org_id, connection_id, created_at);
CREATE INDEX connection_syncs_state ON connection_syncs (state, heartbeat_at);
-- The database's guard against running one connection's sync twice: at
-- most one queued or running sync per connection.
CREATE UNIQUE INDEX connection_syncs_active ON connection_syncs (connection_id) WHERE state IN ('queued', 'running');

CREATE TABLE connection_checks (
    org_id        TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    connection_id TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    feature       TEXT NOT NULL,
    position      INTEGER NOT NULL,
    needs         TEXT NOT NULL,
    granted       BOOLEAN NOT NULL,
    detail        TEXT NOT NULL DEFAULT '',
    fix           TEXT NOT NULL DEFAULT '',
    probed_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (connection_id, feature)
);

-- +goose Down
DROP TABLE connection_checks;
DROP TABLE connection_syncs;
DROP TABLE connections;
