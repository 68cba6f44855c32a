package spend

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
)

// Periods splits [from, to) into days or calendar months (the first and
// last month cut to the range) and returns the index of a day's period
// (-1 outside the range).
func Periods(from, to time.Time, g Granularity) ([]Period, func(time.Time) int) {
	from, to = from.UTC(), to.UTC()
	var out []Period
	if g == Month {
		for s := from; s.Before(to); {
			e := time.Date(s.Year(), s.Month()+1, 1, 0, 0, 0, 0, time.UTC)
			out = append(out, Period{Start: s, End: minTime(e, to), Label: s.Format("2006-01")})
			s = e
		}
		return out, func(d time.Time) int {
			if d.Before(from) || !d.Before(to) {
				return -1
			}
			return (d.Year()-from.Year())*12 + int(d.Month()) - int(from.Month())
		}
	}
	for s := from; s.Before(to); s = s.AddDate(0, 0, 1) {
		out = append(out, Period{Start: s, End: s.AddDate(0, 0, 1), Label: s.Format(time.DateOnly)})
	}
	return out, func(d time.Time) int {
		if d.Before(from) || !d.Before(to) {
			return -1
		}
		return int(d.Sub(from) / (24 * time.Hour))
	}
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func (b *builder) result() *Result {
	req := b.req
	res := &Result{From: req.From, To: req.To, Granularity: req.Granularity, Metric: req.Metric, Mode: req.Mode,
		GroupBy: req.GroupBy, GroupTag: req.GroupTag, Compare: req.Compare, Periods: b.periods, Warnings: b.warnings()}
	if req.Compare {
		prev := req.Previous()
		res.PrevFrom, res.PrevTo = prev.From, prev.To
	}
	curs := slices.Sorted(maps.Keys(b.blocks))
	if req.Mode != Billing {
		curs = []domain.Currency{b.target} // one block even when nothing converted
	}
	for _, cur := range curs {
		res.Blocks = append(res.Blocks, b.finish(cur, b.block(cur)))
	}
	return res
}

func (b *builder) finish(cur domain.Currency, acc *blockAcc) Block {
	blk := Block{Currency: cur, PeriodTotals: acc.totals, Total: acc.total, Previous: acc.prev}
	blk.Change = change(acc.total, acc.prev)
	for key, g := range acc.groups {
		label := g.label
		if label == "" {
			label = key
		}
		switch {
		case b.req.GroupBy == "":
			label = AllLabel
		case key == costs.NoValue:
			label = NoValueLabel
		}
		blk.Series = append(blk.Series, Series{Group: key, Label: label, Amounts: g.amounts, Total: g.total,
			Previous: g.prev, Change: change(g.total, g.prev)})
	}
	blk.Chart = topN(blk.Series, b.req.Top, len(b.periods), b)
	SortSeries(blk.Series, b.req.Sort, b.req.Desc)
	return blk
}

// change compares total with prev exactly; the percentage is rounded to
// one decimal, half away from zero as people expect.
func change(total, prev domain.Amount) Change {
	neg := domain.Amount{Units: -prev.Units, Nanos: -prev.Nanos}
	delta, err := total.Add(neg)
	if err != nil {
		return Change{}
	}
	c := Change{Delta: delta}
	if prev.IsZero() {
		return c
	}
	ctx := apd.BaseContext.WithPrecision(40)
	var q, pct apd.Decimal
	den := prev.Decimal()
	den.Abs(den)
	if _, err := ctx.Quo(&q, delta.Decimal(), den); err != nil {
		return c
	}
	if _, err := ctx.Mul(&pct, &q, apd.New(100, 0)); err != nil {
		return c
	}
	ctx.Rounding = apd.RoundHalfUp
	if _, err := ctx.Quantize(&pct, &pct, -1); err != nil {
		return c
	}
	c.Percent = pct.Text('f')
	return c
}

// SortSeries orders a table's rows by key (total, label, previous or
// change), descending when desc; ties fall back to the label.
func SortSeries(s []Series, key string, desc bool) {
	slices.SortStableFunc(s, func(a, b Series) int {
		var c int
		switch key {
		case SortLabel:
			c = strings.Compare(strings.ToLower(a.Label), strings.ToLower(b.Label))
		case SortPrevious:
			c = a.Previous.Cmp(b.Previous)
		case SortChange:
			c = a.Change.Delta.Cmp(b.Change.Delta)
		default:
			c = a.Total.Cmp(b.Total)
		}
		if desc {
			c = -c
		}
		if c == 0 {
			c = cmp.Or(strings.Compare(a.Label, b.Label), strings.Compare(a.Group, b.Group))
		}
		return c
	})
}

// topN keeps the n groups with the largest totals for the chart and sums
// the rest into one "Other" series.
func topN(all []Series, n, periods int, b *builder) []Series {
	if n <= 0 {
		n = DefaultTop
	}
	s := slices.Clone(all)
	SortSeries(s, SortTotal, true)
	if len(s) <= n {
		return s
	}
	other := Series{Group: OtherLabel, Label: OtherLabel, Other: true, Amounts: make([]domain.Amount, periods)}
	for _, r := range s[n:] {
		for i, a := range r.Amounts {
			b.sum(&other.Amounts[i], a)
		}
		b.sum(&other.Total, r.Total)
		b.sum(&other.Previous, r.Previous)
	}
	other.Change = change(other.Total, other.Previous)
	return append(s[:n:n], other)
}
