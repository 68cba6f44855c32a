-- +goose Up
-- Microsoft 365 analytics (issue 10): the five usage reports each M365
-- connection's daily sync imports, kept per report date so trends work,
-- and a daily licence snapshot per SKU. A re-import of a connection's
-- report for a date replaces that date's rows.
--
-- m365_usage_rows: one row per report, report date and user (the user
-- principal name, or the 32-hex hash when the tenant conceals names) or,
-- for the SharePoint site report, site (its site ID). Columns a report
-- has no value for stay at their default.
CREATE TABLE m365_usage_rows (
    org_id            TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    connection_id     TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    report            TEXT NOT NULL,
    report_date       TEXT NOT NULL,
    entity_key        TEXT NOT NULL,
    object_id         TEXT NOT NULL DEFAULT '',
    display_name      TEXT NOT NULL DEFAULT '',
    owner             TEXT NOT NULL DEFAULT '',
    -- comma-separated services the user is licensed for (active user report)
    services          TEXT NOT NULL DEFAULT '',
    products          TEXT NOT NULL DEFAULT '',
    exchange_last     TEXT NOT NULL DEFAULT '',
    onedrive_last     TEXT NOT NULL DEFAULT '',
    sharepoint_last   TEXT NOT NULL DEFAULT '',
    teams_last        TEXT NOT NULL DEFAULT '',
    yammer_last       TEXT NOT NULL DEFAULT '',
    last_activity     TEXT NOT NULL DEFAULT '',
    item_count        BIGINT NOT NULL DEFAULT 0,
    storage_bytes     BIGINT NOT NULL DEFAULT 0,
    file_count        BIGINT NOT NULL DEFAULT 0,
    active_file_count BIGINT NOT NULL DEFAULT 0,
    page_views        BIGINT NOT NULL DEFAULT 0,
    chat_messages     BIGINT NOT NULL DEFAULT 0,
    calls             BIGINT NOT NULL DEFAULT 0,
    meetings          BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (connection_id, report, report_date, entity_key)
);
CREATE INDEX m365_usage_rows_org ON m365_usage_rows (org_id, connection_id, report, report_date);

-- m365_usage_imports: which report dates a connection holds, per report.
CREATE TABLE m365_usage_imports (
    org_id        TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    connection_id TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    report        TEXT NOT NULL,
    report_date   TEXT NOT NULL,
    period        TEXT NOT NULL DEFAULT '',
    rows_read     INTEGER NOT NULL DEFAULT 0,
    concealed     BOOLEAN NOT NULL DEFAULT FALSE,
    -- the report's totals for the date (JSON: active and inactive users
    -- per service, storage, files, page views, chats...), for trends
    summary       TEXT NOT NULL DEFAULT '{}',
    imported_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (connection_id, report, report_date)
);
CREATE INDEX m365_usage_imports_org ON m365_usage_imports (org_id, connection_id, report_date);

-- m365_licence_snapshots: per day and SKU, seats purchased (enabled
-- prepaid units) and assigned (consumed units).
CREATE TABLE m365_licence_snapshots (
    org_id          TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    connection_id   TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    snapshot_date   TEXT NOT NULL,
    sku_id          TEXT NOT NULL,
    sku_part_number TEXT NOT NULL DEFAULT '',
    purchased       BIGINT NOT NULL DEFAULT 0,
    assigned        BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (connection_id, snapshot_date, sku_id)
);
CREATE INDEX m365_licence_snapshots_org ON m365_licence_snapshots (org_id, connection_id, snapshot_date);

-- m365_report_state: per connection, how the last usage import went:
-- when it last succeeded, whether names are concealed (the tenant's
-- report setting and/or hashed names in rows), and the last error with
-- its kind (not_authorized: consent missing or revoked, or
-- Reports.Read.All not granted; failed: anything else).
CREATE TABLE m365_report_state (
    connection_id      TEXT PRIMARY KEY REFERENCES connections (id) ON DELETE CASCADE,
    org_id             TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    last_attempt_at    TIMESTAMPTZ NOT NULL,
    last_import_at     TIMESTAMPTZ NULL,
    report_date        TEXT NOT NULL DEFAULT '',
    concealed          BOOLEAN NOT NULL DEFAULT FALSE,
    concealed_setting  BOOLEAN NOT NULL DEFAULT FALSE,
    concealed_rows     BOOLEAN NOT NULL DEFAULT FALSE,
    error_kind         TEXT NOT NULL DEFAULT '',
    last_error         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX m365_report_state_org ON m365_report_state (org_id);

-- +goose Down
DROP TABLE m365_report_state;
DROP TABLE m365_licence_snapshots;
DROP TABLE m365_usage_imports;
DROP TABLE m365_usage_rows;
