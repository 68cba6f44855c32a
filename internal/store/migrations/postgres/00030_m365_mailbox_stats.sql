-- +goose Up
-- m365_mailbox_stats: per connection, day and mailbox, what Exchange
-- Online's Get-MailboxStatistics answered to the connection's user-context
-- service account (the cmdlet refuses app-only tokens). licensed: the
-- mailbox's directory user held a licence at that sync (a licensed shared
-- mailbox is waste). One snapshot per connection and day; a later sync of
-- the same day replaces it.
CREATE TABLE m365_mailbox_stats (
    org_id           TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    connection_id    TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    snapshot_date    TEXT NOT NULL,
    mailbox_id       TEXT NOT NULL,
    upn              TEXT NOT NULL DEFAULT '',
    display_name     TEXT NOT NULL DEFAULT '',
    recipient_type   TEXT NOT NULL DEFAULT '',
    total_bytes      BIGINT NOT NULL DEFAULT 0,
    item_count       BIGINT NOT NULL DEFAULT 0,
    archive_status   TEXT NOT NULL DEFAULT '',
    archive_bytes    BIGINT NOT NULL DEFAULT 0,
    last_logon_at    TIMESTAMPTZ NULL,
    licensed         BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (connection_id, snapshot_date, mailbox_id)
);
CREATE INDEX m365_mailbox_stats_org ON m365_mailbox_stats (org_id, connection_id, snapshot_date);

-- +goose Down
DROP TABLE m365_mailbox_stats;
