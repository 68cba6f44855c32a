package billing

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"
)

// row is the current record with typed getters. Mappers resolve column
// positions once (with lookup) and read by position, so a line costs no
// map lookups.
type row struct {
	buf    []byte // the record's fields (the scanner's buffer, see scanner)
	ends   []int  // end of each field in buf
	index  map[string]int
	header []string
	line   int
	memo   []timeMemo // per column, see cachedTime
	alloc  lineAlloc
	recStr string // buf as a string, made by the first str call of a record
	// tagMemo maps tag cells already parsed to their (shared) maps.
	tagMemo map[string]map[string]string
	// shapes is the format's memo of line texts, if it keeps one.
	shapes *shapeMemo
}

// lookup returns the position of the first column present among names
// (exact, then lower-cased), or -1.
func (r *row) lookup(names ...string) int {
	for _, n := range names {
		if i, ok := r.index[n]; ok {
			return i
		}
		if i, ok := r.index[strings.ToLower(n)]; ok {
			return i
		}
	}
	return -1
}

// isNull reports the spellings of "no value" found in real exports.
func isNull(s string) bool {
	return s == "" || s == "NULL" || s == "null" || s == "Null"
}

func (r *row) fail(i int, msg string) *ParseError {
	e := &ParseError{Line: r.line, Msg: msg}
	if i >= 0 {
		e.Column, e.Value = r.header[i], string(r.field(i))
	}
	return e
}

// dec parses an exact decimal; nil when absent or null.
func (r *row) dec(i int) (*apd.Decimal, error) {
	s := r.value(i)
	if len(s) == 0 {
		return nil, nil
	}
	d := new(apd.Decimal)
	if !parseDecInto(d, s) {
		return nil, r.fail(i, "not a number")
	}
	return d, nil
}

// requiredDec is dec for a column that must have a value.
func (r *row) requiredDec(i int) (*apd.Decimal, error) {
	d, err := r.dec(i)
	if err == nil && d == nil {
		return nil, r.fail(i, "a number is required")
	}
	return d, err
}

// Layouts seen in billing exports, most common first.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05.000",
	"2006-01-02 15:04:05.000",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02T15:04Z07:00",
	"2006-01-02",
	"01/02/2006",
	"01/02/2006 15:04:05",
	"1/2/2006",
	"1/2/2006 15:04:05",
	"1/2/2006 3:04:05 PM",
	"2006/01/02",
}

// parseTime reads a timestamp in any of the export layouts; times without
// a zone are UTC.
func parseTime(s string) (time.Time, bool) {
	if t, ok := parseTimeFast(s); ok {
		return t, true
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// time parses a timestamp; zero when absent or null.
func (r *row) time(i int) (time.Time, error) {
	s := r.value(i)
	if len(s) == 0 {
		return time.Time{}, nil
	}
	t, ok := r.cachedTime(i, s)
	if !ok {
		return t, r.fail(i, "not a date")
	}
	return t, nil
}

// requiredTime is time for a column that must have a value.
func (r *row) requiredTime(i int) (time.Time, error) {
	t, err := r.time(i)
	if err == nil && t.IsZero() {
		return t, r.fail(i, "a date is required")
	}
	return t, err
}

// tagMemoMax bounds a reader's memo of parsed tag cells (see tags); a
// full memo starts over.
const tagMemoMax = 4096

// tags parses a JSON object of tags. Azure writes it with or without the
// braces; values that are not strings are kept as their JSON text. A
// file repeats a few tag cells over and over (one per resource), so the
// reader remembers the cells it parsed: lines whose cells are the same
// text share one map, which is why Line.Tags is read-only.
func (r *row) tags(i int) (map[string]string, error) {
	if b := r.value(i); len(b) > 0 {
		if m, ok := r.tagMemo[string(b)]; ok { // no allocation: map index by converted bytes
			return m, nil
		}
	}
	m, err := r.parseTags(i)
	if err != nil || m == nil {
		return m, err
	}
	if r.tagMemo == nil || len(r.tagMemo) >= tagMemoMax {
		r.tagMemo = make(map[string]map[string]string, 256)
	}
	r.tagMemo[string(r.value(i))] = m
	return m, nil
}

// parseTags is tags without the memo.
func (r *row) parseTags(i int) (map[string]string, error) {
	s := r.str(i)
	if s == "" || s == "{}" {
		return nil, nil
	}
	if !strings.HasPrefix(s, "{") {
		s = "{" + s + "}"
	}
	if m, ok := flatStringTags(s); ok {
		return m, nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, r.fail(i, "tags are not a JSON object")
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		var str string
		if json.Unmarshal(v, &str) == nil {
			out[k] = str
		} else {
			out[k] = string(v)
		}
	}
	return out, nil
}

// Aliases so mappers can take the address of Line fields in tables.
type (
	timeField = time.Time
	decField  = *apd.Decimal
)
