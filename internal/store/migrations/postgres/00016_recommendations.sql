-- +goose Up
-- Recommendations (issue 7): ways to save that a connection's source
-- proposes (AWS Trusted Advisor and Cost Explorer, Azure Advisor) or that
-- Canopy derives from a Microsoft 365 directory. A sync replaces one
-- connection's recommendations of a source: rows are keyed by the
-- source's stable key, so a re-sync updates them; a row the source no
-- longer lists is kept (history) with gone_at set, and an open one
-- becomes "resolved" (resolved at source).
--   source_savings/source_currency: the source's monthly estimate (exact
--   decimal text, '' when it gives none); licences: for Canopy's own
--   licence recommendations, [{"sku_part_number": "SPE_E3", "seats": 2}]
--   valued at the organisation's licence prices when read.
--   status: open, dismissed (status_reason required), done, resolved.
CREATE TABLE recommendations (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    connection_id   TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    source          TEXT NOT NULL,
    source_key      TEXT NOT NULL,
    category        TEXT NOT NULL,
    account         TEXT NOT NULL DEFAULT '',
    resource_id     TEXT NOT NULL DEFAULT '',
    region          TEXT NOT NULL DEFAULT '',
    title           TEXT NOT NULL,
    detail          TEXT NOT NULL DEFAULT '',
    source_savings  TEXT NOT NULL DEFAULT '',
    source_currency TEXT NOT NULL DEFAULT '',
    licences        TEXT NOT NULL DEFAULT '[]',
    status          TEXT NOT NULL DEFAULT 'open',
    status_reason   TEXT NOT NULL DEFAULT '',
    status_by       TEXT NOT NULL DEFAULT '',
    status_at       TIMESTAMPTZ NULL,
    done_at         TIMESTAMPTZ NULL,
    first_seen      TIMESTAMPTZ NOT NULL,
    last_seen       TIMESTAMPTZ NOT NULL,
    gone_at         TIMESTAMPTZ NULL,
    UNIQUE (connection_id, source, source_key)
);
CREATE INDEX recommendations_org ON recommendations (org_id, status, category);

-- m365_user_activity: each user's last activity per service from the
-- Microsoft 365 Active User Detail report (D180) of the connection's last
-- sync; dates are 'YYYY-MM-DD' ('' = no activity in the report's period).
-- object_id is the directory user the report row matched by user
-- principal name ('' when none did).
CREATE TABLE m365_user_activity (
    org_id              TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    connection_id       TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    user_principal_name TEXT NOT NULL,
    object_id           TEXT NOT NULL DEFAULT '',
    exchange_last       TEXT NOT NULL DEFAULT '',
    onedrive_last       TEXT NOT NULL DEFAULT '',
    sharepoint_last     TEXT NOT NULL DEFAULT '',
    skype_last          TEXT NOT NULL DEFAULT '',
    yammer_last         TEXT NOT NULL DEFAULT '',
    teams_last          TEXT NOT NULL DEFAULT '',
    last_assigned       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (connection_id, user_principal_name)
);

-- m365_activity_reports: what the connection's last sync got from the
-- usage report: its refresh date (last day of data), whether names were
-- concealed (then no row above can be matched and none is stored), or
-- why it could not be read.
CREATE TABLE m365_activity_reports (
    connection_id TEXT PRIMARY KEY REFERENCES connections (id) ON DELETE CASCADE,
    org_id        TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    refresh_date  TEXT NOT NULL DEFAULT '',
    concealed     BOOLEAN NOT NULL DEFAULT FALSE,
    problem       TEXT NOT NULL DEFAULT '',
    rows_read     INTEGER NOT NULL DEFAULT 0,
    read_at       TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE m365_activity_reports;
DROP TABLE m365_user_activity;
DROP TABLE recommendations;
