-- +goose Up
-- Billing files uploaded through the UI or the API (issue 4). The file is
-- kept in the database, in chunks written while the request streams, so
-- whichever worker node picks up the import job can read it. The chunks
-- are deleted when the import finishes; the upload row stays as history.
CREATE TABLE cost_uploads (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    file_name  TEXT NOT NULL,
    size_bytes BIGINT NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    -- uploading (body still arriving), queued, running, succeeded, failed
    status     TEXT NOT NULL,
    import_id  TEXT NULL,
    error      TEXT NOT NULL DEFAULT '',
    rows_done  BIGINT NOT NULL DEFAULT 0,
    bytes_done BIGINT NOT NULL DEFAULT 0,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX cost_uploads_org ON cost_uploads (org_id, created_at);
CREATE INDEX cost_uploads_status ON cost_uploads (status, updated_at);

CREATE TABLE cost_upload_chunks (
    upload_id TEXT NOT NULL REFERENCES cost_uploads (id) ON DELETE CASCADE,
    seq       INTEGER NOT NULL,
    data      BLOB NOT NULL,
    PRIMARY KEY (upload_id, seq)
);

-- +goose Down
DROP TABLE cost_upload_chunks;
DROP TABLE cost_uploads;
