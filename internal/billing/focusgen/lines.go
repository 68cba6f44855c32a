package focusgen

import (
	"strconv"
	"time"
)

// day holds the pre-rendered period fields of one charge day.
type day struct {
	chargeStart, chargeEnd, billStart, billEnd string
	invoice                                    []string // per account
}

func buildDays(start time.Time, n int) []day {
	start = time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, time.UTC)
	out := make([]day, n)
	for i := range out {
		d := start.AddDate(0, 0, i)
		month := time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC)
		out[i] = day{chargeStart: stamp(d), chargeEnd: stamp(d.AddDate(0, 0, 1)),
			billStart: stamp(month), billEnd: stamp(month.AddDate(0, 1, 0))}
		for ai, a := range accounts {
			out[i].invoice = append(out[i].invoice, a.invoicePrefix+month.Format("200601")+strconv.Itoa(ai+1)+"7")
		}
	}
	return out
}

func stamp(t time.Time) string { return t.Format(time.RFC3339) }

// Kinds of line; all but usage are placed by row number (with primes) so
// even a small file has each kind and the pattern never lines up with days.
const (
	lineUsage = iota
	linePurchase
	lineTax
	lineCredit
	lineCorrection
)

func lineKind(i int) int {
	switch {
	case i%9973 == 29:
		return lineCorrection
	case i%1999 == 17:
		return lineCredit
	case i%997 == 13:
		return lineTax
	case i%53 == 5:
		return linePurchase
	}
	return lineUsage
}

// amounts of one line in 1e-10 units of the billing currency; the
// quantity is in hundredths and null when noQty.
type amounts struct {
	billed, eff, contr, list, qty int64
	noQty                         bool
}

func (g *gen) appendLine(b []byte, i int) []byte {
	di := i * len(g.days) / max(g.opts.Rows, 1)
	kind := lineKind(i)
	if kind == linePurchase {
		return g.appendLicence(b, di)
	}
	r := &g.resources[g.pick()]
	a := g.usage(r)
	class, freq, desc, res := "", "Usage-Based", r.desc, r
	charge := di
	switch kind {
	case lineTax:
		tax := (a.contr + 1000*1e10) * r.acct.taxBasisPoints / 10000
		a = amounts{billed: tax, eff: tax, contr: tax, list: tax, noQty: true}
		freq, desc, res = "Recurring", r.acct.taxDesc, nil
	case lineCredit:
		credit := -(10 + g.rng.Int64N(490)) * 1e10
		a = amounts{billed: credit, eff: credit, noQty: true}
		freq, desc, res = "One-Time", r.acct.creditDesc, nil
	case lineCorrection:
		a = amounts{billed: -a.billed, eff: -a.eff, contr: -a.contr, list: -a.list, qty: -a.qty, noQty: a.noQty}
		class, desc, charge = "Correction", "Correction of an earlier day's usage", max(di-1, 0)
	}
	g.totals[r.accIdx].add(a.billed)
	return g.appendFields(b, fields{acct: r.acct, accIdx: r.accIdx, sub: r.sub, res: res, r: r, a: a,
		category: category(kind), class: class, freq: freq, desc: desc, bill: &g.days[di], charge: &g.days[charge]})
}

// pick draws a resource with a skewed distribution: a few resources
// carry most of the spend, as in real bills.
func (g *gen) pick() int {
	u := g.rng.Float64()
	return int(u * u * u * resourceCount)
}

func (g *gen) usage(r *resource) amounts {
	s := r.svc
	q := s.qtyLo + g.rng.Int64N(s.qtyHi-s.qtyLo+1)
	if s.qtyHi == 2400 && g.rng.IntN(4) != 0 {
		q = 2400 // most hourly resources run all day
	}
	a := amounts{qty: q, list: q * r.list, contr: q * r.contr, eff: q * r.eff}
	a.billed = a.contr
	if r.covered {
		a.billed = 0 // paid by the commitment's purchase; the effective cost is amortised
	}
	return a
}

func category(kind int) string {
	switch kind {
	case lineTax:
		return "Tax"
	case lineCredit:
		return "Credit"
	}
	return "Usage"
}

func (g *gen) appendLicence(b []byte, di int) []byte {
	const ai = 3 // the Microsoft 365 account
	s := &g.seats[g.rng.IntN(len(g.seats))]
	l := &licences[s.idx]
	list := s.seats * l.monthly * 100 / 30
	contr := list * 9500 / 10000
	a := amounts{billed: contr, eff: contr, contr: contr, list: list, noQty: true}
	g.totals[ai].add(a.billed)
	return g.appendFields(b, fields{acct: &accounts[ai], accIdx: ai, sub: &accounts[ai].subs[0], a: a,
		category: "Purchase", freq: "Recurring", desc: s.desc, bill: &g.days[di], charge: &g.days[di],
		service: l.name, serviceCat: l.category, sku: l.sku})
}
