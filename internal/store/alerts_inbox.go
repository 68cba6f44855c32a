package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// Alert statuses.
const (
	AlertOpen         = "open"
	AlertAcknowledged = "acknowledged"
	AlertMuted        = "muted"
)

// Alert is one entry of an organisation's alert inbox: what a rule found
// on a day about a subject (a dimension value or a reservation; "" for
// the rule's whole scope). Amount and Baseline are exact decimals.
type Alert struct {
	OrgID, ID, RuleID, RuleName, Kind string
	Day                               time.Time
	SubjectDim, Subject, SubjectLabel string
	Severity, Status, Message         string
	Amount, Baseline, Currency        string
	Link                              string
	AckedBy                           string
	AckedAt                           *time.Time
	CreatedAt                         time.Time
}

const alertCols = `org_id, id, rule_id, rule_name, kind, day, subject_dim, subject, subject_label, severity, status,
	message, amount, baseline, currency, link, acked_by, acked_at, created_at`

func scanAlert(s scanner) (Alert, error) {
	var a Alert
	var acked sql.NullTime
	err := s.Scan(&a.OrgID, &a.ID, &a.RuleID, &a.RuleName, &a.Kind, &a.Day, &a.SubjectDim, &a.Subject, &a.SubjectLabel,
		&a.Severity, &a.Status, &a.Message, &a.Amount, &a.Baseline, &a.Currency, &a.Link, &a.AckedBy, &acked, &a.CreatedAt)
	a.Day, a.CreatedAt, a.AckedAt = a.Day.UTC(), a.CreatedAt.UTC(), timePtr(acked)
	return a, err
}

// InsertAlert stores a unless the organisation already has an alert of
// the same rule, day and subject; it reports whether a was stored. The
// unique key makes this safe when two workers evaluate the same day.
func (q *Queries) InsertAlert(ctx context.Context, a Alert) (bool, error) {
	res, err := q.w().exec(ctx, `INSERT INTO alerts (`+alertCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (org_id, rule_id, day, subject) DO NOTHING`,
		a.OrgID, a.ID, a.RuleID, a.RuleName, a.Kind, a.Day.UTC(), a.SubjectDim, a.Subject, a.SubjectLabel, a.Severity,
		a.Status, a.Message, a.Amount, a.Baseline, a.Currency, a.Link, a.AckedBy, optTime(a.AckedAt), a.CreatedAt.UTC())
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// AlertFilter narrows the inbox; zero values do not restrict.
type AlertFilter struct {
	Statuses []string
	Kind     string
	RuleID   string
	Severity string
	Limit    int // default 200
}

// ListAlerts returns the organisation's alerts, newest day first.
func (q *Queries) ListAlerts(ctx context.Context, orgID string, f AlertFilter) ([]Alert, error) {
	where, args := []string{"org_id = ?"}, []any{orgID}
	if len(f.Statuses) > 0 {
		where = append(where, "status IN (?"+strings.Repeat(", ?", len(f.Statuses)-1)+")")
		for _, s := range f.Statuses {
			args = append(args, s)
		}
	}
	for _, c := range []struct{ col, v string }{{"kind", f.Kind}, {"rule_id", f.RuleID}, {"severity", f.Severity}} {
		if c.v != "" {
			where, args = append(where, c.col+" = ?"), append(args, c.v)
		}
	}
	if f.Limit <= 0 {
		f.Limit = 200
	}
	rows, err := q.r().query(ctx, `SELECT `+alertCols+` FROM alerts WHERE `+strings.Join(where, " AND ")+
		` ORDER BY day DESC, created_at DESC, id LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanAlert)
}

// GetAlert returns one alert of the organisation.
func (q *Queries) GetAlert(ctx context.Context, orgID, id string) (Alert, error) {
	a, err := scanAlert(q.w().row(ctx, `SELECT `+alertCols+` FROM alerts WHERE org_id = ? AND id = ?`, orgID, id))
	return a, notFound(err, "alert")
}

// AckAlert marks an alert acknowledged by who at at.
func (q *Queries) AckAlert(ctx context.Context, orgID, id, who string, at time.Time) error {
	res, err := q.w().exec(ctx, `UPDATE alerts SET status = ?, acked_by = ?, acked_at = ? WHERE org_id = ? AND id = ?`,
		AlertAcknowledged, who, at.UTC(), orgID, id)
	return mustAffect(res, err, "alert")
}

// MuteOpenAlerts marks the open alerts a new mute covers as muted; it
// returns how many.
func (q *Queries) MuteOpenAlerts(ctx context.Context, m AlertMute) (int64, error) {
	where, args := "org_id = ? AND status = ?", []any{m.OrgID, AlertOpen}
	if m.RuleID != "" {
		where, args = where+" AND rule_id = ?", append(args, m.RuleID)
	}
	if m.SubjectDim != "" {
		where, args = where+" AND subject_dim = ? AND subject = ?", append(args, m.SubjectDim, m.Subject)
	}
	res, err := q.w().exec(ctx, `UPDATE alerts SET status = ? WHERE `+where, append([]any{AlertMuted}, args...)...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// AlertMute silences a rule, or a subject under any rule, until Until
// (nil: until removed).
type AlertMute struct {
	OrgID, ID, RuleID, SubjectDim, Subject string
	Until                                  *time.Time
	CreatedBy                              string
	CreatedAt                              time.Time
}

const muteCols = `org_id, id, rule_id, subject_dim, subject, until_at, created_by, created_at`

func scanMute(s scanner) (AlertMute, error) {
	var m AlertMute
	var until sql.NullTime
	err := s.Scan(&m.OrgID, &m.ID, &m.RuleID, &m.SubjectDim, &m.Subject, &until, &m.CreatedBy, &m.CreatedAt)
	m.Until, m.CreatedAt = timePtr(until), m.CreatedAt.UTC()
	return m, err
}

// CreateAlertMute stores m (ID and creation time set here).
func (q *Queries) CreateAlertMute(ctx context.Context, m AlertMute) (AlertMute, error) {
	m.ID, m.CreatedAt = domain.NewID("mut_"), domain.Now()
	_, err := q.w().exec(ctx, `INSERT INTO alert_mutes (`+muteCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		m.OrgID, m.ID, m.RuleID, m.SubjectDim, m.Subject, optTime(m.Until), m.CreatedBy, m.CreatedAt)
	return m, err
}

// DeleteAlertMute removes a mute (unmute).
func (q *Queries) DeleteAlertMute(ctx context.Context, orgID, id string) error {
	res, err := q.w().exec(ctx, `DELETE FROM alert_mutes WHERE org_id = ? AND id = ?`, orgID, id)
	return mustAffect(res, err, "mute")
}

// ActiveAlertMutes lists the mutes in force at at, newest first.
func (q *Queries) ActiveAlertMutes(ctx context.Context, orgID string, at time.Time) ([]AlertMute, error) {
	rows, err := q.w().query(ctx, `SELECT `+muteCols+` FROM alert_mutes WHERE org_id = ? AND (until_at IS NULL OR until_at > ?)
		ORDER BY created_at DESC, id`, orgID, at.UTC())
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanMute)
}
