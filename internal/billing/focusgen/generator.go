// Package focusgen writes reproducible FOCUS 1.2 cost files for benchmarks
// and importer tests: realistic multi-cloud data (AWS, two Azure billing
// accounts in EUR and GBP, Microsoft 365 licences) with exact amounts, and
// the totals an importer must reproduce. It streams: memory stays constant
// whatever the row count.
package focusgen

import (
	"bufio"
	"compress/gzip"
	"errors"
	"io"
	"math/rand/v2"
	"time"

	"github.com/cockroachdb/apd/v3"
)

// Options chooses what to generate. Zero Start means 2026-01-01 and zero
// Days means 30.
type Options struct {
	Rows  int
	Seed  int64
	Start time.Time // first charge day (UTC; the time of day is ignored)
	Days  int       // charge days the rows are spread over, in order
	Gzip  bool      // compress (gzip, fastest level)
}

// Stats describes what was written. BilledCost holds the exact total of
// the BilledCost column per BillingCurrency, as apd Text('f') strings.
type Stats struct {
	Rows       int
	Bytes      int64 // written to w (compressed when Gzip)
	CSVBytes   int64 // of CSV text before compression
	BilledCost map[string]string
}

// Columns is the header written: 30 FOCUS 1.2 columns and one x_ column.
var Columns = []string{"BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency",
	"BillingPeriodEnd", "BillingPeriodStart", "ChargeCategory", "ChargeClass", "ChargeDescription",
	"ChargeFrequency", "ChargePeriodEnd", "ChargePeriodStart", "ConsumedQuantity", "ConsumedUnit",
	"ContractedCost", "EffectiveCost", "InvoiceId", "InvoiceIssuerName", "ListCost", "PricingCurrency",
	"ProviderName", "RegionId", "RegionName", "ResourceId", "ServiceCategory", "ServiceName", "SkuId",
	"SubAccountId", "SubAccountName", "Tags", "x_ResourceGroupName"}

const resourceCount = 4000

// Generate writes opts.Rows lines plus the header to w.
func Generate(w io.Writer, opts Options) (Stats, error) {
	if opts.Rows < 0 || opts.Days < 0 || opts.Days > 3660 {
		return Stats{}, errors.New("focusgen: rows must be >= 0 and days within 0..3660")
	}
	if opts.Days == 0 {
		opts.Days = 30
	}
	if opts.Start.IsZero() {
		opts.Start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	cw := &countingWriter{w: w}
	var out io.Writer = cw
	var zw *gzip.Writer
	if opts.Gzip {
		zw, _ = gzip.NewWriterLevel(cw, gzip.BestSpeed) // the level is valid
		out = zw
	}
	bw := bufio.NewWriterSize(out, 256<<10)
	g := newGen(opts)
	st, err := g.run(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil && zw != nil {
		err = zw.Close()
	}
	st.Bytes = cw.n
	return st, err
}

// gen holds the catalogue drawn for one seed and the running totals.
type gen struct {
	opts      Options
	rng       *rand.Rand
	resources []resource
	seats     []seat
	days      []day
	totals    []total // per account; accounts of one currency are merged in Stats
	buf       []byte
}

func newGen(opts Options) *gen {
	rng := rand.New(rand.NewPCG(uint64(opts.Seed), 0x9e3779b97f4a7c15))
	g := &gen{opts: opts, rng: rng, buf: make([]byte, 0, 2048), totals: make([]total, len(accounts))}
	g.resources = buildResources(rng, resourceCount)
	g.seats = buildSeats(rng)
	g.days = buildDays(opts.Start, opts.Days)
	for i := range g.totals {
		g.totals[i].sum = new(apd.Decimal)
	}
	return g
}

func (g *gen) run(bw *bufio.Writer) (Stats, error) {
	st := Stats{Rows: g.opts.Rows, BilledCost: map[string]string{}}
	b := appendHeader(g.buf[:0])
	for i := 0; i < g.opts.Rows; i++ {
		if len(b) > 192<<10 {
			if _, err := bw.Write(b); err != nil {
				return st, err
			}
			st.CSVBytes += int64(len(b))
			b = b[:0]
		}
		b = g.appendLine(b, i)
	}
	if _, err := bw.Write(b); err != nil {
		return st, err
	}
	st.CSVBytes += int64(len(b))
	return st, g.fillTotals(&st)
}

func appendHeader(b []byte) []byte {
	for i, c := range Columns {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, c...)
	}
	return append(b, '\n')
}

// total sums amounts in 1e-10 units exactly: an int64 accumulator is
// moved into an apd decimal before it could overflow, so the total is
// exact for any row count at the cost of one apd addition per ~1e5 rows.
type total struct {
	acc int64
	sum *apd.Decimal
}

const flushAt = 1 << 62 // one line's amount is < 1e15, far below the headroom

func (t *total) add(v int64) {
	t.acc += v
	if t.acc > flushAt || t.acc < -flushAt {
		t.flush()
	}
}

func (t *total) flush() {
	var d apd.Decimal
	d.SetFinite(t.acc, -10)
	if _, err := sumContext.Add(t.sum, t.sum, &d); err != nil {
		panic(err) // unreachable: 60 digits hold any total of int64 sums
	}
	t.acc = 0
}

var sumContext = apd.BaseContext.WithPrecision(60)

func (g *gen) fillTotals(st *Stats) error {
	byCur := map[string]*apd.Decimal{}
	for i := range g.totals {
		g.totals[i].flush()
		cur := accounts[i].currency
		if byCur[cur] == nil {
			byCur[cur] = new(apd.Decimal)
		}
		if _, err := sumContext.Add(byCur[cur], byCur[cur], g.totals[i].sum); err != nil {
			return err
		}
	}
	for cur, d := range byCur {
		d.Reduce(d) // "12.5", not "12.5000000000": the form a reader's sum reduces to
		st.BilledCost[cur] = d.Text('f')
	}
	return nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
