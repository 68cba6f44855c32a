package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// CBExtra is a manual charge on a business unit: for one month
// (MonthTo = MonthFrom + 1 month) or from a month on (MonthTo nil).
type CBExtra struct {
	OrgID, ID, UnitID string
	Kind, Desc        string
	Amount            domain.Amount // fixed fees
	Currency          string        // fixed fees
	Percent           string        // service fees and markups, exact decimal text
	MonthFrom         time.Time
	MonthTo           *time.Time
	CreatedBy         string
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

const cbExtraCols = `org_id, id, unit_id, kind, description, amount_units, amount_nanos, currency, percent, month_from, month_to,
	created_by, created_at, updated_at`

func scanCBExtra(s scanner) (CBExtra, error) {
	var e CBExtra
	var to sql.NullTime
	err := s.Scan(&e.OrgID, &e.ID, &e.UnitID, &e.Kind, &e.Desc, &e.Amount.Units, &e.Amount.Nanos, &e.Currency, &e.Percent,
		&e.MonthFrom, &to, &e.CreatedBy, &e.CreatedAt, &e.UpdatedAt)
	e.MonthFrom, e.MonthTo, e.CreatedAt, e.UpdatedAt = e.MonthFrom.UTC(), timePtr(to), e.CreatedAt.UTC(), e.UpdatedAt.UTC()
	return e, err
}

// SaveCBExtra inserts e, or replaces the charge with its ID.
func (q *Queries) SaveCBExtra(ctx context.Context, e CBExtra, insert bool) error {
	if insert {
		_, err := q.w().exec(ctx, `INSERT INTO chargeback_extra_charges (`+cbExtraCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.OrgID, e.ID, e.UnitID, e.Kind, e.Desc, e.Amount.Units, e.Amount.Nanos, e.Currency, e.Percent, e.MonthFrom,
			optTime(e.MonthTo), e.CreatedBy, e.CreatedAt, e.UpdatedAt)
		return err
	}
	res, err := q.w().exec(ctx, `UPDATE chargeback_extra_charges SET unit_id = ?, kind = ?, description = ?,
		amount_units = ?, amount_nanos = ?, currency = ?, percent = ?, month_from = ?, month_to = ?, updated_at = ?
		WHERE org_id = ? AND id = ?`, e.UnitID, e.Kind, e.Desc, e.Amount.Units, e.Amount.Nanos, e.Currency, e.Percent,
		e.MonthFrom, optTime(e.MonthTo), e.UpdatedAt, e.OrgID, e.ID)
	return mustAffect(res, err, "extra charge")
}

// GetCBExtra returns one extra charge.
func (q *Queries) GetCBExtra(ctx context.Context, orgID, id string) (CBExtra, error) {
	e, err := scanCBExtra(q.r().row(ctx, `SELECT `+cbExtraCols+` FROM chargeback_extra_charges WHERE org_id = ? AND id = ?`, orgID, id))
	return e, notFound(err, "extra charge")
}

// DeleteCBExtra removes an extra charge.
func (q *Queries) DeleteCBExtra(ctx context.Context, orgID, id string) error {
	res, err := q.w().exec(ctx, `DELETE FROM chargeback_extra_charges WHERE org_id = ? AND id = ?`, orgID, id)
	return mustAffect(res, err, "extra charge")
}

// ListCBExtras lists the extra charges, or (month not zero) those that
// apply to the month.
func (q *Queries) ListCBExtras(ctx context.Context, orgID string, month time.Time) ([]CBExtra, error) {
	where, args := `org_id = ?`, []any{orgID}
	if !month.IsZero() {
		where += ` AND month_from <= ? AND (month_to IS NULL OR month_to > ?)`
		args = append(args, month, month)
	}
	rows, err := q.r().query(ctx, `SELECT `+cbExtraCols+` FROM chargeback_extra_charges WHERE `+where+`
		ORDER BY month_from, unit_id, kind, id`, args...)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanCBExtra)
}
