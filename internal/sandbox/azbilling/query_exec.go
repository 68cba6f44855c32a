package azbilling

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"
)

// bucket is one output row before formatting: its date, group values and
// one sum per aggregated column.
type bucket struct {
	date time.Time
	vals []string
	sums []int64
}

// run evaluates q over sub's data (rg = "" for the whole subscription) and
// returns the rows in a stable order.
func (b *Billing) run(q *query, sub Subscription, rg string) []*bucket {
	s := b.snapshot()
	byKey := map[string]*bucket{}
	var order []*bucket
	for d := q.from; !d.After(q.to); d = d.AddDate(0, 0, 1) {
		for _, l := range b.lines(s, sub, d, q.amortized) {
			if rg != "" && !strings.EqualFold(l.ResourceGroup, rg) || !q.filter.match(&l) {
				continue
			}
			bk := q.bucketFor(byKey, &order, &l, d)
			for i, col := range q.aggs {
				bk.sums[i] += columnAmount(col, &l)
			}
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return bucketLess(order[i], order[j]) })
	return order
}

func (q *query) bucketFor(byKey map[string]*bucket, order *[]*bucket, l *line, d time.Time) *bucket {
	var date time.Time
	switch q.grain {
	case "Daily":
		date = d
	case "Monthly":
		date = time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	vals := q.groupValues(l)
	key := dateKey(date) + "\x00" + strings.Join(vals, "\x00")
	bk := byKey[key]
	if bk == nil {
		bk = &bucket{date: date, vals: vals, sums: make([]int64, len(q.aggs))}
		byKey[key] = bk
		*order = append(*order, bk)
	}
	return bk
}

// groupValues are the line's values of the grouping columns (a TagKey
// grouping gives two: the key and the value, both "" when untagged).
func (q *query) groupValues(l *line) []string {
	var vals []string
	for _, g := range q.groups {
		if !g.tag {
			vals = append(vals, g.dim.value(l))
			continue
		}
		if v, ok := tagValue(l.Tags, g.key); ok {
			vals = append(vals, g.key, v)
		} else {
			vals = append(vals, "", "")
		}
	}
	return vals
}

func columnAmount(col string, l *line) int64 {
	if strings.HasSuffix(col, "USD") {
		return toUSD(l.Cost, l.Sub.currency())
	}
	return l.Cost
}

func bucketLess(a, b *bucket) bool {
	if !a.date.Equal(b.date) {
		return a.date.Before(b.date)
	}
	for i := range a.vals {
		if a.vals[i] != b.vals[i] {
			return a.vals[i] < b.vals[i]
		}
	}
	return false
}

type column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// columns lists the response columns in the real order: aggregations,
// groupings, the date, then Currency.
func (q *query) columns() []column {
	var cols []column
	for _, a := range q.aggs {
		cols = append(cols, column{a, "Number"})
	}
	for _, g := range q.groups {
		if g.tag {
			cols = append(cols, column{"TagKey", "String"}, column{"TagValue", "String"})
		} else {
			cols = append(cols, column{g.key, "String"})
		}
	}
	switch q.grain {
	case "Daily":
		cols = append(cols, column{"UsageDate", "Number"})
	case "Monthly":
		cols = append(cols, column{"BillingMonth", "Datetime"})
	}
	return append(cols, column{"Currency", "String"})
}

// row formats a bucket; amounts are exact decimals written as JSON numbers.
func (q *query) row(bk *bucket, currency string) []any {
	var row []any
	for _, s := range bk.sums {
		row = append(row, json.RawMessage(formatMicro(s)))
	}
	for _, v := range bk.vals {
		row = append(row, v)
	}
	switch q.grain {
	case "Daily":
		n, _ := strconv.Atoi(bk.date.Format("20060102"))
		row = append(row, n)
	case "Monthly":
		row = append(row, bk.date.Format("2006-01-02T15:04:05"))
	}
	return append(row, q.currency(currency))
}

// currency is the Currency column: USD when only USD columns are asked for.
func (q *query) currency(billing string) string {
	for _, a := range q.aggs {
		if !strings.HasSuffix(a, "USD") {
			return billing
		}
	}
	return "USD"
}

func sortStrings(s []string) { sort.Strings(s) }
