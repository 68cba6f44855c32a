-- +goose Up
-- Microsoft 365 service accounts with client-side encryption (issue 10).
-- collector_keys: the installation's collector key pairs (RSA). The public
-- key is served as a JWK to browsers and API clients, which encrypt a
-- service account's password to it (JWE, RSA-OAEP-256 + A256GCM); the
-- private key is stored only sealed by the KeyVault and opened only by the
-- collector (the Microsoft 365 sync job and key rotation). At most one key
-- is active; rotation retires it. Keys belong to the installation, not to
-- an organisation.
CREATE TABLE collector_keys (
    kid            TEXT PRIMARY KEY,
    status         TEXT NOT NULL CHECK (status IN ('active', 'retired')),
    public_jwk     TEXT NOT NULL,
    private_sealed TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    retired_at     TIMESTAMP NULL
);
CREATE UNIQUE INDEX collector_keys_one_active ON collector_keys (status) WHERE status = 'active';

-- One user-context service account per Microsoft 365 connection: the user
-- principal name in clear, the password only as the compact JWE the
-- browser or API client made (never decrypted by the web process).
-- check_state is what the collector last saw: unverified (set, not used
-- yet), ok, wrong_password or failed (check_detail says why).
CREATE TABLE m365_service_accounts (
    connection_id TEXT PRIMARY KEY REFERENCES connections (id) ON DELETE CASCADE,
    org_id        TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    username      TEXT NOT NULL,
    password_jwe  TEXT NOT NULL,
    kid           TEXT NOT NULL REFERENCES collector_keys (kid),
    set_at        TIMESTAMP NOT NULL,
    set_by        TEXT NOT NULL DEFAULT '',
    last_used_at  TIMESTAMP NULL,
    check_state   TEXT NOT NULL DEFAULT 'unverified',
    check_detail  TEXT NOT NULL DEFAULT '',
    checked_at    TIMESTAMP NULL
);
CREATE INDEX m365_service_accounts_org ON m365_service_accounts (org_id);
CREATE INDEX m365_service_accounts_kid ON m365_service_accounts (kid);

-- +goose Down
DROP TABLE m365_service_accounts;
DROP TABLE collector_keys;
