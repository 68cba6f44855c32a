package store

import (
	"hash/maphash"
	"reflect"
	"slices"
	"unsafe"

	"github.com/canopyhq/canopy/internal/billing"
)

// prepMemo is the reading goroutine's memory of what it worked out for
// earlier lines (see prepared): a file repeats a few tag sets and extra
// columns' values over and over, and working them out again per line was
// a fifth of the reader's time.
type prepMemo struct {
	// tagKeys maps a tag map, by identity, to its canonical key. The
	// billing reader hands the same map to every line with the same tag
	// cell; holding the map here keeps its address from being reused for
	// another while the entry lives.
	tagKeys map[unsafe.Pointer]tagMemo
	keys    []string // canonicalTags' sorting room
	// extras interns extras texts, so lines with the same extra values
	// share one string.
	extras map[string]string
	buf    []byte
	// shapes maps a billing.Shape to what was derived from its text.
	shapes map[*billing.Shape]*lineText
}

type tagMemo struct {
	tags map[string]string
	key  []byte // shared by the lines of the set: read-only
}

// prepMemoMax bounds each memo; a full memo starts over.
const prepMemoMax = 4096

// memoPut puts k→v in the memo *m, which it starts afresh when it holds
// max entries: a full memo forgets everything, and what it forgot is
// worked out again when it comes back.
func memoPut[M ~map[K]V, K comparable, V any](m *M, max int, k K, v V) {
	if *m == nil || len(*m) >= max {
		*m = make(M, 256)
	}
	(*m)[k] = v
}

// tagKey returns the canonical key of a non-empty tag map.
func (m *prepMemo) tagKey(tags map[string]string) []byte {
	p := reflect.ValueOf(tags).UnsafePointer()
	if e, ok := m.tagKeys[p]; ok {
		return e.key
	}
	var key []byte
	key, m.keys = canonicalTags(nil, m.keys[:0], tags)
	memoPut(&m.tagKeys, prepMemoMax, p, tagMemo{tags: tags, key: key})
	return key
}

// extrasText is the source's extra columns as a JSON object ("" for
// none), as encoding/json writes a map (keys sorted, the same escapes):
// written here when no key or value needs an escape, else by
// encoding/json.
func (m *prepMemo) extrasText(extra map[string]string) string {
	if len(extra) == 0 {
		return ""
	}
	b, ok := appendPlainJSONObject(m.buf[:0], extra, &m.keys)
	m.buf = b
	if !ok {
		s, _ := extrasText(extra) // a map of strings always marshals
		return s
	}
	if s, ok := m.extras[string(b)]; ok { // no allocation: map index by converted bytes
		return s
	}
	s := string(b)
	memoPut(&m.extras, prepMemoMax, s, s)
	return s
}

// appendPlainJSONObject appends obj as encoding/json marshals it, when
// every key and value is printable ASCII that encoding/json writes as is
// (no '"', '\\', '<', '>' or '&'); ok is false otherwise. keys is
// sorting room.
func appendPlainJSONObject(b []byte, obj map[string]string, keys *[]string) (_ []byte, ok bool) {
	ks := (*keys)[:0]
	for k := range obj {
		ks = append(ks, k)
	}
	if len(ks) > 1 {
		slices.Sort(ks)
	}
	*keys = ks[:0]
	b = append(b, '{')
	for i, k := range ks {
		v := obj[k]
		if !plainJSON(k) || !plainJSON(v) {
			return b, false
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, k...)
		b = append(b, '"', ':', '"')
		b = append(b, v...)
		b = append(b, '"')
	}
	return append(b, '}'), true
}

// plainJSON says whether encoding/json writes s between quotes unchanged.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c > 0x7e, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

// setMemo is the encoder's memory of tag maps' set ids, by identity (as
// prepMemo.tagKeys): a pointer's hash instead of the canonical key's.
type setMemo map[unsafe.Pointer]setMemoEntry

type setMemoEntry struct {
	tags map[string]string // keeps the address from being reused
	id   int64
}

// tagSet is dicts.tagSetKey through the memo.
func (e *encoder) tagSet(key []byte, tags map[string]string) (int64, error) {
	if len(tags) == 0 {
		return 0, nil
	}
	p := reflect.ValueOf(tags).UnsafePointer()
	if s, ok := e.sets[p]; ok {
		return s.id, nil
	}
	id, err := e.d.tagSetKey(key, tags)
	if err != nil {
		return 0, err
	}
	memoPut(&e.sets, prepMemoMax, p, setMemoEntry{tags: tags, id: id})
	return id, nil
}

// resMemo is the encoder's memory of each resource's last line: its
// dimension values and their ids. A resource's account, service, region,
// SKU and so on mostly repeat from one of its lines to the next, so a
// line costs one lookup (its resource) and compares, instead of a
// dictionary lookup per dimension.
//
// What those cost is cache misses, not the compares: an export
// interleaves thousands of resources, so the memo is cold by the time a
// resource's next line comes. An entry is therefore found by a hash of
// the resource ID (no compare with a key kept elsewhere) and holds its
// values one after another in one buffer, so checking a line reads one
// stretch of memory instead of a string per dimension scattered over the
// heap.
type resMemo struct {
	seed  maphash.Seed
	lines map[uint64]*resLine
}

type resLine struct {
	buf  []byte        // the values one after another
	ends [nDims]uint32 // where each value ends in buf
	ids  [nDims]int64  // 0: not known yet
}

// val is the memo's value of dimension i.
func (m *resLine) val(i int) []byte {
	start := uint32(0)
	if i > 0 {
		start = m.ends[i-1]
	}
	return m.buf[start:m.ends[i]]
}

// remember keeps a line's values and ids, copied into the entry's own
// buffer (the values are part of their line's whole record string, which
// the memo would otherwise keep alive).
func (m *resLine) remember(vals *[nDims]string, ids *[nDims]int64) {
	m.buf = m.buf[:0]
	for i, v := range vals {
		m.buf = append(m.buf, v...)
		m.ends[i] = uint32(len(m.buf))
	}
	m.ids = *ids
}

// resIdx is the resource's position in dimKinds.
var resIdx = dimIndex("resource")

// dimIDs sets ids to the dictionary ids of a line's dimension values (0
// for an empty value).
func (e *encoder) dimIDs(ids *[nDims]int64, vals *[nDims]string) {
	rid := vals[resIdx]
	if rid == "" {
		for i, v := range vals {
			ids[i] = e.d.id(i, v)
		}
		return
	}
	r := &e.res
	if r.lines == nil || len(r.lines) >= prepMemoMax {
		if r.lines == nil {
			r.seed = maphash.MakeSeed()
		}
		r.lines = make(map[uint64]*resLine, 256)
	}
	h := maphash.String(r.seed, rid)
	m := r.lines[h]
	if m == nil || string(m.val(resIdx)) != rid { // new, or another resource with the same hash: start afresh
		m = &resLine{}
		r.lines[h] = m
	}
	changed := false
	for i, v := range vals {
		switch {
		case v == "":
			ids[i] = 0
		case m.ids[i] != 0 && (i == resIdx || string(m.val(i)) == v): // the resource was compared above
			ids[i] = m.ids[i]
		default:
			ids[i] = e.d.id(i, v)
			changed = true
		}
	}
	if changed {
		m.remember(vals, ids)
	}
}
