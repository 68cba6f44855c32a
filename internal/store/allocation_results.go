package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
)

// AllocResult is a computed month's total for one day, group, rule, split
// and currency.
type AllocResult struct {
	Day                     time.Time
	Group, Rule, Split, Via string
	Currency                string
	Measures                costs.Measures
	Lines, Seats            int64
}

const allocResultBatch = 200

// ReplaceAllocResults stores a month's results under version (the
// month's earlier results under that version go) and records that the
// version reads this computation for the month.
func (q *Queries) ReplaceAllocResults(ctx context.Context, orgID string, version int, month time.Time, rs []AllocResult) error {
	if _, err := q.w().exec(ctx, `DELETE FROM allocation_results WHERE org_id = ? AND version = ? AND month = ?`,
		orgID, version, month); err != nil {
		return err
	}
	for len(rs) > 0 {
		n := min(len(rs), allocResultBatch)
		var b strings.Builder
		args := make([]any, 0, n*19)
		for i, r := range rs[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(" + marks(19) + ")")
			m := r.Measures
			args = append(args, orgID, version, month, epochDay(r.Day), r.Group, r.Rule, r.Split, r.Via, r.Currency,
				m.Billed.Units, m.Billed.Nanos, m.Effective.Units, m.Effective.Nanos, m.List.Units, m.List.Nanos,
				m.Contracted.Units, m.Contracted.Nanos, r.Lines, r.Seats)
		}
		if _, err := q.w().exec(ctx, `INSERT INTO allocation_results (org_id, version, month, charge_day, group_id, rule_id,
			split_id, via, currency, billed_units, billed_nanos, effective_units, effective_nanos, list_units, list_nanos,
			contracted_units, contracted_nanos, lines, seats) VALUES `+b.String(), args...); err != nil {
			return err
		}
		rs = rs[n:]
	}
	if _, err := q.w().exec(ctx, `DELETE FROM allocation_months WHERE org_id = ? AND version = ? AND month = ?`,
		orgID, version, month); err != nil {
		return err
	}
	_, err := q.w().exec(ctx, `INSERT INTO allocation_months (org_id, version, month, computed_version, computed_at)
		VALUES (?, ?, ?, ?, ?)`, orgID, version, month, version, domain.Now())
	return err
}

// AllocResults returns the results version reads for the days [from, to):
// per month, the computation allocation_months points it at.
func (q *Queries) AllocResults(ctx context.Context, orgID string, version int, from, to time.Time) ([]AllocResult, error) {
	rows, err := q.w().query(ctx, `SELECT r.charge_day, r.group_id, r.rule_id, r.split_id, r.via, r.currency,
		r.billed_units, r.billed_nanos, r.effective_units, r.effective_nanos, r.list_units, r.list_nanos,
		r.contracted_units, r.contracted_nanos, r.lines, r.seats
		FROM allocation_months m JOIN allocation_results r ON r.org_id = m.org_id AND r.version = m.computed_version
			AND r.month = m.month
		WHERE m.org_id = ? AND m.version = ? AND r.charge_day >= ? AND r.charge_day < ?`,
		orgID, version, epochDay(from), epochDay(to))
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(s scanner) (AllocResult, error) {
		var r AllocResult
		var day int64
		var v [8]int64
		if err := s.Scan(&day, &r.Group, &r.Rule, &r.Split, &r.Via, &r.Currency, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
			&v[6], &v[7], &r.Lines, &r.Seats); err != nil {
			return r, err
		}
		r.Day = time.Unix(day*86400, 0).UTC()
		var err error
		r.Measures, err = measuresOf(v)
		return r, err
	})
}

// FinishedImport is when a succeeded import finished and the billing
// period it covers (nil when the file had none).
type FinishedImport struct {
	FinishedAt             time.Time
	PeriodStart, PeriodEnd *time.Time
}

// ImportsFinishedSince lists the organisation's succeeded imports that
// finished after since: what may have changed results computed then.
func (q *Queries) ImportsFinishedSince(ctx context.Context, orgID string, since time.Time) ([]FinishedImport, error) {
	rows, err := q.w().query(ctx, `SELECT finished_at, billing_period_start, billing_period_end FROM cost_imports
		WHERE org_id = ? AND status = ? AND finished_at > ?`, orgID, costs.StatusSucceeded, since)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(s scanner) (FinishedImport, error) {
		var im FinishedImport
		var start, end sql.NullTime
		err := s.Scan(&im.FinishedAt, &start, &end)
		im.FinishedAt, im.PeriodStart, im.PeriodEnd = im.FinishedAt.UTC(), timePtr(start), timePtr(end)
		return im, err
	})
}
