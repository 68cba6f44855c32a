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
)

// lineHead are the cost_lines columns before the dimensions, lineTail the
// ones after them; see lineArgs for the values.
var (
	lineHead = []string{"org_id", "import_num", "charge_day", "charge_start", "charge_end",
		"billing_period_start", "billing_period_end"}
	lineTail = []string{"charge_category", "charge_class", "charge_frequency", "commitment_discount_category",
		"commitment_discount_status", "billing_currency", "pricing_currency",
		"billed_units", "billed_nanos", "effective_units", "effective_nanos", "list_units", "list_nanos",
		"contracted_units", "contracted_nanos", "pricing_qty_units", "pricing_qty_nanos",
		"consumed_qty_units", "consumed_qty_nanos", "commitment_qty_units", "commitment_qty_nanos",
		"tagset_id", "extras"}
	lineCols = len(lineHead) + nDims + len(lineTail)
)

// sqliteBatch is how many lines one INSERT carries on SQLite: within its
// 32766 bound variables. PostgreSQL COPYs larger batches.
var sqliteBatch = min(500, 32766/lineCols)

const postgresBatch = 4000

func insertLinesSQL(rows int) string {
	return "INSERT INTO cost_lines (" + strings.Join(lineColumns, ", ") + ") VALUES " + placeholders(rows, lineCols)
}

// batch is a block of encoded lines and the dictionary entries first
// seen in them (inserted before the lines).
type batch struct {
	args []any
	n    int
	dims []dimRow
	sets []setRow
}

// encoder turns lines into INSERT arguments. It runs on its own goroutine
// beside the batchWriter, so parsing and SQLite's work share two cores.
type encoder struct {
	orgID string
	num   any // the import's num, boxed once
	d     *dicts
	prev  timeBox
	free  chan []any // argument slices handed back by the writer
	size  int        // lines per batch
	daily *rollup    // the import's cost_daily rows
}

// timeBox keeps the last instant and day boxed: periods repeat line after
// line, so most lines reuse them without allocating.
type timeBox struct {
	chargeStart, chargeEnd, billStart, billEnd time.Time
	cs, ce, bs, be, day                        any
	dayNum                                     int64
}

// run reads every line into batches sent to out; it returns the first
// parse error, or ctx's error when the writer gave up.
func (e *encoder) run(ctx context.Context, r *billing.Reader, sum *importSummary, out chan<- *batch) error {
	b := e.newBatch()
	for {
		l, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if err := sum.add(l); err != nil {
			return lineError(r.Line(), err)
		}
		if b.args, err = e.lineArgs(b.args, l); err != nil {
			return lineError(r.Line(), err)
		}
		if b.n++; b.n == e.size {
			if err := e.send(ctx, b, out); err != nil {
				return err
			}
			b = e.newBatch()
		}
	}
	return e.send(ctx, b, out)
}

func (e *encoder) newBatch() *batch {
	select {
	case a := <-e.free:
		return &batch{args: a}
	default:
		return &batch{args: make([]any, 0, e.size*lineCols)}
	}
}

func (e *encoder) send(ctx context.Context, b *batch, out chan<- *batch) error {
	b.dims, b.sets = e.d.take()
	select {
	case out <- b:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (e *encoder) lineArgs(a []any, l *billing.Line) ([]any, error) {
	e.boxTimes(l)
	a = append(a, e.orgID, e.num, e.prev.day, e.prev.cs, e.prev.ce, e.prev.bs, e.prev.be)
	var ids [nDims]any
	for i, v := range dimValues(l) {
		ids[i] = e.d.id(i, v)
		a = append(a, ids[i])
	}
	a = append(a, l.ChargeCategory, optStr(l.ChargeClass), optStr(l.ChargeFrequency),
		optStr(l.CommitmentDiscountCategory), optStr(l.CommitmentDiscountStatus), l.BillingCurrency, optStr(l.PricingCurrency))
	var am lineAmounts
	a, err := am.appendArgs(a, l)
	if err != nil {
		return a, err
	}
	extras, err := extrasArg(l.Extra)
	if err != nil {
		return a, err
	}
	set, err := e.d.tagSet(l.Tags)
	if err != nil {
		return a, err
	}
	return append(a, set, extras), e.daily.add(e.prev.dayNum, &ids, l, set, &am)
}

// lineAmounts are a line's seven amounts (four measures, three
// quantities) as exact Amounts; ok is false for a null.
type lineAmounts struct {
	v  [7]domain.Amount
	ok [7]bool
}

// appendArgs converts the amounts and appends their units and nanos
// columns (NULL, NULL for a null).
func (am *lineAmounts) appendArgs(a []any, l *billing.Line) ([]any, error) {
	for i, m := range [...]struct {
		col string
		v   *apd.Decimal
	}{{"BilledCost", l.BilledCost}, {"EffectiveCost", l.EffectiveCost}, {"ListCost", l.ListCost},
		{"ContractedCost", l.ContractedCost}, {"PricingQuantity", l.PricingQuantity},
		{"ConsumedQuantity", l.ConsumedQuantity}, {"CommitmentDiscountQuantity", l.CommitmentDiscountQuantity}} {
		if m.v == nil {
			a = append(a, nil, nil)
			continue
		}
		v, err := domain.AmountFromDecimal(m.v)
		if err != nil {
			return a, &billing.ParseError{Column: m.col, Value: m.v.Text('f'), Msg: err.Error()}
		}
		am.v[i], am.ok[i] = v, true
		a = append(a, v.Units, v.Nanos)
	}
	return a, nil
}

func (e *encoder) boxTimes(l *billing.Line) {
	p := &e.prev
	if p.cs == nil || !l.ChargePeriodStart.Equal(p.chargeStart) {
		p.chargeStart, p.cs = l.ChargePeriodStart, l.ChargePeriodStart.Unix()
		p.dayNum = epochDay(l.ChargePeriodStart)
		p.day = p.dayNum
	}
	if p.ce == nil || !l.ChargePeriodEnd.Equal(p.chargeEnd) {
		p.chargeEnd, p.ce = l.ChargePeriodEnd, l.ChargePeriodEnd.Unix()
	}
	if p.bs == nil || !l.BillingPeriodStart.Equal(p.billStart) {
		p.billStart, p.bs = l.BillingPeriodStart, l.BillingPeriodStart.Unix()
	}
	if p.be == nil || !l.BillingPeriodEnd.Equal(p.billEnd) {
		p.billEnd, p.be = l.BillingPeriodEnd, l.BillingPeriodEnd.Unix()
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

func optStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func extrasArg(extra map[string]string) (any, error) {
	if len(extra) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(extra)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}
