package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// dimKinds are the dictionary-encoded line attributes, in the order of
// their cost_lines columns (the kind is the column name; resource_group
// came with migration 00004).
var dimKinds = [...]string{"provider", "publisher", "invoice_issuer", "invoice", "billing_account",
	"billing_account_name", "sub_account", "sub_account_name", "service", "service_category", "region",
	"region_name", "resource", "resource_name", "resource_type", "sku", "sku_price", "charge_description",
	"pricing_unit", "consumed_unit", "commitment_discount", "commitment_discount_name",
	"commitment_discount_type", "commitment_discount_unit", "resource_group"}

// rgIdx is the resource group's kind. Azure treats resource group names
// case-insensitively and files spell one group differently (RG-Web,
// rg-web): the dictionary matches them case-insensitively and keeps the
// spelling seen first.
const rgIdx = nDims - 1

// dictKey is the dictionary's lookup key of a value of kind i.
func dictKey(i int, value string) string {
	if i == rgIdx {
		return strings.ToLower(value) // no allocation when already lower-case
	}
	return value
}

const nDims = len(dimKinds)

// Tag keys and values share the dictionary under their own kinds.
const (
	kindTagKey   = "tag_key"
	kindTagValue = "tag_value"
	tagKeyIdx    = nDims
	tagValueIdx  = nDims + 1
	nKinds       = nDims + 2
)

// dicts caches an organisation's dictionaries for one import: value → id
// (ids start at 1; 0 stands for SQL NULL), and the new entries to insert
// with the next batch. It is only valid inside the import's transaction,
// under the per-org import lock.
type dicts struct {
	ids       [nKinds]map[string]int64
	nextDim   int64
	newDims   []dimRow
	sets      map[string]int64 // canonical pair encoding → tag set id
	nextSet   int64
	newSets   []setRow
	keyBuf    []byte
	sortedBuf []string
	// last is each kind's previous value and id: exports come sorted or
	// grouped, so a line often repeats the previous one's account,
	// service or resource, and a compare is cheaper than a map lookup.
	last [nKinds]struct {
		value string
		id    int64 // 0: none yet
	}
}

type dimRow struct {
	kind  int
	id    int64
	value string
}

type setRow struct {
	id    int64
	pairs string     // canonical JSON
	ids   [][2]int64 // tag key and value ids
}

func kindName(i int) string {
	switch i {
	case tagKeyIdx:
		return kindTagKey
	case tagValueIdx:
		return kindTagValue
	}
	return dimKinds[i]
}

// loadDicts reads the organisation's dictionaries. They hold distinct
// values only (accounts, services, resources, tag sets), far fewer than
// lines, so holding them in memory keeps lookups off the database.
func loadDicts(ctx context.Context, c conn, orgID string) (*dicts, error) {
	d := &dicts{sets: map[string]int64{}}
	kindIdx := map[string]int{}
	for i := range nKinds {
		d.ids[i] = map[string]int64{}
		kindIdx[kindName(i)] = i
	}
	rows, err := c.query(ctx, `SELECT kind, id, value FROM cost_dims WHERE org_id = ?`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var kind, value string
		var id int64
		if err := rows.Scan(&kind, &id, &value); err != nil {
			return nil, err
		}
		if i, ok := kindIdx[kind]; ok {
			d.ids[i][dictKey(i, value)] = id
		}
		d.nextDim = max(d.nextDim, id)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return d, d.loadSets(ctx, c, orgID)
}

func (d *dicts) loadSets(ctx context.Context, c conn, orgID string) error {
	rows, err := c.query(ctx, `SELECT id, pairs FROM cost_tagsets WHERE org_id = ?`, orgID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var pairs string
		if err := rows.Scan(&id, &pairs); err != nil {
			return err
		}
		var m map[string]string
		if err := json.Unmarshal([]byte(pairs), &m); err != nil {
			return fmt.Errorf("tag set %d: %w", id, err)
		}
		d.sets[string(d.canonical(m))] = id
		d.nextSet = max(d.nextSet, id)
	}
	return rows.Err()
}

// id returns the id of a value of kind i, allocating it when new; 0
// (SQL NULL) for an empty line attribute (an empty tag value is a value).
func (d *dicts) id(i int, value string) int64 {
	if value == "" && i < nDims {
		return 0
	}
	if l := &d.last[i]; l.id != 0 && l.value == value {
		return l.id
	}
	key := dictKey(i, value)
	if id, ok := d.ids[i][key]; ok {
		d.last[i].value, d.last[i].id = value, id
		return id
	}
	d.nextDim++
	id := d.nextDim
	// A copy, not the line's text: value is part of its whole record
	// (billing's reader makes one string per record), which the map would
	// keep alive, and copies made one after another sit together in
	// memory, where the lookups of later lines find them faster.
	key, value = strings.Clone(key), strings.Clone(value)
	d.ids[i][key] = id
	d.newDims = append(d.newDims, dimRow{kind: i, id: id, value: value})
	d.last[i].value, d.last[i].id = value, id
	return id
}

// tagSetKey returns the id of a line's tag set (0 when it has no tags)
// from the tags and their canonical key (canonicalTags, made on the
// reading goroutine), allocating the set when new.
func (d *dicts) tagSetKey(key []byte, tags map[string]string) (int64, error) {
	if len(tags) == 0 {
		return 0, nil
	}
	if id, ok := d.sets[string(key)]; ok { // no allocation: map index by converted bytes
		return id, nil
	}
	d.nextSet++
	id := d.nextSet
	d.sets[string(key)] = id
	pairs, err := json.Marshal(tags) // map keys come out sorted: a canonical form
	if err != nil {
		return 0, err
	}
	row := setRow{id: id, pairs: string(pairs)}
	for k, v := range tags {
		row.ids = append(row.ids, [2]int64{d.id(tagKeyIdx, k), d.id(tagValueIdx, v)})
	}
	d.newSets = append(d.newSets, row)
	return id, nil
}

func (d *dicts) canonical(tags map[string]string) []byte {
	b, keys := canonicalTags(d.keyBuf[:0], d.sortedBuf[:0], tags)
	d.sortedBuf, d.keyBuf = keys[:0], b
	return b
}

// canonicalTags appends the tags' canonical encoding (sorted keys, each
// pair length-prefixed) to b, sorting the keys in keys' room.
func canonicalTags(b []byte, keys []string, tags map[string]string) ([]byte, []string) {
	for k := range tags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := tags[k]
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	return b, keys
}

// take hands over the entries allocated since the last call, to be
// inserted (by writeDicts) before the lines that use them.
func (d *dicts) take() ([]dimRow, []setRow) {
	dims, sets := d.newDims, d.newSets
	d.newDims, d.newSets = nil, nil
	return dims, sets
}

// writeDicts inserts new dictionary entries.
func writeDicts(ctx context.Context, c conn, orgID string, dims []dimRow, sets []setRow) error {
	err := insertRows(ctx, c, `INSERT INTO cost_dims (org_id, kind, id, value) VALUES `, 4, len(dims), func(args []any, i int) []any {
		return append(args, orgID, kindName(dims[i].kind), dims[i].id, dims[i].value)
	})
	if err != nil {
		return fmt.Errorf("store dimension values: %w", err)
	}
	err = insertRows(ctx, c, `INSERT INTO cost_tagsets (org_id, id, pairs) VALUES `, 3, len(sets), func(args []any, i int) []any {
		return append(args, orgID, sets[i].id, sets[i].pairs)
	})
	if err != nil {
		return fmt.Errorf("store tag sets: %w", err)
	}
	var pairs []any // set id, key id, value id
	for _, s := range sets {
		for _, kv := range s.ids {
			pairs = append(pairs, s.id, kv[0], kv[1])
		}
	}
	err = insertRows(ctx, c, `INSERT INTO cost_tagset_pairs (org_id, tagset_id, key_id, value_id) VALUES `, 4, len(pairs)/3, func(args []any, i int) []any {
		return append(args, orgID, pairs[3*i], pairs[3*i+1], pairs[3*i+2])
	})
	if err != nil {
		return fmt.Errorf("store tag set pairs: %w", err)
	}
	return nil
}

// insertRows inserts n rows of cols values, up to dictRowsPer per
// statement (a statement each was most of the time of a file with a few
// thousand tag sets); row appends row i's values to args.
func insertRows(ctx context.Context, c conn, insert string, cols, n int, row func(args []any, i int) []any) error {
	var args []any
	for done := 0; done < n; {
		k := min(n-done, dictRowsPer)
		args = args[:0]
		for i := done; i < done+k; i++ {
			args = row(args, i)
		}
		if _, err := c.exec(ctx, insert+placeholders(k, cols), args...); err != nil {
			return err
		}
		done += k
	}
	return nil
}

// dictRowsPer is how many dictionary rows one INSERT writes: 500 rows of
// 4 values stay well under SQLite's and PostgreSQL's parameter limits.
const dictRowsPer = 500

// placeholders returns "(?, ?), (?, ?)" for rows × cols.
func placeholders(rows, cols int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	return strings.TrimSuffix(strings.Repeat(one+", ", rows), ", ")
}
