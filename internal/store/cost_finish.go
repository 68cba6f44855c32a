package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
)

// importSummary accumulates what the import history shows and what the
// source key is derived from.
type importSummary struct {
	rows                   int
	totals                 map[string]*costs.Measures
	accounts, costTypes    map[string]bool
	periodStart, periodEnd time.Time
	detail                 detailState // set by copyLines when the lines are stored
	dailyRows              int64       // cost_daily rows written, set by copyLines
	// The previous line's currency total and account: lines come in runs.
	last                      *costs.Measures
	lastCurrency, lastAccount string
}

func newImportSummary() *importSummary {
	return &importSummary{totals: map[string]*costs.Measures{}, accounts: map[string]bool{}, costTypes: map[string]bool{}}
}

// add counts a line, as the encoder has stored it (sl: converted amounts,
// the currency as a shared string). seen says the line's text (account,
// cost type) was counted before, with an earlier line of its
// billing.Shape.
func (s *importSummary) add(l *billing.Line, sl *segLine, seen bool) error {
	s.rows++
	am := &sl.amounts
	if cur := sl.text[segBillingCurrency]; cur != s.lastCurrency || s.last == nil {
		s.last = s.totals[cur]
		if s.last == nil {
			s.last = &costs.Measures{}
			s.totals[cur] = s.last
		}
		s.lastCurrency = cur
	}
	var line costs.Measures
	for i, dst := range [...]*domain.Amount{&line.Billed, &line.Effective, &line.List, &line.Contracted} {
		if am.ok[i] {
			*dst = am.v[i]
		}
	}
	if err := s.last.Add(line); err != nil {
		return &billing.ParseError{Msg: "the file's " + l.BillingCurrency + " total is out of range"}
	}
	if !seen {
		if l.BillingAccountID != s.lastAccount || s.rows == 1 {
			s.accounts[l.BillingAccountID] = true
			s.lastAccount = l.BillingAccountID
		}
		if ct := l.Extra[billing.ExtraCostType]; ct != "" {
			s.costTypes[ct] = true
		}
	}
	if s.periodStart.IsZero() || l.BillingPeriodStart.Before(s.periodStart) {
		s.periodStart = l.BillingPeriodStart
	}
	if l.BillingPeriodEnd.After(s.periodEnd) {
		s.periodEnd = l.BillingPeriodEnd
	}
	return nil
}

// sourceKey names what a file is a copy of, so that importing a newer
// copy replaces it: format, Azure cost type (actual and amortized files
// of one period are different sources), billing period and accounts.
func (s *importSummary) sourceKey(f billing.Format) string {
	accounts := slices.Sorted(maps.Keys(s.accounts))
	acc := strings.Join(accounts, ",")
	if len(acc) > 200 {
		h := sha256.Sum256([]byte(acc))
		acc = fmt.Sprintf("%d accounts %s", len(accounts), hex.EncodeToString(h[:8]))
	}
	key := string(f)
	if len(s.costTypes) > 0 {
		key += "/" + strings.Join(slices.Sorted(maps.Keys(s.costTypes)), "+")
	}
	return fmt.Sprintf("%s|%s..%s|%s", key, s.periodStart.UTC().Format(time.DateOnly), s.periodEnd.UTC().Format(time.DateOnly), acc)
}

func (s *importSummary) result(f billing.Format, key string) costs.ImportResult {
	res := costs.ImportResult{SourceKey: key, Format: f, Rows: s.rows, Totals: map[string]costs.Measures{},
		BillingPeriodStart: s.periodStart.UTC(), BillingPeriodEnd: s.periodEnd.UTC()}
	for cur, m := range s.totals {
		res.Totals[cur] = *m
	}
	return res
}

// finishImport replaces the earlier imports of the same source and marks
// this one succeeded, inside the import's transaction.
func (c *Costs) finishImport(ctx context.Context, cn conn, orgID string, num int64, f billing.Format, s *importSummary, meta costs.ImportMeta) (costs.ImportResult, error) {
	key := meta.SourceKey
	if key == "" {
		key = s.sourceKey(f)
	}
	res := s.result(f, key)
	var err error
	if res.Replaced, err = replaceSource(ctx, cn, orgID, key, num); err != nil {
		return res, err
	}
	totals, err := json.Marshal(res.Totals)
	if err != nil {
		return res, err
	}
	var start, end any
	if s.rows > 0 {
		start, end = res.BillingPeriodStart, res.BillingPeriodEnd
	}
	detail := 0
	if s.detail.keep() {
		detail = 1
	} else if s.detail.rows > 0 {
		if _, err := cn.exec(ctx, `DELETE FROM cost_detail_segments WHERE org_id = ? AND import_num = ?`, orgID, num); err != nil {
			return res, err
		}
	}
	set := `source_key = ?, billing_period_start = ?, billing_period_end = ?, row_count = ?, totals = ?,
		finished_at = ?, status = ?, detail_rollup = ?`
	args := []any{key, start, end, s.rows, string(totals), domain.Now(), costs.StatusSucceeded, detail}
	if !c.unpartitioned { // tests writing as before migration 00029 have no row counts (00032) or cost_stamps yet
		var detailRows any // none when the detail rollup was given up
		if detail == 1 {
			detailRows = s.detail.rows
		}
		set += ", daily_rows = ?, detail_rows = ?"
		args = append(args, s.dailyRows, detailRows)
	}
	_, err = cn.exec(ctx, `UPDATE cost_imports SET `+set+` WHERE org_id = ? AND num = ?`, append(args, orgID, num)...)
	if err != nil || c.unpartitioned {
		return res, err
	}
	return res, bumpCostStamp(ctx, cn, orgID) // the import and what it replaced change the answers (cost_stamp.go)
}

// replaceSource deletes the lines and rollups of earlier successful imports of key
// and marks them replaced; it returns the (latest) replaced import's ID.
func replaceSource(ctx context.Context, cn conn, orgID, key string, num int64) (string, error) {
	rows, err := cn.query(ctx, `SELECT id, num FROM cost_imports WHERE org_id = ? AND source_key = ? AND status = ? AND num <> ?
		ORDER BY num`, orgID, key, costs.StatusSucceeded, num)
	if err != nil {
		return "", err
	}
	type prev struct {
		id  string
		num int64
	}
	olds, err := scanAll(rows, func(s scanner) (prev, error) {
		var p prev
		return p, s.Scan(&p.id, &p.num)
	})
	if err != nil {
		return "", err
	}
	replaced := ""
	for _, p := range olds {
		if err := deleteImportRows(ctx, cn, orgID, p.num); err != nil {
			return "", fmt.Errorf("replace import %s: %w", p.id, err)
		}
		if _, err := cn.exec(ctx, `UPDATE cost_imports SET status = ? WHERE id = ?`, costs.StatusReplaced, p.id); err != nil {
			return "", err
		}
		replaced = p.id
	}
	return replaced, nil
}
