// Package costseg encodes blocks of cost lines column by column into one
// compact byte string (a "segment"), the way columnar engines store row
// groups: each integer column as zig-zag varint deltas, each text column
// as a per-segment dictionary plus indexes, with a presence bitmap where a
// column has nulls. The cost store keeps one segment per few thousand
// lines as a single database row, so importing a line costs a few
// nanoseconds of encoding instead of a database row with fifty bound
// values and its index entries, and scanning decodes in Go.
package costseg

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
)

// version is the first byte of every segment. Version 2 writes each
// column's byte length before the columns, so a reader can skip the
// columns it does not need.
const version = 2

// Block is a set of lines in columns. Every column holds N values; Valid
// marks non-null values (nil means none is null).
type Block struct {
	N    int
	Ints []IntCol
	Strs []StrCol
}

// IntCol is an integer column.
type IntCol struct {
	V     []int64
	Valid []bool // nil: all valid
}

// StrCol is a text column.
type StrCol struct {
	V     []string
	Valid []bool // nil: all valid
}

// Reset empties b for reuse with the given column counts, keeping its
// slices' capacity.
func (b *Block) Reset(ints, strs int) {
	b.N = 0
	b.Ints = resize(b.Ints, ints)
	b.Strs = resize(b.Strs, strs)
	for i := range b.Ints {
		b.Ints[i].V, b.Ints[i].Valid = b.Ints[i].V[:0], b.Ints[i].Valid[:0]
	}
	for i := range b.Strs {
		b.Strs[i].V, b.Strs[i].Valid = b.Strs[i].V[:0], b.Strs[i].Valid[:0]
	}
}

func resize[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s[:n]
	}
	return append(s[:cap(s)], make([]T, n-cap(s))...)
}

// bodies holds the scratch buffers Encode builds columns in.
var bodies = sync.Pool{New: func() any { return new([]byte) }}

// Encode appends the segment of b to dst.
func Encode(dst []byte, b *Block) []byte {
	dst = append(dst, version)
	dst = binary.AppendUvarint(dst, uint64(b.N))
	dst = binary.AppendUvarint(dst, uint64(len(b.Ints)))
	dst = binary.AppendUvarint(dst, uint64(len(b.Strs)))
	// The columns are encoded one after another into body (a buffer
	// reused across calls), then their lengths and the body are appended.
	bp := bodies.Get().(*[]byte)
	defer bodies.Put(bp)
	body := (*bp)[:0]
	defer func() { *bp = body[:0] }()
	ends := make([]int, 0, len(b.Ints)+len(b.Strs))
	for i := range b.Ints {
		body = encodeInts(body, &b.Ints[i], b.N)
		ends = append(ends, len(body))
	}
	for i := range b.Strs {
		body = encodeStrs(body, &b.Strs[i], b.N)
		ends = append(ends, len(body))
	}
	prev := 0
	for _, e := range ends {
		dst = binary.AppendUvarint(dst, uint64(e-prev))
		prev = e
	}
	return append(dst, body...)
}

// appendValid writes a presence flag and, when some value is null, the
// bitmap.
func appendValid(dst []byte, valid []bool, n int) []byte {
	allValid := true
	for _, v := range valid {
		if !v {
			allValid = false
			break
		}
	}
	if allValid {
		return append(dst, 0)
	}
	dst = append(dst, 1)
	for i := 0; i < n; i += 8 {
		var by byte
		for j := i; j < min(i+8, n); j++ {
			if valid[j] {
				by |= 1 << (j - i)
			}
		}
		dst = append(dst, by)
	}
	return dst
}

func encodeInts(dst []byte, c *IntCol, n int) []byte {
	dst = appendValid(dst, c.Valid, n)
	var prev int64
	for i, v := range c.V[:n] {
		if c.Valid != nil && !c.Valid[i] {
			continue
		}
		dst = binary.AppendVarint(dst, v-prev)
		prev = v
	}
	return dst
}

func encodeStrs(dst []byte, c *StrCol, n int) []byte {
	dst = appendValid(dst, c.Valid, n)
	// A dictionary of the distinct values in first-seen order; lines
	// refer to it by index. Most text columns have a handful of values
	// per segment.
	index := make(map[string]uint64, 8)
	var order []string
	ids := make([]uint64, 0, n)
	var prev string
	var prevID uint64
	for i, v := range c.V[:n] {
		if c.Valid != nil && !c.Valid[i] {
			continue
		}
		if len(ids) > 0 && v == prev { // runs of one value are the common case
			ids = append(ids, prevID)
			continue
		}
		id, ok := index[v]
		if !ok {
			id = uint64(len(order))
			index[v] = id
			order = append(order, v)
		}
		ids = append(ids, id)
		prev, prevID = v, id
	}
	dst = binary.AppendUvarint(dst, uint64(len(order)))
	for _, s := range order {
		dst = binary.AppendUvarint(dst, uint64(len(s)))
		dst = append(dst, s...)
	}
	for _, id := range ids {
		dst = binary.AppendUvarint(dst, id)
	}
	return dst
}

// ErrCorrupt is returned for a segment that does not decode.
var ErrCorrupt = errors.New("costseg: corrupt segment")

// maxLines bounds a segment's line count, and maxCells its lines times
// columns, so a corrupt header cannot make Decode allocate (or loop)
// without limit: the store writes at most 4,096 lines a segment, with
// about 50 columns. (FuzzDecode found an 8-byte header that made Decode
// allocate 1.2 GB and spin 8 s over 162 columns of 905,506 lines.)
const (
	maxLines = 1 << 20
	maxCells = 1 << 22
)

// Decode reads a segment into b, reusing its slices.
func Decode(data []byte, b *Block) error { return DecodeColumns(data, b, nil) }

// Columns selects the columns DecodeColumns reads (by index); a nil
// Columns reads all.
type Columns struct {
	Ints, Strs []bool
}

// DecodeColumns reads the selected columns of a segment into b; the
// others are left empty (nil values), so a scan that needs a few of fifty
// columns skips the rest.
func DecodeColumns(data []byte, b *Block, want *Columns) error {
	d := decoder{buf: data}
	if d.byte() != version {
		return fmt.Errorf("%w: unknown version", ErrCorrupt)
	}
	n, ni, ns := d.uvarint(), d.uvarint(), d.uvarint()
	if d.err != nil || n > maxLines || ni > 1024 || ns > 1024 || n*(ni+ns) > maxCells {
		return fmt.Errorf("%w: bad header", ErrCorrupt)
	}
	b.Reset(int(ni), int(ns))
	b.N = int(n)
	lens := make([]uint64, ni+ns)
	for i := range lens {
		lens[i] = d.uvarint()
	}
	if d.err != nil {
		return d.err
	}
	for i := range b.Ints {
		col := d.column(lens[i])
		if d.err != nil {
			return d.err
		}
		if want == nil || (i < len(want.Ints) && want.Ints[i]) {
			col.ints(&b.Ints[i], b.N)
			d.check(col)
		}
	}
	for i := range b.Strs {
		col := d.column(lens[int(ni)+i])
		if d.err != nil {
			return d.err
		}
		if want == nil || (i < len(want.Strs) && want.Strs[i]) {
			col.strs(&b.Strs[i], b.N)
			d.check(col)
		}
	}
	if d.err == nil && len(d.buf) != 0 {
		d.err = fmt.Errorf("%w: %d trailing bytes", ErrCorrupt, len(d.buf))
	}
	return d.err
}

// column splits off the next column's bytes as a decoder of its own.
func (d *decoder) column(n uint64) *decoder {
	if d.err != nil || n > uint64(len(d.buf)) {
		d.fail("truncated column")
		return &decoder{err: d.err}
	}
	c := &decoder{buf: d.buf[:n]}
	d.buf = d.buf[n:]
	return c
}

// check takes over a column decoder's error, and refuses bytes it left.
func (d *decoder) check(c *decoder) {
	if d.err != nil {
		return
	}
	if c.err != nil {
		d.err = c.err
	} else if len(c.buf) != 0 {
		d.err = fmt.Errorf("%w: %d bytes left in a column", ErrCorrupt, len(c.buf))
	}
}

type decoder struct {
	buf []byte
	err error
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", ErrCorrupt, what)
	}
	d.buf = nil
}

func (d *decoder) byte() byte {
	if len(d.buf) == 0 {
		d.fail("truncated")
		return 0
	}
	b := d.buf[0]
	d.buf = d.buf[1:]
	return b
}

func (d *decoder) uvarint() uint64 {
	v, k := binary.Uvarint(d.buf)
	if k <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.buf = d.buf[k:]
	return v
}

func (d *decoder) varint() int64 {
	v, k := binary.Varint(d.buf)
	if k <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.buf = d.buf[k:]
	return v
}

// valid reads a presence bitmap into dst (nil when all are valid).
func (d *decoder) valid(dst []bool, n int) []bool {
	switch d.byte() {
	case 0:
		return nil
	case 1:
	default:
		d.fail("bad presence flag")
		return nil
	}
	nb := (n + 7) / 8
	if len(d.buf) < nb {
		d.fail("truncated bitmap")
		return nil
	}
	dst = resize(dst[:0], n)
	for i := range n {
		dst[i] = d.buf[i/8]&(1<<(i%8)) != 0
	}
	d.buf = d.buf[nb:]
	return dst
}

func (d *decoder) ints(c *IntCol, n int) {
	c.Valid = d.valid(c.Valid, n)
	c.V = resize(c.V[:0], n)
	var prev int64
	for i := range n {
		if c.Valid != nil && !c.Valid[i] {
			c.V[i] = 0
			continue
		}
		prev += d.varint()
		c.V[i] = prev
	}
}

func (d *decoder) strs(c *StrCol, n int) {
	c.Valid = d.valid(c.Valid, n)
	k := d.uvarint()
	if k > uint64(n) {
		d.fail("dictionary larger than the segment")
		return
	}
	dict := make([]string, k)
	for i := range dict {
		l := d.uvarint()
		if l > uint64(len(d.buf)) {
			d.fail("truncated text")
			return
		}
		dict[i] = string(d.buf[:l])
		d.buf = d.buf[l:]
	}
	c.V = resize(c.V[:0], n)
	for i := range n {
		if c.Valid != nil && !c.Valid[i] {
			c.V[i] = ""
			continue
		}
		id := d.uvarint()
		if id >= uint64(len(dict)) {
			d.fail("text index out of range")
			return
		}
		c.V[i] = dict[id]
	}
}
