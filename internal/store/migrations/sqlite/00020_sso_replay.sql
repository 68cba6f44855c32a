-- +goose Up
-- sso_replay: assertion IDs of SAML responses already accepted, per
-- connection, kept until the assertion expires; shared by every node so a
-- response replayed to another node is refused too. Inserted with ON
-- CONFLICT DO NOTHING: no row inserted means a replay. Expired rows are
-- swept when a new one is recorded.
CREATE TABLE sso_replay (
    org_id        TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    connection_id TEXT NOT NULL,
    assertion_id  TEXT NOT NULL,
    expires_at    TIMESTAMP NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (connection_id, assertion_id)
);
CREATE INDEX sso_replay_expires ON sso_replay (expires_at);

-- +goose Down
DROP TABLE sso_replay;
