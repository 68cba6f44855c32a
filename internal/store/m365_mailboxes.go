package store

import (
	"context"
	"database/sql"
	"time"
)

// M365MailboxStat is one mailbox of a day's Exchange Online mailbox
// statistics (Get-MailboxStatistics through the connection's service
// account).
type M365MailboxStat struct {
	SnapshotDate  string
	MailboxID     string // the directory user's object ID
	UPN           string
	DisplayName   string
	RecipientType string // UserMailbox, SharedMailbox, RoomMailbox ...
	TotalBytes    int64
	ItemCount     int64
	ArchiveStatus string
	ArchiveBytes  int64
	LastLogonAt   *time.Time
	Licensed      bool
}

// ReplaceM365MailboxStats stores a connection's mailbox statistics for one
// day, replacing an earlier snapshot of that day (a sync run twice a day
// keeps one).
func (s *Store) ReplaceM365MailboxStats(ctx context.Context, orgID, connectionID, day string, rows []M365MailboxStat) error {
	if _, err := s.GetConnection(ctx, orgID, connectionID); err != nil {
		return err
	}
	return s.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.w().exec(ctx, `DELETE FROM m365_mailbox_stats WHERE org_id = ? AND connection_id = ? AND snapshot_date = ?`,
			orgID, connectionID, day); err != nil {
			return err
		}
		for _, m := range rows {
			if _, err := tx.w().exec(ctx, `INSERT INTO m365_mailbox_stats (org_id, connection_id, snapshot_date, mailbox_id, upn,
				display_name, recipient_type, total_bytes, item_count, archive_status, archive_bytes, last_logon_at, licensed)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (connection_id, snapshot_date, mailbox_id) DO NOTHING`,
				orgID, connectionID, day, m.MailboxID, m.UPN, m.DisplayName, m.RecipientType, m.TotalBytes, m.ItemCount,
				m.ArchiveStatus, m.ArchiveBytes, optTime(m.LastLogonAt), m.Licensed); err != nil {
				return err
			}
		}
		return nil
	})
}

// LatestM365MailboxStats returns the connection's newest day of mailbox
// statistics (nil when none was stored), largest mailbox first.
func (q *Queries) LatestM365MailboxStats(ctx context.Context, orgID, connectionID string) ([]M365MailboxStat, error) {
	rows, err := q.r().query(ctx, `SELECT snapshot_date, mailbox_id, upn, display_name, recipient_type, total_bytes, item_count,
		archive_status, archive_bytes, last_logon_at, licensed FROM m365_mailbox_stats
		WHERE org_id = ? AND connection_id = ? AND snapshot_date = (SELECT MAX(snapshot_date) FROM m365_mailbox_stats
			WHERE org_id = ? AND connection_id = ?)
		ORDER BY total_bytes DESC, mailbox_id`, orgID, connectionID, orgID, connectionID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(s scanner) (M365MailboxStat, error) {
		var m M365MailboxStat
		var logon sql.NullTime
		err := s.Scan(&m.SnapshotDate, &m.MailboxID, &m.UPN, &m.DisplayName, &m.RecipientType, &m.TotalBytes, &m.ItemCount,
			&m.ArchiveStatus, &m.ArchiveBytes, &logon, &m.Licensed)
		m.LastLogonAt = utcPtr(logon)
		return m, err
	})
}
