package store

import (
	"context"
	"database/sql"
	"time"
)

// AlertSchedule is an organisation's daily evaluation: its hour (nil: the
// installation's default) and the last day the scheduler claimed.
type AlertSchedule struct {
	OrgID      string
	Hour       *int
	LastRunDay *time.Time
}

// AlertSchedules lists every organisation with its alert schedule (orgs
// without a settings row have neither hour nor last run).
func (q *Queries) AlertSchedules(ctx context.Context) ([]AlertSchedule, error) {
	rows, err := q.w().query(ctx, `SELECT o.id, s.hour, s.last_run_day FROM orgs o
		LEFT JOIN alert_settings s ON s.org_id = o.id ORDER BY o.id`)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(s scanner) (AlertSchedule, error) {
		var a AlertSchedule
		var hour sql.NullInt64
		var last sql.NullTime
		err := s.Scan(&a.OrgID, &hour, &last)
		if hour.Valid {
			h := int(hour.Int64)
			a.Hour = &h
		}
		a.LastRunDay = timePtr(last)
		return a, err
	})
}

// AlertSchedule returns one organisation's schedule.
func (q *Queries) AlertSchedule(ctx context.Context, orgID string) (AlertSchedule, error) {
	a := AlertSchedule{OrgID: orgID}
	var hour sql.NullInt64
	var last sql.NullTime
	err := q.w().row(ctx, `SELECT hour, last_run_day FROM alert_settings WHERE org_id = ?`, orgID).Scan(&hour, &last)
	if err == sql.ErrNoRows {
		return a, nil
	}
	if hour.Valid {
		h := int(hour.Int64)
		a.Hour = &h
	}
	a.LastRunDay = timePtr(last)
	return a, err
}

// SetAlertHour sets (or, nil, clears) the organisation's evaluation hour.
func (q *Queries) SetAlertHour(ctx context.Context, orgID string, hour *int) error {
	var h any
	if hour != nil {
		h = *hour
	}
	_, err := q.w().exec(ctx, `INSERT INTO alert_settings (org_id, hour) VALUES (?, ?)
		ON CONFLICT (org_id) DO UPDATE SET hour = excluded.hour`, orgID, h)
	return err
}

// ClaimAlertRun records that day's evaluation of the organisation as
// taken and reports whether this caller took it: of several schedulers
// racing for the same day exactly one gets true.
func (q *Queries) ClaimAlertRun(ctx context.Context, orgID string, day time.Time) (bool, error) {
	if _, err := q.w().exec(ctx, `INSERT INTO alert_settings (org_id) VALUES (?) ON CONFLICT (org_id) DO NOTHING`, orgID); err != nil {
		return false, err
	}
	res, err := q.w().exec(ctx, `UPDATE alert_settings SET last_run_day = ?
		WHERE org_id = ? AND (last_run_day IS NULL OR last_run_day < ?)`, day.UTC(), orgID, day.UTC())
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
