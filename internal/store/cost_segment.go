package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/canopyhq/canopy/internal/store/costseg"
)

// Cost lines are stored as segments (see package costseg): blocks of up to
// segmentLines lines of one import, column by column, one cost_segments row
// each. Importing a line then costs Go encoding instead of a database row
// with fifty bound values and index entries — the figure that kept SQLite
// imports at a third of DuckDB's speed — and a segment of 4096 lines takes
// about 100 bytes a line. The explorer's common questions are answered by
// cost_daily (SQL); what needs single lines (resource and SKU views,
// consumption, exports) decodes the segments of the days asked for.
const segmentLines = 4096

// The integer columns of a segment. Instants are stored relative to the
// charge day (they nearly always equal it), so they cost a byte.
const (
	segDay        = iota            // charge_day: days since 1970-01-01
	segStartOff                     // charge_start - charge_day*86400 (seconds)
	segLength                       // charge_end - charge_start (seconds)
	segBillStart                    // billing_period_start (Unix seconds)
	segBillEnd                      // billing_period_end (Unix seconds)
	segDims                         // nDims dictionary ids follow (null when the source is empty)
	segAmounts    = segDims + nDims // 7 amounts as units, nanos (null when the source is)
	segTagset     = segAmounts + 14 // the tag set id (null when untagged)
	segIntColumns = segTagset + 1
)

// The text columns: the FOCUS enumerations, currencies and the source's
// extra columns as a JSON object. Only charge category and billing
// currency are never null.
const (
	segCategory = iota
	segClass
	segFrequency
	segCommitmentCategory
	segCommitmentStatus
	segBillingCurrency
	segPricingCurrency
	segExtras
	segTextColumns
)

// segLine is one line in the storage's terms, what a segment holds.
type segLine struct {
	day, startOff, length, billStart, billEnd int64
	dims                                      [nDims]int64 // 0: null
	amounts                                   lineAmounts
	tagset                                    int64 // 0: untagged
	text                                      [segTextColumns]string
	textOK                                    [segTextColumns]bool
}

// appendLine adds l to the block.
func appendLine(b *costseg.Block, l *segLine) {
	ints := func(col int, v int64, ok bool) {
		c := &b.Ints[col]
		c.V = append(c.V, v)
		if !ok && c.Valid == nil {
			c.Valid = make([]bool, b.N, max(cap(c.V), segmentLines))
			for i := range c.Valid {
				c.Valid[i] = true
			}
		}
		if c.Valid != nil {
			c.Valid = append(c.Valid, ok)
		}
	}
	ints(segDay, l.day, true)
	ints(segStartOff, l.startOff, true)
	ints(segLength, l.length, true)
	ints(segBillStart, l.billStart, true)
	ints(segBillEnd, l.billEnd, true)
	for i, id := range l.dims {
		ints(segDims+i, id, id != 0)
	}
	for i := range l.amounts.v {
		ok := l.amounts.ok[i]
		ints(segAmounts+2*i, l.amounts.v[i].Units, ok)
		ints(segAmounts+2*i+1, l.amounts.v[i].Nanos, ok)
	}
	ints(segTagset, l.tagset, l.tagset != 0)
	for i := range l.text {
		c := &b.Strs[i]
		c.V = append(c.V, l.text[i])
		if !l.textOK[i] && c.Valid == nil {
			c.Valid = make([]bool, b.N, max(cap(c.V), segmentLines))
			for j := range c.Valid {
				c.Valid[j] = true
			}
		}
		if c.Valid != nil {
			c.Valid = append(c.Valid, l.textOK[i])
		}
	}
	b.N++
}

// newSegmentBlock returns an empty block with the segment's columns.
func newSegmentBlock() *costseg.Block {
	b := &costseg.Block{}
	b.Reset(segIntColumns, segTextColumns)
	return b
}

// segmentWriter inserts an import's segments inside its transaction.
type segmentWriter struct {
	c      conn
	sc     *sql.Conn // the transaction's connection, for the rollup's bulk path
	orgID  string
	num    int64
	seq    int
	buf    []byte
	stored int
	detail int // cost_detail_segments rows written (their seq)
	// dailyRows counts the cost_daily rows written.
	dailyRows int64
	// cycle, on SQLite, commits the import in short transactions (c and
	// sc then change from one to the next); nil: one transaction.
	cycle *txCycle
	// dictsFrom are the largest dictionary and tag-set ids before the
	// import: a failed cycled import deletes the entries above them.
	dictsFrom [2]int64
	// months are the months (first days) whose partitions this import
	// has made sure exist (PostgreSQL; see cost_partitions.go).
	months map[int64]bool
	// unpartitioned writes as before migration 00029 (tests of it).
	unpartitioned bool
}

// writeBatch inserts a batch's new dictionary entries, its lines and the
// rollup rows handed over with it.
func (w *segmentWriter) writeBatch(ctx context.Context, b *batch) error {
	if w.cycle == nil {
		return w.writeBatchTx(ctx, b)
	}
	if err := w.cycle.begin(ctx, w); err != nil {
		return err
	}
	if err := w.writeBatchTx(ctx, b); err != nil {
		return err
	}
	return w.cycle.maybeCommit()
}

func (w *segmentWriter) writeBatchTx(ctx context.Context, b *batch) error {
	if err := writeDicts(ctx, w.c, w.orgID, b.dims, b.sets); err != nil {
		return err
	}
	if err := w.write(ctx, b.blk); err != nil {
		return err
	}
	if b.daily == nil {
		return nil
	}
	if err := b.daily.fold(); err != nil {
		return err
	}
	w.dailyRows += int64(len(b.daily.rows))
	if err := writeRollup(ctx, w.sc, w.c.engine, w.orgID, w.num, b.daily); err != nil {
		return err
	}
	for _, blk := range b.daily.detailBlocks() {
		if err := w.insert(ctx, "cost_detail_segments", &w.detail, blk); err != nil {
			return fmt.Errorf("store detail rollup: %w", err)
		}
	}
	return nil
}

func (w *segmentWriter) write(ctx context.Context, b *costseg.Block) error {
	if b.N == 0 {
		return nil
	}
	if err := w.insert(ctx, "cost_segments", &w.seq, b); err != nil {
		return fmt.Errorf("store lines: %w", err)
	}
	w.stored += b.N
	return nil
}

// insert stores b as segment rows of table numbered from *seq + 1: one
// row, or on PostgreSQL one per month of its lines, in that month's
// partition.
func (w *segmentWriter) insert(ctx context.Context, table string, seq *int, b *costseg.Block) error {
	if !w.partitioned() {
		return w.insertOne(ctx, table, seq, b)
	}
	for _, part := range byMonth(b) {
		if err := w.ensureMonth(ctx, part.Ints[segDay].V[0]); err != nil {
			return err
		}
		if err := w.insertOne(ctx, table, seq, part); err != nil {
			return err
		}
	}
	return nil
}

// insertOne encodes b into a segment row of table, numbered *seq + 1.
func (w *segmentWriter) insertOne(ctx context.Context, table string, seq *int, b *costseg.Block) error {
	days := b.Ints[segDay].V[:b.N]
	lo, hi := days[0], days[0]
	for _, d := range days {
		lo, hi = min(lo, d), max(hi, d)
	}
	w.buf = costseg.Encode(w.buf[:0], b)
	*seq++
	_, err := w.c.exec(ctx, `INSERT INTO `+table+` (org_id, import_num, seq, day_min, day_max, line_count, data)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, w.orgID, w.num, *seq, lo, hi, b.N, w.buf)
	return err
}

// segRow is a view of one line of a decoded block.
type segRow struct {
	b *costseg.Block
	i int
}

func (r segRow) int(col int) (int64, bool) {
	c := &r.b.Ints[col]
	return c.V[r.i], c.Valid == nil || c.Valid[r.i]
}

func (r segRow) day() int64 { return r.b.Ints[segDay].V[r.i] }

// dim is the line's dictionary id of dimension i (0: null).
func (r segRow) dim(i int) int64 {
	v, _ := r.int(segDims + i)
	return v
}

func (r segRow) tagset() int64 {
	v, _ := r.int(segTagset)
	return v
}

func (r segRow) text(col int) (string, bool) {
	c := &r.b.Strs[col]
	return c.V[r.i], c.Valid == nil || c.Valid[r.i]
}

// amount is the line's amount i (0–3 the measures BilledCost …
// ContractedCost, 4 PricingQuantity, 5 ConsumedQuantity, 6
// CommitmentDiscountQuantity) as units and nanos.
func (r segRow) amount(i int) (units, nanos int64, ok bool) {
	u, ok := r.int(segAmounts + 2*i)
	n, _ := r.int(segAmounts + 2*i + 1)
	return u, n, ok
}

// lineRow converts the view to the scanned-row form the line decoder
// reads (shared with the legacy cost_lines conversion).
func (r segRow) lineRow(dst *lineRow) {
	day := r.day()
	start := day*86400 + r.b.Ints[segStartOff].V[r.i]
	dst.times = [4]int64{start, start + r.b.Ints[segLength].V[r.i], r.b.Ints[segBillStart].V[r.i], r.b.Ints[segBillEnd].V[r.i]}
	for i := range dst.dims {
		id := r.dim(i)
		dst.dims[i] = sql.NullInt64{Int64: id, Valid: id != 0}
	}
	for i := range dst.text {
		s, ok := r.text(i)
		dst.text[i] = sql.NullString{String: s, Valid: ok}
	}
	for i := range 7 {
		u, n, ok := r.amount(i)
		dst.amounts[2*i], dst.amounts[2*i+1] = sql.NullInt64{Int64: u, Valid: ok}, sql.NullInt64{Int64: n, Valid: ok}
	}
	ts := r.tagset()
	dst.tagset = sql.NullInt64{Int64: ts, Valid: ts != 0}
	ex, ok := r.text(segExtras)
	dst.extras = sql.NullString{String: ex, Valid: ok}
}
