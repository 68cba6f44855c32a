-- +goose Up
-- Delegation & Policy Control, third slice (issue 10).
-- manager_id: the user's manager (object ID, '' none), imported with
-- $expand=manager; OU rules may scope by manager and reporting line.
-- mfa_registered: 'true' / 'false' from Graph's authentication methods
-- registration report, '' unknown (never read, or the report was not
-- readable); a write of '' keeps the stored value.
ALTER TABLE m365_users ADD COLUMN manager_id TEXT NOT NULL DEFAULT '';
ALTER TABLE m365_users ADD COLUMN mfa_registered TEXT NOT NULL DEFAULT '';
CREATE INDEX m365_group_members_group ON m365_group_members (org_id, connection_id, group_id);

-- auto_remediate: the OU's configuration policy is remediated through
-- Graph after every directory sync of its connection.
ALTER TABLE m365_ous ADD COLUMN auto_remediate BOOLEAN NOT NULL DEFAULT FALSE;

-- A licence unit reserved by an execution between its quota check and
-- the snapshot write (so executions on other nodes count it). Rows are
-- removed when the execution ends; expires_at bounds a crashed one's.
CREATE TABLE m365_licence_reservations (
    org_id        TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    connection_id TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    sku_id        TEXT NOT NULL,
    object_id     TEXT NOT NULL,
    execution_id  TEXT NOT NULL,
    expires_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (connection_id, sku_id, object_id)
);
CREATE INDEX m365_licence_reservations_exec ON m365_licence_reservations (execution_id);

-- +goose Down
DROP TABLE m365_licence_reservations;
ALTER TABLE m365_ous DROP COLUMN auto_remediate;
DROP INDEX m365_group_members_group;
ALTER TABLE m365_users DROP COLUMN mfa_registered;
ALTER TABLE m365_users DROP COLUMN manager_id;
