package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/domain"
)

const dayLayout = "2006-01-02"

// RatesSaved reports what UpsertRates changed.
type RatesSaved struct {
	Added, Corrected, Unchanged int
}

// UpsertRates stores rates for an org; a rate that differs from the stored
// one for its day is corrected and the change kept in the history. Call it
// inside a transaction (Tx) so a file of rates lands whole or not at all.
func (q *Queries) UpsertRates(ctx context.Context, orgID string, rates []domain.FXRate, by string, at time.Time) (RatesSaved, error) {
	var res RatesSaved
	for _, r := range rates {
		prev, err := q.rate(ctx, orgID, r)
		if err != nil {
			return res, err
		}
		if prev != nil && prev.Cmp(r.Value) == 0 {
			res.Unchanged++
			continue
		}
		if err := q.putRate(ctx, orgID, r, prev, by, at); err != nil {
			return res, err
		}
		if prev == nil {
			res.Added++
		} else {
			res.Corrected++
		}
	}
	return res, nil
}

func (q *Queries) rate(ctx context.Context, orgID string, r domain.FXRate) (*apd.Decimal, error) {
	var s string
	err := q.w().row(ctx, `SELECT rate FROM fx_rates WHERE org_id = ? AND base = ? AND quote = ? AND day = ?`,
		orgID, string(r.Base), string(r.Quote), r.Day.Format(dayLayout)).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	d, _, err := apd.NewFromString(s)
	return d, err
}

func (q *Queries) putRate(ctx context.Context, orgID string, r domain.FXRate, prev *apd.Decimal, by string, at time.Time) error {
	day, val := r.Day.Format(dayLayout), r.Value.Text('f')
	_, err := q.w().exec(ctx, `INSERT INTO fx_rates (org_id, day, base, quote, rate, source, updated_at, updated_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (org_id, base, quote, day) DO UPDATE SET rate = excluded.rate,
		source = excluded.source, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		orgID, day, string(r.Base), string(r.Quote), val, r.Source, at, by)
	if err != nil {
		return err
	}
	var previous any
	if prev != nil {
		previous = prev.Text('f')
	}
	_, err = q.w().exec(ctx, `INSERT INTO fx_rate_history (org_id, day, base, quote, rate, previous, source, changed_at, changed_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, orgID, day, string(r.Base), string(r.Quote), val, previous, r.Source, at, by)
	return err
}

// ListRates returns an org's rates with day in [from, to), by pair and day.
func (q *Queries) ListRates(ctx context.Context, orgID string, from, to time.Time) ([]domain.FXRate, error) {
	rows, err := q.r().query(ctx, `SELECT day, base, quote, rate, source FROM fx_rates
		WHERE org_id = ? AND day >= ? AND day < ? ORDER BY base, quote, day`, orgID, from.Format(dayLayout), to.Format(dayLayout))
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanRate)
}

func scanRate(s scanner) (domain.FXRate, error) {
	var r domain.FXRate
	var day, base, quote, val string
	if err := s.Scan(&day, &base, &quote, &val, &r.Source); err != nil {
		return r, err
	}
	var err error
	if r.Day, err = time.Parse(dayLayout, day); err != nil {
		return r, err
	}
	r.Base, r.Quote = domain.Currency(base), domain.Currency(quote)
	r.Value, _, err = apd.NewFromString(val)
	return r, err
}

// RateHistory returns every change of one pair's rates, oldest first.
func (q *Queries) RateHistory(ctx context.Context, orgID string, base, quote domain.Currency) ([]domain.FXRateChange, error) {
	rows, err := q.r().query(ctx, `SELECT day, base, quote, rate, source, previous, changed_at, changed_by FROM fx_rate_history
		WHERE org_id = ? AND base = ? AND quote = ? ORDER BY changed_at, day`, orgID, string(base), string(quote))
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(s scanner) (domain.FXRateChange, error) {
		var c domain.FXRateChange
		var day, b, qu, val string
		var prev sql.NullString
		if err := s.Scan(&day, &b, &qu, &val, &c.Source, &prev, &c.ChangedAt, &c.ChangedBy); err != nil {
			return c, err
		}
		c.Day, _ = time.Parse(dayLayout, day)
		c.Base, c.Quote, c.ChangedAt = domain.Currency(b), domain.Currency(qu), c.ChangedAt.UTC()
		c.Value, _, _ = apd.NewFromString(val)
		if prev.Valid {
			c.Previous, _, _ = apd.NewFromString(prev.String)
		}
		return c, nil
	})
}
