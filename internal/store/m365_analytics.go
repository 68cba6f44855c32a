package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"
)

// M365UsageRow is one row of a Microsoft 365 usage report on one report
// date: a user (EntityKey is the user principal name, or its 32-hex hash
// when the tenant conceals names) or, in the SharePoint site report, a
// site (its site ID). Dates are "YYYY-MM-DD", "" for none.
type M365UsageRow struct {
	Report, ReportDate, EntityKey         string
	ObjectID, DisplayName, Owner          string
	Services, Products                    string // comma-separated licensed services; "+"-joined products
	ExchangeLast, OneDriveLast            string
	SharePointLast, TeamsLast, YammerLast string
	LastActivity                          string
	ItemCount, StorageBytes               int64
	FileCount, ActiveFileCount, PageViews int64
	ChatMessages, Calls, Meetings         int64
}

// M365UsageImport is one imported report of a connection for one report
// date, with its totals (Summary, JSON) for trends.
type M365UsageImport struct {
	OrgID, ConnectionID, Report, ReportDate, Period string
	Rows                                            int
	Concealed                                       bool
	Summary                                         json.RawMessage
	ImportedAt                                      time.Time
}

// M365LicenceSnapshot is one SKU's seats on one day.
type M365LicenceSnapshot struct {
	ConnectionID, SnapshotDate, SkuID, SkuPartNumber string
	Purchased, Assigned                              int64
}

// M365ReportState is how a connection's last usage import went.
type M365ReportState struct {
	OrgID, ConnectionID string
	LastAttemptAt       time.Time
	LastImportAt        *time.Time // nil: never imported
	ReportDate          string     // latest report date imported
	Concealed           bool       // names are concealed (setting or rows)
	ConcealedSetting    bool       // admin/reportSettings says so
	ConcealedRows       bool       // rows carried hashed names
	ErrorKind           string     // "", "not_authorized" or "failed"
	LastError           string
}

const usageRowCols = `report, report_date, entity_key, object_id, display_name, owner, services, products,
	exchange_last, onedrive_last, sharepoint_last, teams_last, yammer_last, last_activity, item_count, storage_bytes,
	file_count, active_file_count, page_views, chat_messages, calls, meetings`

// ReplaceM365Usage stores a connection's report for one report date,
// replacing what an earlier import of the same report and date stored.
func (s *Store) ReplaceM365Usage(ctx context.Context, imp M365UsageImport, rows []M365UsageRow) error {
	return s.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.GetConnection(ctx, imp.OrgID, imp.ConnectionID); err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM m365_usage_rows WHERE org_id = ? AND connection_id = ? AND report = ? AND report_date = ?`,
			`DELETE FROM m365_usage_imports WHERE org_id = ? AND connection_id = ? AND report = ? AND report_date = ?`} {
			if _, err := tx.w().exec(ctx, q, imp.OrgID, imp.ConnectionID, imp.Report, imp.ReportDate); err != nil {
				return err
			}
		}
		for _, r := range rows {
			if _, err := tx.w().exec(ctx, `INSERT INTO m365_usage_rows (org_id, connection_id, `+usageRowCols+`)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (connection_id, report, report_date, entity_key) DO NOTHING`,
				imp.OrgID, imp.ConnectionID, imp.Report, imp.ReportDate, r.EntityKey, r.ObjectID, r.DisplayName, r.Owner,
				r.Services, r.Products, r.ExchangeLast, r.OneDriveLast, r.SharePointLast, r.TeamsLast, r.YammerLast,
				r.LastActivity, r.ItemCount, r.StorageBytes, r.FileCount, r.ActiveFileCount, r.PageViews, r.ChatMessages,
				r.Calls, r.Meetings); err != nil {
				return err
			}
		}
		summary := string(imp.Summary)
		if summary == "" {
			summary = "{}"
		}
		_, err := tx.w().exec(ctx, `INSERT INTO m365_usage_imports (org_id, connection_id, report, report_date, period,
			rows_read, concealed, summary, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, imp.OrgID, imp.ConnectionID,
			imp.Report, imp.ReportDate, imp.Period, len(rows), imp.Concealed, summary, imp.ImportedAt.UTC())
		return err
	})
}

// ReplaceM365LicenceSnapshot stores a connection's seats per SKU for one
// day, replacing an earlier snapshot of that day.
func (s *Store) ReplaceM365LicenceSnapshot(ctx context.Context, orgID, connectionID, day string, skus []M365LicenceSnapshot) error {
	return s.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.w().exec(ctx, `DELETE FROM m365_licence_snapshots WHERE org_id = ? AND connection_id = ? AND snapshot_date = ?`,
			orgID, connectionID, day); err != nil {
			return err
		}
		for _, k := range skus {
			if _, err := tx.w().exec(ctx, `INSERT INTO m365_licence_snapshots (org_id, connection_id, snapshot_date, sku_id,
				sku_part_number, purchased, assigned) VALUES (?, ?, ?, ?, ?, ?, ?)`, orgID, connectionID, day, k.SkuID,
				k.SkuPartNumber, k.Purchased, k.Assigned); err != nil {
				return err
			}
		}
		return nil
	})
}

// SaveM365ReportState records how a connection's usage import went.
func (s *Store) SaveM365ReportState(ctx context.Context, st M365ReportState) error {
	return s.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.w().exec(ctx, `DELETE FROM m365_report_state WHERE org_id = ? AND connection_id = ?`, st.OrgID, st.ConnectionID); err != nil {
			return err
		}
		_, err := tx.w().exec(ctx, `INSERT INTO m365_report_state (connection_id, org_id, last_attempt_at, last_import_at,
			report_date, concealed, concealed_setting, concealed_rows, error_kind, last_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			st.ConnectionID, st.OrgID, st.LastAttemptAt.UTC(), optTime(st.LastImportAt), st.ReportDate, st.Concealed,
			st.ConcealedSetting, st.ConcealedRows, st.ErrorKind, st.LastError)
		return err
	})
}

// M365ReportState returns a connection's usage import state (nil: none
// was ever attempted).
func (q *Queries) M365ReportState(ctx context.Context, orgID, connectionID string) (*M365ReportState, error) {
	var st M365ReportState
	var last sql.NullTime
	err := q.w().row(ctx, `SELECT org_id, connection_id, last_attempt_at, last_import_at, report_date, concealed,
		concealed_setting, concealed_rows, error_kind, last_error FROM m365_report_state WHERE org_id = ? AND connection_id = ?`,
		orgID, connectionID).Scan(&st.OrgID, &st.ConnectionID, &st.LastAttemptAt, &last, &st.ReportDate, &st.Concealed,
		&st.ConcealedSetting, &st.ConcealedRows, &st.ErrorKind, &st.LastError)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	st.LastAttemptAt, st.LastImportAt = st.LastAttemptAt.UTC(), timePtr(last)
	return &st, nil
}

// M365UsageImports returns a connection's imports of report, oldest
// report date first, from the date from ("" for all).
func (q *Queries) M365UsageImports(ctx context.Context, orgID, connectionID, report, from string) ([]M365UsageImport, error) {
	rows, err := q.w().query(ctx, `SELECT org_id, connection_id, report, report_date, period, rows_read, concealed, summary,
		imported_at FROM m365_usage_imports WHERE org_id = ? AND connection_id = ? AND report = ? AND report_date >= ?
		ORDER BY report_date`, orgID, connectionID, report, from)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(s scanner) (M365UsageImport, error) {
		var i M365UsageImport
		var summary string
		err := s.Scan(&i.OrgID, &i.ConnectionID, &i.Report, &i.ReportDate, &i.Period, &i.Rows, &i.Concealed, &summary, &i.ImportedAt)
		i.Summary, i.ImportedAt = json.RawMessage(summary), i.ImportedAt.UTC()
		return i, err
	})
}

// M365UsageRows returns a connection's rows of report on one report date,
// ordered by entity key.
func (q *Queries) M365UsageRows(ctx context.Context, orgID, connectionID, report, date string) ([]M365UsageRow, error) {
	rows, err := q.w().query(ctx, `SELECT `+usageRowCols+` FROM m365_usage_rows WHERE org_id = ? AND connection_id = ?
		AND report = ? AND report_date = ? ORDER BY entity_key`, orgID, connectionID, report, date)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(s scanner) (M365UsageRow, error) {
		var r M365UsageRow
		err := s.Scan(&r.Report, &r.ReportDate, &r.EntityKey, &r.ObjectID, &r.DisplayName, &r.Owner, &r.Services, &r.Products,
			&r.ExchangeLast, &r.OneDriveLast, &r.SharePointLast, &r.TeamsLast, &r.YammerLast, &r.LastActivity, &r.ItemCount,
			&r.StorageBytes, &r.FileCount, &r.ActiveFileCount, &r.PageViews, &r.ChatMessages, &r.Calls, &r.Meetings)
		return r, err
	})
}

// M365LicenceSnapshots returns a connection's licence snapshots from the
// day from ("" for all), oldest first.
func (q *Queries) M365LicenceSnapshots(ctx context.Context, orgID, connectionID, from string) ([]M365LicenceSnapshot, error) {
	rows, err := q.w().query(ctx, `SELECT connection_id, snapshot_date, sku_id, sku_part_number, purchased, assigned
		FROM m365_licence_snapshots WHERE org_id = ? AND connection_id = ? AND snapshot_date >= ?
		ORDER BY snapshot_date, sku_part_number, sku_id`, orgID, connectionID, from)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(s scanner) (M365LicenceSnapshot, error) {
		var k M365LicenceSnapshot
		err := s.Scan(&k.ConnectionID, &k.SnapshotDate, &k.SkuID, &k.SkuPartNumber, &k.Purchased, &k.Assigned)
		return k, err
	})
}
