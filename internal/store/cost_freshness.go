package store

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/canopyhq/canopy/internal/costs"
)

// Freshness implements costs.Querier from the rollup: per provider and
// billing account, the last charge day and line count, and the latest
// finish of the succeeded imports that brought their lines.
func (c *Costs) Freshness(ctx context.Context, orgID string) ([]costs.Freshness, error) {
	finished, err := c.importsFinished(ctx, orgID)
	if err != nil {
		return nil, err
	}
	w := baseWhere("cost_daily", orgID, 0, 0)
	rows, err := c.reader().query(ctx, `SELECT t.provider, t.billing_account, t.import_num, MAX(t.billing_account_name),
		MAX(t.charge_day), CAST(SUM(t.line_count) AS BIGINT)`+w.sql()+` GROUP BY t.provider, t.billing_account, t.import_num`, w.args()...)
	if err != nil {
		return nil, err
	}
	rs, err := scanAll(rows, func(s scanner) (freshRow, error) {
		var r freshRow
		return r, s.Scan(&r.prov, &r.acct, &r.num, &r.name, &r.day, &r.lines)
	})
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, r := range rs {
		ids = append(ids, r.prov.Int64, r.acct.Int64, r.name.Int64)
	}
	names, err := c.names(ctx, orgID, ids)
	if err != nil {
		return nil, err
	}
	return mergeFreshness(rs, names, finished), nil
}

// freshRow is one import's share of a provider and billing account.
type freshRow struct {
	prov, acct, name sql.NullInt64
	num, day, lines  int64
}

// mergeFreshness sums the imports' rows per provider and billing account.
func mergeFreshness(rs []freshRow, names dimNames, finished map[int64]time.Time) []costs.Freshness {
	type key struct{ prov, acct int64 }
	byKey := map[key]*costs.Freshness{}
	for _, r := range rs {
		k := key{r.prov.Int64, r.acct.Int64}
		f := byKey[k]
		if f == nil {
			f = &costs.Freshness{Provider: names[k.prov], BillingAccount: names[k.acct]}
			byKey[k] = f
		}
		f.BillingAccountName = max(f.BillingAccountName, names[r.name.Int64])
		f.Lines += r.lines
		if day := time.Unix(r.day*86400, 0).UTC(); day.After(f.DataThrough) {
			f.DataThrough = day
		}
		if fin := finished[r.num]; fin.After(f.LastImport) {
			f.LastImport = fin
		}
	}
	out := make([]costs.Freshness, 0, len(byKey))
	for _, f := range byKey {
		out = append(out, *f)
	}
	slices.SortFunc(out, func(a, b costs.Freshness) int {
		return cmp.Or(cmp.Compare(a.Provider, b.Provider), cmp.Compare(a.BillingAccount, b.BillingAccount))
	})
	return out
}

// importsFinished maps the org's succeeded imports to their finish time.
func (c *Costs) importsFinished(ctx context.Context, orgID string) (map[int64]time.Time, error) {
	rows, err := c.reader().query(ctx, `SELECT num, finished_at FROM cost_imports WHERE org_id = ? AND status = ?`,
		orgID, costs.StatusSucceeded)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]time.Time{}
	for rows.Next() {
		var num int64
		var fin sql.NullTime
		if err := rows.Scan(&num, &fin); err != nil {
			return nil, err
		}
		out[num] = fin.Time.UTC()
	}
	return out, rows.Err()
}
