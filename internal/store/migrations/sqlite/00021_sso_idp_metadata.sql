-- +goose Up
-- sso_idp_metadata: the identity provider metadata of connections that
-- name a metadata URL (SAML, PingFederate, WS-Federation), fetched on a
-- schedule and when the connection is saved, so that sign-in does not
-- fetch it and a certificate rollover at the provider needs no step. A
-- failed refresh keeps the last good document (metadata_xml, fetched_at)
-- and records the error (last_error, error_at) for the settings page.
-- metadata_url is the URL the document came from: a connection whose URL
-- changed does not use a document of the old one.
CREATE TABLE sso_idp_metadata (
    org_id        TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    connection_id TEXT NOT NULL PRIMARY KEY,
    metadata_url  TEXT NOT NULL,
    metadata_xml  TEXT NOT NULL DEFAULT '',
    fetched_at    TIMESTAMP NULL,
    checked_at    TIMESTAMP NOT NULL,
    last_error    TEXT NOT NULL DEFAULT '',
    error_at      TIMESTAMP NULL
);
CREATE INDEX sso_idp_metadata_org ON sso_idp_metadata (org_id);

-- +goose Down
DROP TABLE sso_idp_metadata;
