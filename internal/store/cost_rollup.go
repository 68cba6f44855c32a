package store

import (
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
// (0 for NULL; ids start at 1) and the two text dimensions as their
// rollup's code (integers only: hashing and comparing keys was most of
// the rollup's cost).
type dayKey struct {
	day    int64
	dims   [len(rollupKinds)]int64
	text   int64 // rollup.texts code of the charge category and billing currency (int64: a key without padding hashes as one block)
	tagset int64
}

// textPair is a charge category and billing currency.
type textPair struct{ category, currency string }

// textCodes numbers the (charge category, billing currency) pairs of one
// rollup; there are a handful, so a scan finds them.
type textCodes struct {
	pairs []textPair
	index map[textPair]int64 // once there are many
	last  int64
}

func (t *textCodes) code(category, currency string) int64 {
	if n := len(t.pairs); n > 0 {
		if p := &t.pairs[t.last]; p.category == category && p.currency == currency {
			return t.last
		}
		if t.index == nil {
			for i := range t.pairs {
				if p := &t.pairs[i]; p.category == category && p.currency == currency {
					t.last = int64(i)
					return t.last
				}
			}
		} else if c, ok := t.index[textPair{category, currency}]; ok {
			t.last = c
			return c
		}
	}
	t.last = int64(len(t.pairs))
	t.pairs = append(t.pairs, textPair{category, currency})
	if t.index != nil {
		t.index[textPair{category, currency}] = t.last
	} else if len(t.pairs) > 16 {
		t.index = make(map[textPair]int64, len(t.pairs))
		for i, p := range t.pairs {
			t.index[p] = int64(i)
		}
	}
	return t.last
}

func (t *textCodes) pair(code int64) textPair { return t.pairs[code] }

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
	rows   map[dayKey]*dayAcc
	vals   map[valueKey]*valueAcc   // see cost_rollup_values.go
	detail map[detailKey]*detailAcc // see cost_rollup_detail.go; nil when not kept
	texts  textCodes                // the keys' text codes
}

func newRollup(detail bool) *rollup {
	r := &rollup{rows: map[dayKey]*dayAcc{}, vals: map[valueKey]*valueAcc{}}
	if detail {
		r.detail = map[detailKey]*detailAcc{}
	}
	return r
}

// add counts a line (its day, dictionary ids in dimKinds order, tag set,
// amounts, whose first four are the measures, and its category and
// currency). With the detail map, only it is updated (one map per line
// instead of three).
func (r *rollup) add(sl *segLine) error {
	if r.detail != nil { // cost_daily is folded from it (fold)
		return r.addDetail(sl)
	}
	cur := sl.text[segBillingCurrency]
	k := dayKey{day: sl.day, text: r.texts.code(sl.text[segCategory], cur), tagset: sl.tagset}
	for j, i := range rollupIdx {
		k.dims[j] = sl.dims[i]
	}
	a := r.rows[k]
	if a == nil {
		a = &dayAcc{}
		r.rows[k] = a
	}
	r.addValues(sl.day, sl.dims[valueIdx[0]], sl.dims[valueLabelIdx], sl.dims[valueIdx[1]])
	a.lines++
	am := &sl.amounts
	return addAmounts(a.m[:], a.set[:], am.v[:], am.ok[:], cur)
}

// addAmounts adds the amounts v that are set (ok) to the sums m, marking
// them set; a sum out of range fails the import.
func addAmounts(m []domain.Amount, set []bool, v []domain.Amount, ok []bool, currency string) error {
	for i := range m {
		if !ok[i] {
			continue
		}
		s, err := m[i].Add(v[i])
		if err != nil {
			return &billing.ParseError{Msg: "a daily " + currency + " sum is out of range"}
		}
		m[i], set[i] = s, true
	}
	return nil
}

// args lists the rows' cost_daily values, one row after another, by
// day: inserted in that order, one day's rows share pages, which the
// explorer's day-range reads then fetch together (SQLite keeps rows in
// insertion order).
func (r *rollup) args(orgID string, num int64) []any {
	byDay := map[int64][]dayKey{}
	for k := range r.rows {
		byDay[k.day] = append(byDay[k.day], k)
	}
	// Ids and days repeat from row to row: box each once (an int64 put
	// in an interface allocates).
	boxed := map[int64]any{0: nil}
	box := func(id int64) any {
		b, ok := boxed[id]
		if !ok {
			b = id
			boxed[id] = b
		}
		return b
	}
	out, numArg := make([]any, 0, len(r.rows)*len(dailyColumns)), any(num)
	for _, day := range slices.Sorted(maps.Keys(byDay)) {
		dayArg := any(day)
		for _, k := range byDay[day] {
			a := r.rows[k]
			out = append(out, orgID, numArg, dayArg)
			for _, id := range k.dims {
				out = append(out, box(id))
			}
			t := r.texts.pair(k.text)
			out = append(out, t.category, t.currency, box(k.tagset), a.lines)
			for i, m := range a.m {
				if a.set[i] || i < 2 { // billed and effective are never null
					out = append(out, m.Units, m.Nanos)
				} else {
					out = append(out, nil, nil)
				}
			}
		}
	}
	return out
}

// dailyPerInsert is how many rollup rows one SQLite INSERT carries: 25
// columns, within its 32766 bound variables.
const dailyPerInsert = 1000

// writeRollup inserts an import's cost_daily and cost_daily_values rows
// in its transaction.
func writeRollup(ctx context.Context, sc *sql.Conn, engine Engine, orgID string, num int64, r *rollup) error {
	if err := bulkInsert(ctx, sc, engine, "cost_daily", dailyColumns, r.args(orgID, num)); err != nil {
		return fmt.Errorf("store daily rollup: %w", err)
	}
	if err := bulkInsert(ctx, sc, engine, "cost_daily_values", valueColumns, r.valueArgs(orgID, num)); err != nil {
		return fmt.Errorf("store daily values: %w", err)
	}
	return nil
}

// bulkInsert inserts rows (args holds them one after another) into table
// on the transaction's connection: COPY on PostgreSQL, a prepared
// multi-row INSERT bound through the driver on SQLite.
func bulkInsert(ctx context.Context, sc *sql.Conn, engine Engine, table string, columns []string, args []any) error {
	cols := len(columns)
	n := len(args) / cols
	if n == 0 {
		return nil
	}
	if engine == Postgres {
		return sc.Raw(func(dc any) error {
			c, ok := dc.(*stdlib.Conn)
			if !ok {
				return fmt.Errorf("postgres driver %T is not pgx", dc)
			}
			_, err := c.Conn().CopyFrom(ctx, pgx.Identifier{table}, columns,
				pgx.CopyFromSlice(n, func(i int) ([]any, error) { return args[i*cols : (i+1)*cols], nil }))
			return err
		})
	}
	per := min(dailyPerInsert, 32766/cols) // SQLite's bound-variable limit
	insert := func(rows int) string {
		return "INSERT INTO " + table + " (" + strings.Join(columns, ", ") + ") VALUES " + placeholders(rows, cols)
	}
	sink, err := newSQLiteSink(ctx, sc, insert, per, cols)
	if err != nil {
		return err
	}
	defer sink.close()
	for done := 0; done < n; done += per {
		k := min(n-done, per)
		if err := sink.write(ctx, &argRows{args: args[done*cols : (done+k)*cols], n: k}); err != nil {
			return err
		}
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
