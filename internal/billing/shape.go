package billing

import "encoding/binary"

// Shape stands for the text of a line: every field but the periods and
// the amounts (accounts, service, resource, SKU, categories, currencies,
// Tags, Extra). A reader gives lines whose text cells are byte for byte
// the same one *Shape and one set of strings and maps, so a consumer can
// remember what it works out of a line's text (dictionary ids, a tag
// set's key) by the pointer instead of redoing it per line. Nil when the
// reader did not match the line's text (another format, or a file whose
// lines repeat too little for it to try).
type Shape struct {
	n uint64 // non-zero size: distinct Shapes never share an address
}

// shapeMemo remembers the text part of a format's lines by the raw bytes
// of the cells it is read from. A billing file repeats each resource's
// text on every line of its usage (one per day and meter), so after the
// first line of a resource the rest cost one lookup of those cells
// instead of a string, a tag-map lookup and an extras map per line; and
// the lines share their strings, which compare by address downstream.
type shapeMemo struct {
	runs  []cellRun // the text cells, as runs of adjacent columns
	key   []byte
	lines map[string]*Line // key → the text part (periods and amounts zero)
	size  int              // bytes the memo holds, roughly
	next  uint64

	// A window of lookups measures the hit rate: a file whose text
	// hardly repeats (more shapes than the memo holds, interleaved)
	// would pay for keys and templates and gain nothing, so the memo
	// stands aside for a while.
	tries, hits int
	off         int // lines left to read without the memo
}

// cellRun is columns first..last (inclusive), all text cells.
type cellRun struct{ first, last int }

// Bounds of a shape memo: a full one starts over.
const (
	shapeMemoMax   = 16384
	shapeMemoBytes = 32 << 20
	shapeWindow    = 1 << 16 // lookups per hit-rate check
	shapeOffLines  = 1 << 18 // lines read without the memo after a poor window
)

// newShapeMemo memoises the text of lines whose every column but values
// (the periods' and amounts' positions, -1 for absent) is text.
func newShapeMemo(columns int, values ...int) *shapeMemo {
	isValue := make([]bool, columns)
	for _, i := range values {
		if i >= 0 && i < columns {
			isValue[i] = true
		}
	}
	m := &shapeMemo{}
	for i := 0; i < columns; i++ {
		if isValue[i] {
			continue
		}
		if n := len(m.runs); n > 0 && m.runs[n-1].last == i-1 {
			m.runs[n-1].last = i
		} else {
			m.runs = append(m.runs, cellRun{i, i})
		}
	}
	return m
}

// text sets l's text part: from the memo when an earlier line had the
// same text cells, else by read (which must set only the text fields,
// from the text cells only). An error from read is not remembered: the
// next line with those cells reads and fails again, with its own line
// number.
func (m *shapeMemo) text(r *row, l *Line, read func(*row, *Line) error) error {
	if m.off > 0 {
		m.off--
		return read(r, l)
	}
	m.key = m.appendKey(m.key[:0], r)
	m.tries++
	if t, ok := m.lines[string(m.key)]; ok { // no allocation: map index by converted bytes
		m.hits++
		*l = *t
		m.check()
		return nil
	}
	if m.check() {
		return read(r, l)
	}
	t := new(Line)
	if err := read(r, t); err != nil {
		return err
	}
	if m.lines == nil || len(m.lines) >= shapeMemoMax || m.size >= shapeMemoBytes {
		m.lines, m.size = make(map[string]*Line, 1024), 0
	}
	m.next++
	t.Shape = &Shape{n: m.next}
	m.lines[string(m.key)] = t
	m.size += 2*len(m.key) + len(r.buf) + 1024 // the key, the record's string, the Line, maps
	*l = *t
	return nil
}

// check ends a window: a poor hit rate sets the memo aside (aside).
func (m *shapeMemo) check() (aside bool) {
	if m.tries < shapeWindow {
		return false
	}
	aside = m.hits*4 < m.tries
	if aside {
		m.off, m.lines, m.size = shapeOffLines, nil, 0
	}
	m.tries, m.hits = 0, 0
	return aside
}

// appendKey appends the record's text cells, each run as its fields'
// lengths then its bytes (fields in buf are comma-separated, and a comma
// may be part of a field, so the lengths keep the key unambiguous).
func (m *shapeMemo) appendKey(b []byte, r *row) []byte {
	for _, run := range m.runs {
		start := fieldStart(r.ends, run.first)
		prev := start
		for i := run.first; i <= run.last; i++ {
			b = binary.AppendUvarint(b, uint64(r.ends[i]-prev))
			prev = r.ends[i] + 1
		}
		b = append(b, r.buf[start:r.ends[run.last]]...)
	}
	return b
}
