package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/domain"
)

// rollupKinds are the dictionary dimensions cost_daily keeps, in its
// column order; rollupIdx maps them to dimKinds positions.
var rollupKinds = [...]string{"provider", "billing_account", "billing_account_name", "sub_account",
	"sub_account_name", "resource_group", "service", "service_category", "region", "region_name"}

var rollupIdx = func() (idx [len(rollupKinds)]int) {
	for j, k := range rollupKinds {
		idx[j] = dimIndex(k)
	}
	return idx
}()

// dimIndex is the dimKinds position of a kind (it panics on a typo, at
// package initialisation).
func dimIndex(kind string) int {
	for i, k := range dimKinds {
		if k == kind {
			return i
		}
	}
	panic("store: unknown dimension kind " + kind)
}

var dailyColumns = append(append([]string{"org_id", "import_num", "charge_day"}, rollupKinds[:]...),
	"charge_category", "billing_currency", "tagset_id", "line_count", "billed_units", "billed_nanos",
	"effective_units", "effective_nanos", "list_units", "list_nanos", "contracted_units", "contracted_nanos")

// dayKey is one cost_daily row's key within an import: dictionary ids
// (0 for NULL; ids start at 1) and the two text dimensions.
type dayKey struct {
	day      int64
	dims     [len(rollupKinds)]int64
	category string
	currency string
	tagset   int64
}

// dayAcc sums one key's lines exactly. set says which measures had a
// non-null amount (billed and effective always have one).
type dayAcc struct {
	lines int64
	m     [4]domain.Amount
	set   [4]bool
}

// rollup accumulates an import's cost_daily rows in the encoder: the
// map holds one entry per distinct key (far fewer than lines), so
// writing it at the end costs little next to the lines.
type rollup struct {
	rows map[dayKey]*dayAcc
}

func newRollup() *rollup { return &rollup{rows: map[dayKey]*dayAcc{}} }

// add counts a line; ids are its dictionary ids in dimKinds order, am
// its amounts (the first four are the measures).
func (r *rollup) add(day int64, ids *[nDims]any, l *billing.Line, tagset any, am *lineAmounts) error {
	k := dayKey{day: day, category: l.ChargeCategory, currency: l.BillingCurrency, tagset: idOf(tagset)}
	for j, i := range rollupIdx {
		k.dims[j] = idOf(ids[i])
	}
	a := r.rows[k]
	if a == nil {
		a = &dayAcc{}
		r.rows[k] = a
	}
	a.lines++
	for i := range a.m {
		if !am.ok[i] {
			continue
		}
		s, err := a.m[i].Add(am.v[i])
		if err != nil {
			return &billing.ParseError{Msg: "a daily " + l.BillingCurrency + " sum is out of range"}
		}
		a.m[i], a.set[i] = s, true
	}
	return nil
}

func idOf(v any) int64 {
	if id, ok := v.(int64); ok {
		return id
	}
	return 0
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// args lists the rows as cost_daily column values, by day: inserted in
// that order, one day's rows share pages, which the day-range reads of
// the explorer then fetch together (SQLite keeps rows in insertion order).
func (r *rollup) args(orgID string, num int64) [][]any {
	keys := slices.SortedFunc(maps.Keys(r.rows), func(a, b dayKey) int { return cmp.Compare(a.day, b.day) })
	out := make([][]any, 0, len(r.rows))
	for _, k := range keys {
		a := r.rows[k]
		row := make([]any, 0, len(dailyColumns))
		row = append(row, orgID, num, k.day)
		for _, id := range k.dims {
			row = append(row, nullID(id))
		}
		row = append(row, k.category, k.currency, nullID(k.tagset), a.lines)
		for i, m := range a.m {
			if a.set[i] || i < 2 {
				row = append(row, m.Units, m.Nanos)
			} else {
				row = append(row, nil, nil)
			}
		}
		out = append(out, row)
	}
	return out
}

// writeRollup inserts an import's cost_daily rows in its transaction:
// COPY on PostgreSQL (on the connection the transaction runs on),
// multi-row INSERTs on SQLite.
func writeRollup(ctx context.Context, sc *sql.Conn, cn conn, orgID string, num int64, r *rollup) error {
	rows := r.args(orgID, num)
	if cn.engine == Postgres {
		return sc.Raw(func(dc any) error {
			c, ok := dc.(*stdlib.Conn)
			if !ok {
				return fmt.Errorf("postgres driver %T is not pgx", dc)
			}
			_, err := c.Conn().CopyFrom(ctx, pgx.Identifier{"cost_daily"}, dailyColumns, pgx.CopyFromRows(rows))
			if err != nil {
				return fmt.Errorf("store daily rollup: %w", err)
			}
			return nil
		})
	}
	const per = 1000 // 25 columns: within SQLite's 32766 variables
	insert := "INSERT INTO cost_daily (" + strings.Join(dailyColumns, ", ") + ") VALUES "
	for len(rows) > 0 {
		n := min(len(rows), per)
		args := make([]any, 0, n*len(dailyColumns))
		for _, row := range rows[:n] {
			args = append(args, row...)
		}
		if _, err := cn.exec(ctx, insert+placeholders(n, len(dailyColumns)), args...); err != nil {
			return fmt.Errorf("store daily rollup: %w", err)
		}
		rows = rows[n:]
	}
	return nil
}

// resourceGroup is a line's Azure resource group: the source's column
// (ExtraResourceGroup from the Azure readers, x_ResourceGroupName in
// FOCUS exports), else the group of an Azure resource ID
// (/subscriptions/<sub>/resourceGroups/<name>/..., any case); "" when
// there is none. The result aliases the line's strings.
func resourceGroup(l *billing.Line) string {
	if g := l.Extra[billing.ExtraResourceGroup]; g != "" {
		return g
	}
	if g := l.Extra["x_ResourceGroupName"]; g != "" {
		return g
	}
	return resourceGroupOfID(l.ResourceID)
}

func resourceGroupOfID(id string) string {
	const sub, rg = "/subscriptions/", "/resourcegroups/"
	if len(id) < len(sub) || !strings.EqualFold(id[:len(sub)], sub) {
		return ""
	}
	rest := id[len(sub):]
	slash := strings.IndexByte(rest, '/')
	if slash < 0 || len(rest)-slash < len(rg) || !strings.EqualFold(rest[slash:slash+len(rg)], rg) {
		return ""
	}
	name := rest[slash+len(rg):]
	if end := strings.IndexByte(name, '/'); end >= 0 {
		name = name[:end]
	}
	return name
}
