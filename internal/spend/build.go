package spend

import (
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/fx"
)

// mulContext multiplies an amount (at most 29 digits) by a rate (at most
// 34) without rounding before AmountFromDecimal's half-even rounding at
// 10^-10: 64 digits hold every such product exactly.
var mulContext = apd.BaseContext.WithPrecision(64)

// Build turns the store's aggregate rows into the explorer's result. conv
// is nil in Billing mode. Every (day, group, currency) amount is converted
// with its charge day's rate and rounded half-even to 10^-10 of the
// reporting currency, then summed exactly; an amount without a rate is
// left out and reported in a Warning, never converted at 0 or 1.
func Build(req Request, target domain.Currency, conv *fx.Converter, rows, prev []costs.AggRow) (*Result, error) {
	if req.Mode != Billing && conv == nil {
		return nil, errors.New("spend: reporting mode needs a converter")
	}
	b := newBuilder(req, target, conv)
	for i := range rows {
		b.add(&rows[i], false)
	}
	for i := range prev {
		b.add(&prev[i], true)
	}
	res := b.result()
	if b.err != nil {
		return nil, b.err
	}
	return res, nil
}

type rateKey struct {
	cur domain.Currency
	day time.Time
}

type rateAnswer struct {
	rate *apd.Decimal
	ok   bool
}

type builder struct {
	req     Request
	target  domain.Currency
	conv    *fx.Converter
	periods []Period
	index   func(time.Time) int
	blocks  map[domain.Currency]*blockAcc
	rates   map[rateKey]rateAnswer
	missing map[warnKey]*warnAcc
	err     error
}

type blockAcc struct {
	groups map[string]*groupAcc
	totals []domain.Amount
	total  domain.Amount
	prev   domain.Amount
}

type groupAcc struct {
	label   string
	amounts []domain.Amount
	total   domain.Amount
	prev    domain.Amount
}

type warnKey struct {
	cur      domain.Currency
	previous bool
}

type warnAcc struct {
	days   map[time.Time]bool
	amount domain.Amount
}

func newBuilder(req Request, target domain.Currency, conv *fx.Converter) *builder {
	b := &builder{req: req, target: target, conv: conv, blocks: map[domain.Currency]*blockAcc{},
		rates: map[rateKey]rateAnswer{}, missing: map[warnKey]*warnAcc{}}
	b.periods, b.index = Periods(req.From, req.To, req.Granularity)
	return b
}

// sum adds v to *dst, keeping the first overflow error.
func (b *builder) sum(dst *domain.Amount, v domain.Amount) {
	s, err := dst.Add(v)
	if err != nil && b.err == nil {
		b.err = err
	}
	*dst = s
}

func (b *builder) add(r *costs.AggRow, previous bool) {
	day := r.Day.UTC()
	amt := b.req.Metric.Of(r.Measures)
	cur := domain.Currency(r.Currency)
	if b.req.Mode != Billing {
		converted, ok := b.convert(amt, cur, day)
		if !ok {
			b.warn(cur, day, amt, previous)
			return
		}
		amt, cur = converted, b.target
	}
	blk := b.block(cur)
	g := blk.groups[r.Group]
	if g == nil {
		g = &groupAcc{label: r.Label, amounts: make([]domain.Amount, len(b.periods))}
		blk.groups[r.Group] = g
	}
	if previous {
		b.sum(&g.prev, amt)
		b.sum(&blk.prev, amt)
		return
	}
	i := b.index(day)
	if i < 0 {
		return // the store answered a day outside the range; nothing to add it to
	}
	b.sum(&g.amounts[i], amt)
	b.sum(&g.total, amt)
	b.sum(&blk.totals[i], amt)
	b.sum(&blk.total, amt)
}

func (b *builder) block(cur domain.Currency) *blockAcc {
	blk := b.blocks[cur]
	if blk == nil {
		blk = &blockAcc{groups: map[string]*groupAcc{}, totals: make([]domain.Amount, len(b.periods))}
		b.blocks[cur] = blk
	}
	return blk
}

// convert turns amt into the target currency with day's rate, looking
// each (currency, day) rate up once.
func (b *builder) convert(amt domain.Amount, cur domain.Currency, day time.Time) (domain.Amount, bool) {
	if cur == b.target {
		return amt, true
	}
	k := rateKey{cur, day}
	ans, seen := b.rates[k]
	if !seen {
		r, err := b.conv.Rate(cur, b.target, day)
		ans = rateAnswer{rate: r.Value, ok: err == nil}
		b.rates[k] = ans
	}
	if !ans.ok {
		return domain.Amount{}, false
	}
	var prod apd.Decimal
	if _, err := mulContext.Mul(&prod, amt.Decimal(), ans.rate); err != nil {
		b.err = errors.Join(b.err, err)
		return domain.Amount{}, false
	}
	out, err := domain.AmountFromDecimal(&prod)
	if err != nil && b.err == nil {
		b.err = err
	}
	return out, true
}

func (b *builder) warn(cur domain.Currency, day time.Time, amt domain.Amount, previous bool) {
	k := warnKey{cur, previous}
	w := b.missing[k]
	if w == nil {
		w = &warnAcc{days: map[time.Time]bool{}}
		b.missing[k] = w
	}
	w.days[day] = true
	b.sum(&w.amount, amt)
}

func (b *builder) warnings() []Warning {
	out := make([]Warning, 0, len(b.missing))
	for k, w := range b.missing {
		days := make([]time.Time, 0, len(w.days))
		for d := range w.days {
			days = append(days, d)
		}
		slices.SortFunc(days, func(x, y time.Time) int { return x.Compare(y) })
		out = append(out, Warning{Currency: k.cur, Target: b.target, Previous: k.previous, Days: days, Amount: w.amount})
	}
	slices.SortFunc(out, func(x, y Warning) int {
		if x.Previous != y.Previous {
			if x.Previous {
				return 1
			}
			return -1
		}
		return strings.Compare(string(x.Currency), string(y.Currency))
	})
	return out
}
