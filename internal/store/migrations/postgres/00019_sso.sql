-- +goose Up
-- Single sign-on (issue 9). sso_connections: an organisation's identity
-- providers; kind is oidc, azure-ad, saml, pingfederate or wsfed; settings
-- is the kind's JSON settings; secret is the client secret sealed with the
-- key vault ('' when none); claims is the JSON claim mapping; group_roles
-- is a JSON list of {group, role}; jit allows just-in-time accounts with
-- jit_role. Connection IDs are unique across organisations because the
-- callback URL names only the connection.
CREATE TABLE sso_connections (
    org_id      TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    enabled     BOOLEAN NOT NULL,
    settings    TEXT NOT NULL DEFAULT '{}',
    secret      TEXT NOT NULL DEFAULT '',
    claims      TEXT NOT NULL DEFAULT '{}',
    group_roles TEXT NOT NULL DEFAULT '[]',
    jit         BOOLEAN NOT NULL DEFAULT FALSE,
    jit_role    TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, id)
);
CREATE UNIQUE INDEX sso_connections_id ON sso_connections (id);

-- sso_domains: email domains sent to a connection (home-realm discovery);
-- a domain belongs to at most one connection across all organisations.
CREATE TABLE sso_domains (
    domain        TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    connection_id TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX sso_domains_connection ON sso_domains (org_id, connection_id);

-- sso_states: sign-ins under way at an identity provider, keyed by the
-- SHA-256 of the state parameter; used once and short-lived. verifier is
-- the PKCE code verifier sealed with the key vault.
CREATE TABLE sso_states (
    state_hash    TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    connection_id TEXT NOT NULL,
    nonce         TEXT NOT NULL,
    verifier      TEXT NOT NULL,
    next          TEXT NOT NULL DEFAULT '',
    test_by       TEXT NOT NULL DEFAULT '',
    expires_at    TIMESTAMPTZ NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX sso_states_expires ON sso_states (expires_at);

-- sso_identities: who a subject at an identity provider is in Canopy
-- (for Azure AD the subject is tenant ID + object ID).
CREATE TABLE sso_identities (
    org_id        TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    connection_id TEXT NOT NULL,
    subject       TEXT NOT NULL,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at    TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (connection_id, subject)
);

-- +goose Down
DROP TABLE sso_identities;
DROP TABLE sso_states;
DROP TABLE sso_domains;
DROP TABLE sso_connections;
