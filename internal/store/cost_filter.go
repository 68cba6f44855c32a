package store

import (
	"context"
	"strings"

	"github.com/canopyhq/canopy/internal/costs"
)

// dimSpec says where a dimension lives: its column (cost_lines, and
// cost_daily when rollup), the column of its display name, and its
// cost_dims kind ("" for the text columns, which hold the value itself).
type dimSpec struct {
	col, label, kind string
	rollup           bool
}

var dimSpecs = map[costs.Dim]dimSpec{
	costs.DimProvider:        {"provider", "", "provider", true},
	costs.DimBillingAccount:  {"billing_account", "billing_account_name", "billing_account", true},
	costs.DimSubAccount:      {"sub_account", "sub_account_name", "sub_account", true},
	costs.DimResourceGroup:   {"resource_group", "", "resource_group", true},
	costs.DimService:         {"service", "", "service", true},
	costs.DimServiceCategory: {"service_category", "", "service_category", true},
	costs.DimRegion:          {"region", "region_name", "region", true},
	costs.DimResource:        {"resource", "resource_name", "resource", false},
	costs.DimSKU:             {"sku", "", "sku", false},
	costs.DimChargeCategory:  {"charge_category", "", "", true},
	costs.DimBillingCurrency: {"billing_currency", "", "", true},
}

// onRollup reports whether cost_daily can answer: every filter and the
// grouping are rollup dimensions (tags are: cost_daily keeps the tag set).
func onRollup(q costs.Query) bool {
	ok := func(d costs.Dim) bool { return d == "" || d == costs.DimTag || dimSpecs[d].rollup }
	for _, f := range q.Filters {
		if !ok(f.Dim) {
			return false
		}
	}
	return !q.Scan && ok(q.GroupBy)
}

// sqlWhere collects a query's conditions on the table aliased t. Join
// arguments come before the WHERE's in the statement, so they are kept
// apart and joined by args.
type sqlWhere struct {
	table     string // cost_daily or cost_lines
	join      string
	joinArgs  []any
	conds     []string
	whereArgs []any
}

func (w *sqlWhere) and(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.whereArgs = append(w.whereArgs, args...)
}

func (w *sqlWhere) sql() string {
	return " FROM " + w.table + " t" + w.join + " WHERE " + strings.Join(w.conds, " AND ")
}

func (w *sqlWhere) args() []any { return append(append([]any{}, w.joinArgs...), w.whereArgs...) }

// baseWhere selects an org's lines (or rollup rows) of succeeded imports
// charged in [from, to); zero bounds do not restrict.
func baseWhere(table, orgID string, from, to int64) *sqlWhere {
	w := &sqlWhere{table: table}
	w.and("t.org_id = ?", orgID)
	if from != 0 {
		w.and("t.charge_day >= ?", from)
	}
	if to != 0 {
		w.and("t.charge_day < ?", to)
	}
	w.and("t.import_num IN (SELECT num FROM cost_imports WHERE org_id = ? AND status = ?)", orgID, costs.StatusSucceeded)
	return w
}

// queryWhere is baseWhere plus q's filters, each translated to ids first
// (one small dictionary query per filter) so rows are compared by id.
func (c *Costs) queryWhere(ctx context.Context, table, orgID string, q costs.Query) (*sqlWhere, error) {
	w := baseWhere(table, orgID, epochDay(q.From), epochDay(q.To))
	for _, f := range q.Filters {
		var err error
		if f.Dim == costs.DimTag {
			err = c.tagFilter(ctx, w, orgID, f)
		} else {
			err = c.dimFilter(ctx, w, orgID, f)
		}
		if err != nil {
			return nil, err
		}
	}
	return w, nil
}

// splitNoValue separates NoValue from the real values of a filter.
func splitNoValue(values []string) (real []string, none bool) {
	for _, v := range values {
		if v == costs.NoValue {
			none = true
		} else {
			real = append(real, v)
		}
	}
	return real, none
}

func (c *Costs) dimFilter(ctx context.Context, w *sqlWhere, orgID string, f costs.Filter) error {
	spec := dimSpecs[f.Dim]
	values, none := splitNoValue(f.Values)
	var parts []string
	var args []any
	if spec.kind == "" { // a NOT NULL text column: no value is ""
		if none {
			values = append(values, "")
		}
		if len(values) > 0 {
			parts, args = append(parts, "t."+spec.col+" IN ("+marks(len(values))+")"), anys(values)
		}
	} else {
		ids, err := c.lookupIDs(ctx, orgID, spec.kind, values)
		if err != nil {
			return err
		}
		if len(ids) > 0 {
			parts, args = append(parts, "t."+spec.col+" IN ("+marks(len(ids))+")"), anys(ids)
		}
		if none {
			parts = append(parts, "t."+spec.col+" IS NULL")
		}
	}
	w.and(orFalse(parts), args...)
	return nil
}

// tagPair finds a pair of the line's tag set with a key.
const tagPair = "SELECT 1 FROM cost_tagset_pairs p WHERE p.org_id = t.org_id AND p.tagset_id = t.tagset_id AND p.key_id = ?"

// tagFilter keeps lines whose tag set has the key with one of the
// values; NoValue matches a missing key or an empty value, and no values
// at all means "the key is present".
func (c *Costs) tagFilter(ctx context.Context, w *sqlWhere, orgID string, f costs.Filter) error {
	key, err := c.tagKeyID(ctx, orgID, f.TagKey)
	if err != nil {
		return err
	}
	if len(f.Values) == 0 {
		w.and("EXISTS ("+tagPair+")", key)
		return nil
	}
	values, none := splitNoValue(f.Values)
	ids, err := c.lookupIDs(ctx, orgID, kindTagValue, values)
	if err != nil {
		return err
	}
	var parts []string
	var args []any
	if len(ids) > 0 {
		parts = append(parts, "EXISTS ("+tagPair+" AND p.value_id IN ("+marks(len(ids))+"))")
		args = append(append(args, key), anys(ids)...)
	}
	if none {
		cond, noneArgs, err := c.tagMissing(ctx, orgID, key)
		if err != nil {
			return err
		}
		parts, args = append(parts, cond), append(args, noneArgs...)
	}
	w.and(orFalse(parts), args...)
	return nil
}

// tagKeyID is a tag key's id; -1, which no pair has, for a key never seen.
func (c *Costs) tagKeyID(ctx context.Context, orgID, key string) (int64, error) {
	ids, err := c.lookupIDs(ctx, orgID, kindTagKey, []string{key})
	if err != nil || len(ids) == 0 {
		return -1, err
	}
	return ids[0], nil
}

// tagMissing matches lines without the key or with an empty value.
func (c *Costs) tagMissing(ctx context.Context, orgID string, key int64) (string, []any, error) {
	empty, err := c.lookupIDs(ctx, orgID, kindTagValue, []string{""})
	if err != nil {
		return "", nil, err
	}
	cond, args := "NOT EXISTS ("+tagPair, []any{key}
	if len(empty) > 0 {
		cond += " AND p.value_id <> ?"
		args = append(args, empty[0])
	}
	return cond + ")", args, nil
}

// lookupIDs translates values of a kind to their dictionary ids (values
// never stored have none). Resource groups match case-insensitively.
func (c *Costs) lookupIDs(ctx context.Context, orgID, kind string, values []string) ([]int64, error) {
	if len(values) == 0 {
		return nil, nil
	}
	rd := c.reader()
	q, args := `SELECT id, value FROM cost_dims WHERE org_id = ? AND kind = ?`, []any{orgID, kind}
	if kind != dimKinds[rgIdx] {
		q += " AND value IN (" + marks(len(values)) + ")"
		args = append(args, anys(values)...)
	}
	rows, err := rd.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, v := range values {
		want[strings.ToLower(v)] = true
	}
	var ids []int64
	defer rows.Close()
	for rows.Next() {
		var id int64
		var v string
		if err := rows.Scan(&id, &v); err != nil {
			return nil, err
		}
		if want[strings.ToLower(v)] { // exact already for other kinds; folds resource groups
			ids = append(ids, id)
		}
	}
	return ids, rows.Err()
}

// reader is where the cost queries read: the read replica for ReadCosts,
// else the read pool.
func (c *Costs) reader() conn {
	if c.replica {
		return conn{q: c.db.Replica, engine: c.db.Engine}
	}
	return conn{q: c.db.R, engine: c.db.Engine}
}

func orFalse(parts []string) string {
	if len(parts) == 0 {
		return "1 = 0"
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// marks is "?, ?, ?" for n values.
func marks(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

func anys[T any](vs []T) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = v
	}
	return out
}
