package billing

import (
	"bytes"
	"strings"
)

// field is column i's raw bytes, valid until the next record.
func (r *row) field(i int) []byte {
	return r.buf[fieldStart(r.ends, i):r.ends[i]]
}

// setFields makes fields the current record (tests; the reader points buf
// and ends at its scanner's).
func (r *row) setFields(fields ...string) {
	r.buf, r.ends, r.recStr = r.buf[:0], r.ends[:0], ""
	for i, f := range fields {
		if i > 0 {
			r.buf = append(r.buf, ',')
		}
		r.buf = append(r.buf, f...)
		r.ends = append(r.ends, len(r.buf))
	}
}

// text is the record as read, fields joined by commas (for errors).
func (r *row) text() string {
	var b strings.Builder
	for i := range r.ends {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(r.field(i))
	}
	return b.String()
}

// isNullBytes is isNull for bytes (the length test first: converting a
// longer slice for the call would allocate).
func isNullBytes(b []byte) bool {
	return len(b) == 0 || len(b) == 4 && isNull(string(b))
}

// str returns a column's text, "" when absent or null: a part of one
// string made for the whole record on first use, as encoding/csv did, so
// a line's kept values cost one allocation together.
func (r *row) str(i int) string {
	start, end := r.span(i)
	if start == end {
		return ""
	}
	if r.recStr == "" {
		r.recStr = string(r.buf)
	}
	return r.recStr[start:end]
}

// value is a column's trimmed bytes, empty when absent or null; valid
// until the next record.
func (r *row) value(i int) []byte {
	start, end := r.span(i)
	return r.buf[start:end]
}

// span is where a column's trimmed text is in buf; start == end when
// the column is absent or null. The usual cell starts and ends with a
// printable ASCII byte and needs no trimming.
func (r *row) span(i int) (start, end int) {
	if i < 0 {
		return 0, 0
	}
	start, end = fieldStart(r.ends, i), r.ends[i]
	if start >= end {
		return 0, 0
	}
	if c0, c1 := r.buf[start], r.buf[end-1]; c0 <= ' ' || c0 >= 0x80 || c1 <= ' ' || c1 >= 0x80 {
		return r.trimmedSpan(start, end)
	}
	if end-start == 4 && isNull(string(r.buf[start:end])) {
		return 0, 0
	}
	return start, end
}

// trimmedSpan is span's general case: bytes.TrimSpace, then the null check.
func (r *row) trimmedSpan(start, end int) (int, int) {
	b := r.buf[start:end]
	t := bytes.TrimSpace(b)
	if isNullBytes(t) {
		return 0, 0
	}
	start += cap(b) - cap(t) // t is a subslice of b
	return start, start + len(t)
}
