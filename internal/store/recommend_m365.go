package store

import (
	"context"
	"time"
)

// M365Activity is one user's last activity per service in the Microsoft
// 365 Active User Detail report: dates "YYYY-MM-DD", "" for none in the
// report's period. LastAssigned is the latest licence assignment date the
// report gives. ObjectID is the directory user the row matched ("" none).
type M365Activity struct {
	ConnectionID, UserPrincipalName, ObjectID string
	Exchange, OneDrive, SharePoint            string
	Skype, Yammer, Teams, LastAssigned        string
}

// M365ActivityReport is what a sync got from the usage report: its
// refresh date, whether names were concealed, or the problem that kept it
// from being read.
type M365ActivityReport struct {
	OrgID, ConnectionID, RefreshDate string
	Concealed                        bool
	Problem                          string
	Rows                             int
	ReadAt                           time.Time
}

// SaveM365Activity records the report's outcome for the connection. The
// rows replace the stored ones only when the report was read with names
// (no problem, not concealed): otherwise the last matched rows stay.
func (s *Store) SaveM365Activity(ctx context.Context, rep M365ActivityReport, rows []M365Activity) error {
	return s.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.GetConnection(ctx, rep.OrgID, rep.ConnectionID); err != nil {
			return err
		}
		if _, err := tx.w().exec(ctx, `DELETE FROM m365_activity_reports WHERE connection_id = ? AND org_id = ?`, rep.ConnectionID, rep.OrgID); err != nil {
			return err
		}
		if _, err := tx.w().exec(ctx, `INSERT INTO m365_activity_reports (connection_id, org_id, refresh_date, concealed,
			problem, rows_read, read_at) VALUES (?, ?, ?, ?, ?, ?, ?)`, rep.ConnectionID, rep.OrgID, rep.RefreshDate,
			rep.Concealed, rep.Problem, rep.Rows, rep.ReadAt.UTC()); err != nil {
			return err
		}
		if rep.Problem != "" || rep.Concealed {
			return nil
		}
		return tx.replaceActivity(ctx, rep.OrgID, rep.ConnectionID, rows)
	})
}

func (q *Queries) replaceActivity(ctx context.Context, org, conn string, rows []M365Activity) error {
	if _, err := q.w().exec(ctx, `DELETE FROM m365_user_activity WHERE org_id = ? AND connection_id = ?`, org, conn); err != nil {
		return err
	}
	for _, a := range rows {
		if _, err := q.w().exec(ctx, `INSERT INTO m365_user_activity (org_id, connection_id, user_principal_name, object_id,
			exchange_last, onedrive_last, sharepoint_last, skype_last, yammer_last, teams_last, last_assigned)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (connection_id, user_principal_name) DO NOTHING`,
			org, conn, a.UserPrincipalName, a.ObjectID, a.Exchange, a.OneDrive, a.SharePoint, a.Skype, a.Yammer,
			a.Teams, a.LastAssigned); err != nil {
			return err
		}
	}
	return nil
}

// M365ActivityReports returns the organisation's report outcomes.
func (q *Queries) M365ActivityReports(ctx context.Context, orgID string) ([]M365ActivityReport, error) {
	rows, err := q.r().query(ctx, `SELECT org_id, connection_id, refresh_date, concealed, problem, rows_read, read_at
		FROM m365_activity_reports WHERE org_id = ? ORDER BY connection_id`, orgID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(s scanner) (M365ActivityReport, error) {
		var r M365ActivityReport
		err := s.Scan(&r.OrgID, &r.ConnectionID, &r.RefreshDate, &r.Concealed, &r.Problem, &r.Rows, &r.ReadAt)
		r.ReadAt = r.ReadAt.UTC()
		return r, err
	})
}

// M365UserActivity returns the stored activity rows of one connection.
func (q *Queries) M365UserActivity(ctx context.Context, orgID, connectionID string) ([]M365Activity, error) {
	rows, err := q.r().query(ctx, `SELECT connection_id, user_principal_name, object_id, exchange_last, onedrive_last,
		sharepoint_last, skype_last, yammer_last, teams_last, last_assigned FROM m365_user_activity
		WHERE org_id = ? AND connection_id = ? ORDER BY user_principal_name`, orgID, connectionID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(s scanner) (M365Activity, error) {
		var a M365Activity
		err := s.Scan(&a.ConnectionID, &a.UserPrincipalName, &a.ObjectID, &a.Exchange, &a.OneDrive, &a.SharePoint,
			&a.Skype, &a.Yammer, &a.Teams, &a.LastAssigned)
		return a, err
	})
}
