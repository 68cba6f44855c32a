package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
)

// Imports implements costs.Store.
func (c *Costs) Imports(ctx context.Context, orgID string, limit int) ([]costs.Import, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	rd := conn{q: c.db.R, engine: c.db.Engine}
	rows, err := rd.query(ctx, `SELECT id, org_id, source_key, format, file_name, billing_period_start, billing_period_end,
		row_count, totals, started_at, finished_at, status, error, created_by
		FROM cost_imports WHERE org_id = ? ORDER BY num DESC LIMIT ?`, orgID, limit)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanImport)
}

func scanImport(s scanner) (costs.Import, error) {
	var im costs.Import
	var format, totals string
	var ps, pe, fin sql.NullTime
	if err := s.Scan(&im.ID, &im.OrgID, &im.SourceKey, &format, &im.FileName, &ps, &pe, &im.Rows, &totals,
		&im.StartedAt, &fin, &im.Status, &im.Error, &im.CreatedBy); err != nil {
		return im, err
	}
	im.Format, im.StartedAt = billing.Format(format), im.StartedAt.UTC()
	im.BillingPeriodStart, im.BillingPeriodEnd, im.FinishedAt = timePtr(ps), timePtr(pe), timePtr(fin)
	if err := json.Unmarshal([]byte(totals), &im.Totals); err != nil {
		return im, fmt.Errorf("import %s totals: %w", im.ID, err)
	}
	return im, nil
}

// Totals implements costs.Store: the measures are summed in SQL as units
// and nanos separately (exact on both engines) and normalised here.
func (c *Costs) Totals(ctx context.Context, orgID string, f costs.TotalsFilter) (map[string]costs.Measures, error) {
	var where strings.Builder
	args := []any{orgID, orgID, costs.StatusSucceeded}
	where.WriteString("org_id = ? AND import_num IN (SELECT num FROM cost_imports WHERE org_id = ? AND status = ?)")
	if f.ImportID != "" {
		where.WriteString(" AND import_num = (SELECT num FROM cost_imports WHERE org_id = ? AND id = ?)")
		args = append(args, orgID, f.ImportID)
	}
	if !f.From.IsZero() {
		where.WriteString(" AND charge_day >= ?")
		args = append(args, epochDay(f.From))
	}
	if !f.To.IsZero() {
		where.WriteString(" AND charge_day < ?")
		args = append(args, epochDay(f.To))
	}
	sums := make([]string, 0, 8)
	for _, m := range []string{"billed", "effective", "list", "contracted"} {
		sums = append(sums, "CAST(COALESCE(SUM("+m+"_units), 0) AS BIGINT)", "CAST(COALESCE(SUM("+m+"_nanos), 0) AS BIGINT)")
	}
	rd := conn{q: c.db.R, engine: c.db.Engine}
	rows, err := rd.query(ctx, `SELECT billing_currency, `+strings.Join(sums, ", ")+` FROM cost_daily WHERE `+
		where.String()+` GROUP BY billing_currency`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]costs.Measures{}
	for rows.Next() {
		cur, m, err := scanMeasures(rows)
		if err != nil {
			return nil, err
		}
		out[cur] = m
	}
	return out, rows.Err()
}

func scanMeasures(s scanner) (string, costs.Measures, error) {
	var cur string
	var v [8]int64
	var m costs.Measures
	if err := s.Scan(&cur, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]); err != nil {
		return cur, m, err
	}
	m, err := measuresOf(v)
	return cur, m, err
}

// measuresOf normalises the four measures' units and nanos sums.
func measuresOf(v [8]int64) (costs.Measures, error) {
	var m costs.Measures
	var err error
	for i, dst := range []*domain.Amount{&m.Billed, &m.Effective, &m.List, &m.Contracted} {
		if *dst, err = domain.NormalizeAmount(v[2*i], 0, v[2*i+1]); err != nil {
			return m, err
		}
	}
	return m, nil
}

// epochDay is the charge_day of an instant: days since 1970-01-01 (UTC).
func epochDay(t time.Time) int64 {
	s := t.Unix()
	d := s / 86400
	if s < 0 && s%86400 != 0 {
		d--
	}
	return d
}
