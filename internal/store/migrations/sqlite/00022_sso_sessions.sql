-- +goose Up
-- sso_sessions: how a Canopy session was signed in with single sign-on,
-- for single logout. token_hash is the session's (sessions.token_hash).
-- Sign-out sends the browser to the identity provider with what it needs:
-- SAML the NameID (with its format and qualifiers) and SessionIndex, OpenID
-- Connect the ID token (sealed with the key vault) for id_token_hint. An
-- IdP-initiated SAML LogoutRequest finds the sessions to end by
-- connection + subject (+ session index) here, so every node sees it.
CREATE TABLE sso_sessions (
    token_hash        TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    user_id           TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    connection_id     TEXT NOT NULL,
    subject           TEXT NOT NULL,
    name_id_format    TEXT NOT NULL DEFAULT '',
    name_qualifier    TEXT NOT NULL DEFAULT '',
    sp_name_qualifier TEXT NOT NULL DEFAULT '',
    session_index     TEXT NOT NULL DEFAULT '',
    oidc_sid          TEXT NOT NULL DEFAULT '',
    id_token          TEXT NOT NULL DEFAULT '',
    created_at        TIMESTAMP NOT NULL
);
CREATE INDEX sso_sessions_subject ON sso_sessions (connection_id, subject);

-- +goose Down
DROP TABLE sso_sessions;
