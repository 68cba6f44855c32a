package store

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store/costseg"
)

// batch is a block of encoded lines and the dictionary entries first
// seen in them (inserted before the lines).
type batch struct {
	blk   *costseg.Block
	dims  []dimRow
	sets  []setRow
	daily *rollup // cost_daily rows handed over with this batch, if any
}

// rollupFlush is how many cost_daily keys the encoder gathers before
// handing them to the writer with the next batch: writing them while
// later lines are parsed overlaps the two (it used to be half of an
// import's time when done at the end), and bounds the map's memory. A
// key split across two flushes becomes two rows; every query sums them.
const rollupFlush = 16384

// encoder turns lines into segment columns. It runs on its own goroutine
// beside the writer, which encodes full blocks and inserts them, so
// parsing and storing share two cores.
type encoder struct {
	d      *dicts
	prev   timeBox
	free   chan *costseg.Block // blocks handed back by the writer
	daily  *rollup             // the import's cost_daily rows not yet handed over
	flush  int                 // rollupFlush, or a test's smaller figure
	line   segLine
	detail detailState
	sets   setMemo
	res    resMemo
	texts  textIntern
	shapes map[*billing.Shape]*shapeIDs
}

// textIntern gives each segment text column's values (enumerations and
// currencies: a handful each) one shared string. A line's values are part
// of its record's string, so the block's compares of one line's value
// with the last (costseg's runs) touched a cold record per line and
// column; shared strings compare by address.
type textIntern struct {
	last [segExtras]string
	all  [segExtras]map[string]string
}

// textInternMax bounds each column's map; a full one starts over.
const textInternMax = 256

func (t *textIntern) intern(i int, v string) string {
	if v == t.last[i] {
		return t.last[i]
	}
	s, ok := t.all[i][v]
	if !ok {
		s = strings.Clone(v)
		memoPut(&t.all[i], textInternMax, s, s)
	}
	t.last[i] = s
	return s
}

// timeBox keeps the last charge start's day: periods repeat line after
// line, so most lines skip the date arithmetic.
type timeBox struct {
	chargeStart time.Time
	day         int64
	set         bool
}

// lineChunk is a run of lines read from the file, with their line
// numbers (for errors), or the error that ended the reading. The encoder
// hands a chunk back when it is done with it and the reader reads later
// lines into it: lines and amounts are reused instead of allocated per
// line (about a kilobyte each), so nothing may keep a pointer into a
// chunk's lines.
type lineChunk struct {
	lines [parseChunk]billing.Line
	amts  [parseChunk][7]apd.Decimal
	preps [parseChunk]prepared
	nums  [parseChunk]int
	n     int
	err   error
}

// prepared is what the reading goroutine works out of a line ahead of the
// encoder (which owns the dictionaries and was the import's slowest
// stage): its text's dictionary values, tag-set key and extras, and its
// exact amounts.
type prepared struct {
	txt *lineText // the line's own, or shared by the lines of one billing.Shape
	am  lineAmounts
	err error // converting an amount
}

// lineText is what the store derives from a line's text (see
// billing.Shape).
type lineText struct {
	dims   [nDims]string
	tagKey []byte
	extras string
}

func (t *lineText) derive(l *billing.Line, m *prepMemo) {
	t.dims = dimValues(l)
	t.extras = m.extrasText(l.Extra)
	t.tagKey = nil
	if len(l.Tags) > 0 {
		t.tagKey = m.tagKey(l.Tags)
	}
}

func (p *prepared) prepare(l *billing.Line, m *prepMemo) {
	*p = prepared{}
	p.err = p.am.convert(l)
	if t, ok := m.shapes[l.Shape]; ok { // never for a nil Shape: none is put
		p.txt = t
		return
	}
	p.txt = &lineText{}
	p.txt.derive(l, m)
	if l.Shape != nil {
		memoPut(&m.shapes, shapeMemoMax, l.Shape, p.txt)
	}
}

// shapeMemoMax bounds the memos kept by billing.Shape (the reader's and
// the encoder's); a full memo starts over.
const shapeMemoMax = 16384

// maxBadLines is how many bad lines a failed import lists.
const maxBadLines = 5

// parseChunk is how many lines the reader hands to the encoder at a time.
const parseChunk = 256

// readLines reads the file on its own goroutine, so parsing the CSV and
// encoding the lines (dictionaries, amounts, rollup) each get a core; it
// stops at the end of the file, an error or ctx's end. It reads into the
// chunks the encoder handed back (free), else new ones.
func readLines(ctx context.Context, r *billing.Reader, out chan<- *lineChunk, free <-chan *lineChunk) {
	defer close(out)
	var memo prepMemo
	send := func(c *lineChunk) bool {
		select {
		case out <- c:
			return true
		case <-ctx.Done():
			return false
		}
	}
	c := takeChunk(free)
	for ctx.Err() == nil {
		i := c.n
		if err := r.NextInto(&c.lines[i], &c.amts[i]); err != nil {
			if !errors.Is(err, io.EOF) {
				c.err = r.BadLines(err, maxBadLines)
			}
			send(c)
			return
		}
		c.nums[i] = r.Line()
		c.preps[i].prepare(&c.lines[i], &memo)
		if c.n++; c.n == parseChunk {
			if !send(c) {
				return
			}
			c = takeChunk(free)
		}
	}
}

// takeChunk returns a chunk handed back, emptied, or a new one.
func takeChunk(free <-chan *lineChunk) *lineChunk {
	select {
	case c := <-free:
		c.n, c.err = 0, nil
		return c
	default:
		return new(lineChunk)
	}
}

// run encodes every line into batches sent to out; it returns the first
// parse error, or ctx's error when the writer gave up.
func (e *encoder) run(ctx context.Context, r *billing.Reader, sum *importSummary, out chan<- *batch) error {
	ctx, cancel := context.WithCancel(ctx)
	in, free := make(chan *lineChunk, 8), make(chan *lineChunk, 10)
	go readLines(ctx, r, in, free)
	defer func() { // stop the reader and wait for it: the caller may close r next
		cancel()
		for range in {
		}
	}()
	b := e.newBatch()
	for c := range in {
		for i := range c.n {
			l := &c.lines[i]
			seen, err := e.add(b.blk, l, &c.preps[i])
			if err != nil {
				return lineError(c.nums[i], err)
			}
			if err := sum.add(l, &e.line, seen); err != nil {
				return lineError(c.nums[i], err)
			}
			if b.blk.N == segmentLines {
				if err := e.send(ctx, b, out, false); err != nil {
					return err
				}
				b = e.newBatch()
			}
		}
		if c.err != nil {
			return c.err
		}
		select { // done with its lines: the reader may reuse them
		case free <- c:
		default:
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return e.send(ctx, b, out, true)
}

func (e *encoder) newBatch() *batch {
	select {
	case blk := <-e.free:
		blk.Reset(segIntColumns, segTextColumns)
		return &batch{blk: blk}
	default:
		return &batch{blk: newSegmentBlock()}
	}
}

func (e *encoder) send(ctx context.Context, b *batch, out chan<- *batch, last bool) error {
	b.dims, b.sets = e.d.take()
	if last || len(e.daily.rows) >= e.flush || len(e.daily.detail) >= e.flush {
		b.daily = e.daily
		e.detail.handOver(b.daily)
		e.daily = newRollup(!e.detail.off)
	}
	select {
	case out <- b:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// add encodes l (with what the reader prepared of it) into the block and
// counts it in the daily rollup. seen says an earlier line had the same
// billing.Shape.
func (e *encoder) add(blk *costseg.Block, l *billing.Line, p *prepared) (seen bool, err error) {
	sl := &e.line
	e.boxTimes(l)
	sl.day = e.prev.day
	sl.startOff = l.ChargePeriodStart.Unix() - sl.day*86400
	sl.length = l.ChargePeriodEnd.Unix() - l.ChargePeriodStart.Unix()
	sl.billStart, sl.billEnd = l.BillingPeriodStart.Unix(), l.BillingPeriodEnd.Unix()
	if p.err != nil {
		return false, p.err
	}
	sl.amounts = p.am
	if seen, err = e.text(sl, l, p.txt); err != nil {
		return false, err
	}
	appendLine(blk, sl)
	e.detail.lines++
	return seen, e.daily.add(sl)
}

// text sets the line's dictionary ids, tag set and text columns: worked
// out once per billing.Shape (seen: an earlier line's), or per line for
// lines without one.
func (e *encoder) text(sl *segLine, l *billing.Line, t *lineText) (seen bool, err error) {
	if l.Shape != nil {
		if known := e.shapes[l.Shape]; known != nil {
			sl.dims, sl.tagset, sl.text, sl.textOK = known.dims, known.tagset, known.text, known.textOK
			return true, nil
		}
	}
	e.dimIDs(&sl.dims, &t.dims)
	set, err := e.tagSet(t.tagKey, l.Tags)
	if err != nil {
		return false, err
	}
	sl.tagset = set
	for i, v := range [...]string{l.ChargeCategory, l.ChargeClass, l.ChargeFrequency, l.CommitmentDiscountCategory,
		l.CommitmentDiscountStatus, l.BillingCurrency, l.PricingCurrency} {
		sl.text[i], sl.textOK[i] = e.texts.intern(i, v), v != "" || i == segCategory || i == segBillingCurrency
	}
	sl.text[segExtras] = t.extras
	sl.textOK[segExtras] = sl.text[segExtras] != ""
	if l.Shape != nil {
		memoPut(&e.shapes, shapeMemoMax, l.Shape, &shapeIDs{dims: sl.dims, tagset: sl.tagset, text: sl.text, textOK: sl.textOK})
	}
	return false, nil
}

// shapeIDs is what the encoder worked out of a billing.Shape's text.
type shapeIDs struct {
	dims   [nDims]int64
	tagset int64
	text   [segTextColumns]string
	textOK [segTextColumns]bool
}

// lineAmounts are a line's seven amounts (four measures, three
// quantities) as exact Amounts; ok is false for a null.
type lineAmounts struct {
	v  [7]domain.Amount
	ok [7]bool
}

// convert converts the line's amounts exactly; a null stays null.
func (am *lineAmounts) convert(l *billing.Line) error {
	for i, m := range [...]struct {
		col string
		v   *apd.Decimal
	}{{"BilledCost", l.BilledCost}, {"EffectiveCost", l.EffectiveCost}, {"ListCost", l.ListCost},
		{"ContractedCost", l.ContractedCost}, {"PricingQuantity", l.PricingQuantity},
		{"ConsumedQuantity", l.ConsumedQuantity}, {"CommitmentDiscountQuantity", l.CommitmentDiscountQuantity}} {
		if m.v == nil {
			continue
		}
		v, err := domain.AmountFromDecimal(m.v)
		if err != nil {
			return &billing.ParseError{Column: m.col, Value: m.v.Text('f'), Msg: err.Error()}
		}
		am.v[i], am.ok[i] = v, true
	}
	return nil
}

func (e *encoder) boxTimes(l *billing.Line) {
	if p := &e.prev; !p.set || !l.ChargePeriodStart.Equal(p.chargeStart) {
		p.chargeStart, p.day, p.set = l.ChargePeriodStart, epochDay(l.ChargePeriodStart), true
	}
}

// dimValues lists a line's dictionary-encoded values in dimKinds order.
func dimValues(l *billing.Line) [nDims]string {
	return [nDims]string{l.ProviderName, l.PublisherName, l.InvoiceIssuerName, l.InvoiceID, l.BillingAccountID,
		l.BillingAccountName, l.SubAccountID, l.SubAccountName, l.ServiceName, l.ServiceCategory, l.RegionID,
		l.RegionName, l.ResourceID, l.ResourceName, l.ResourceType, l.SkuID, l.SkuPriceID, l.ChargeDescription,
		l.PricingUnit, l.ConsumedUnit, l.CommitmentDiscountID, l.CommitmentDiscountName,
		l.CommitmentDiscountType, l.CommitmentDiscountUnit, resourceGroup(l)}
}

// extrasText is the source's extra columns as a JSON object ("" for none).
func extrasText(extra map[string]string) (string, error) {
	if len(extra) == 0 {
		return "", nil
	}
	b, err := json.Marshal(extra)
	return string(b), err
}
