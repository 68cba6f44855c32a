package spend_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/billing/focusgen"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/spend"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// The integration tests import generated FOCUS data into a real store on
// every engine and check the explorer against sums the test computes
// itself from the generated file's lines, with its own rate table.

var (
	jan1     = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	genDays  = 59 // 2026-01-01 .. 2026-02-28
	gbpRates = 20 // GBP→USD rates exist for Jan 1..20, so Jan 21..27 use Jan 20's and from Jan 28 none applies
	calc     = apd.BaseContext.WithPrecision(80)
)

// eurRate and gbpRate are the test's exchange rates, exact decimals.
func eurRate(d time.Time) *apd.Decimal {
	return apd.New(10800+int64(d.Sub(jan1).Hours()/24), -4) // 1.0800, 1.0801, ...
}

func gbpRate(d time.Time) *apd.Decimal {
	return apd.New(12500-int64(d.Sub(jan1).Hours()/24)*3, -4) // 1.2500, 1.2497, ...
}

// rateFor is the test's own reading of the rules: the day's rate, the
// latest of the 7 days before, or none.
func rateFor(cur string, d time.Time) (*apd.Decimal, bool) {
	switch cur {
	case "USD":
		return apd.New(1, 0), true
	case "EUR":
		return eurRate(d), true
	case "GBP":
		last := jan1.AddDate(0, 0, gbpRates-1)
		if d.After(last.AddDate(0, 0, 7)) {
			return nil, false
		}
		if d.After(last) {
			return gbpRate(last), true
		}
		return gbpRate(d), true
	}
	panic("unexpected currency " + cur)
}

type fixture struct {
	ctx   context.Context
	svc   *spend.Service
	p     *auth.Principal
	lines []*billing.Line
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	st := store.New(db)
	now := domain.Now()
	org := domain.Org{ID: domain.NewID("org"), Name: storetest.Name("spend"), ReportingCurrency: "USD", CreatedAt: now, UpdatedAt: now}
	if err := st.CreateOrg(ctx, org); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := focusgen.Generate(&buf, focusgen.Options{Rows: 6000, Seed: 42, Start: jan1, Days: genDays}); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	r, err := billing.Open(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Costs().Import(ctx, org.ID, r, costs.ImportMeta{FileName: "gen.csv", CreatedBy: "test"}); err != nil {
		t.Fatal(err)
	}
	var rates []domain.FXRate
	for i := range genDays {
		d := jan1.AddDate(0, 0, i)
		rates = append(rates, domain.FXRate{Day: d, Base: "EUR", Quote: "USD", Value: eurRate(d), Source: "test"})
		if i < gbpRates {
			rates = append(rates, domain.FXRate{Day: d, Base: "GBP", Quote: "USD", Value: gbpRate(d), Source: "test"})
		}
	}
	if _, err := st.UpsertRates(ctx, org.ID, rates, "test", now); err != nil {
		t.Fatal(err)
	}
	p := &auth.Principal{Org: org, Perms: auth.NewPermissionSet(auth.PermCostsRead, auth.PermCostsExport)}
	return &fixture{ctx: ctx, svc: spend.New(st), p: p, lines: readLines(t, data)}
}

func readLines(t *testing.T, data []byte) []*billing.Line {
	t.Helper()
	r, err := billing.Open(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var out []*billing.Line
	for {
		l, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
}

// expected sums the test's own way: per (day, group, currency) exactly,
// converted with rateFor and rounded half-even at 10 decimals, then
// summed; amounts without a rate go to missing (per currency, original
// amount) instead.
type expected struct {
	total   *apd.Decimal
	byGroup map[string]*apd.Decimal
	byKey   map[string]*apd.Decimal // period label → total
	missing map[string]*apd.Decimal
	days    map[string]map[time.Time]bool
}

func add(m map[string]*apd.Decimal, k string, v *apd.Decimal) {
	if m[k] == nil {
		m[k] = new(apd.Decimal)
	}
	if _, err := calc.Add(m[k], m[k], v); err != nil {
		panic(err)
	}
}

type cell struct {
	day         time.Time
	group, cur  string
	periodLabel string
}

func (f *fixture) expect(from, to time.Time, convert bool, group func(*billing.Line) string, keep func(*billing.Line) bool, period func(time.Time) string) expected {
	cells := map[cell]*apd.Decimal{}
	for _, l := range f.lines {
		d := l.ChargePeriodStart.UTC().Truncate(24 * time.Hour)
		if d.Before(from) || !d.Before(to) || (keep != nil && !keep(l)) {
			continue
		}
		k := cell{day: d, group: group(l), cur: l.BillingCurrency, periodLabel: period(d)}
		if cells[k] == nil {
			cells[k] = new(apd.Decimal)
		}
		if _, err := calc.Add(cells[k], cells[k], l.BilledCost); err != nil {
			panic(err)
		}
	}
	e := expected{total: new(apd.Decimal), byGroup: map[string]*apd.Decimal{}, byKey: map[string]*apd.Decimal{},
		missing: map[string]*apd.Decimal{}, days: map[string]map[time.Time]bool{}}
	for k, sum := range cells {
		v := sum
		if convert {
			rate, ok := rateFor(k.cur, k.day)
			if !ok {
				add(e.missing, k.cur, sum)
				if e.days[k.cur] == nil {
					e.days[k.cur] = map[time.Time]bool{}
				}
				e.days[k.cur][k.day] = true
				continue
			}
			v = new(apd.Decimal)
			if _, err := calc.Mul(v, sum, rate); err != nil {
				panic(err)
			}
			rounder := apd.BaseContext.WithPrecision(80)
			rounder.Rounding = apd.RoundHalfEven
			if _, err := rounder.Quantize(v, v, -10); err != nil {
				panic(err)
			}
		}
		if _, err := calc.Add(e.total, e.total, v); err != nil {
			panic(err)
		}
		add(e.byGroup, k.group, v)
		add(e.byKey, k.periodLabel, v)
	}
	return e
}

func same(t *testing.T, what string, got domain.Amount, want *apd.Decimal) {
	t.Helper()
	if want == nil {
		want = new(apd.Decimal)
	}
	w, err := domain.AmountFromDecimal(want)
	if err != nil {
		t.Fatal(err)
	}
	if got != w {
		t.Errorf("%s = %s, want %s (computed independently)", what, got, w)
	}
}

func byService(l *billing.Line) string { return l.ServiceName }
func dayLabel(d time.Time) string      { return d.Format(time.DateOnly) }
func monthLabel(d time.Time) string    { return d.Format("2006-01") }

func (f *fixture) explore(t *testing.T, req spend.Request) *spend.Result {
	t.Helper()
	if req.Metric == "" {
		req.Metric = costs.MetricBilled
	}
	if req.Granularity == "" {
		req.Granularity = spend.Day
	}
	if req.Mode == "" {
		req.Mode = spend.Reporting
	}
	res, err := f.svc.Explore(f.ctx, f.p, req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func checkSeries(t *testing.T, b spend.Block, e expected, periods []spend.Period) {
	t.Helper()
	same(t, string(b.Currency)+" total", b.Total, e.total)
	if len(b.Series) != len(e.byGroup) {
		t.Errorf("%s: %d groups, want %d", b.Currency, len(b.Series), len(e.byGroup))
	}
	for _, s := range b.Series {
		same(t, fmt.Sprintf("%s %s", b.Currency, s.Group), s.Total, e.byGroup[s.Group])
	}
	for i, p := range periods {
		same(t, fmt.Sprintf("%s period %s", b.Currency, p.Label), b.PeriodTotals[i], e.byKey[p.Label])
	}
}
