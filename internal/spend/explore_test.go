package spend_test

import (
	"bytes"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/spend"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

func TestExploreConvertsAndWarnsOnRealData(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		from, to := jan1, jan1.AddDate(0, 0, genDays)
		res := f.explore(t, spend.Request{Query: costs.Query{From: from, To: to, GroupBy: costs.DimService}})
		want := f.expect(from, to, true, byService, nil, dayLabel)
		if len(res.Blocks) != 1 || res.Blocks[0].Currency != "USD" || len(res.Periods) != genDays {
			t.Fatalf("%d blocks, %d periods", len(res.Blocks), len(res.Periods))
		}
		checkSeries(t, res.Blocks[0], want, res.Periods)
		if len(want.missing) != 1 || want.missing["GBP"] == nil {
			t.Fatalf("test data should miss GBP rates only: %v", want.missing)
		}
		if len(res.Warnings) != 1 || res.Warnings[0].Currency != "GBP" || res.Warnings[0].Previous {
			t.Fatalf("warnings %+v", res.Warnings)
		}
		w := res.Warnings[0]
		same(t, "GBP left out", w.Amount, want.missing["GBP"])
		wantDays := make([]time.Time, 0)
		for d := range want.days["GBP"] {
			wantDays = append(wantDays, d)
		}
		slices.SortFunc(wantDays, func(a, b time.Time) int { return a.Compare(b) })
		if !slices.Equal(w.Days, wantDays) || w.Days[0] != jan1.AddDate(0, 0, gbpRates+7) {
			t.Errorf("warning days %v, want %v", w.Days, wantDays)
		}
	})
}

func TestExploreMonthsBillingModeAndFilter(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		from, to := jan1.AddDate(0, 0, 10), jan1.AddDate(0, 0, genDays)
		vm := f.lines[0].ServiceName
		req := spend.Request{Query: costs.Query{From: from, To: to, GroupBy: costs.DimSubAccount,
			Filters: []costs.Filter{{Dim: costs.DimService, Values: []string{vm}}}}, Granularity: spend.Month, Mode: spend.Billing}
		res := f.explore(t, req)
		if len(res.Periods) != 2 || res.Periods[0].Start != from || res.Periods[1].Label != "2026-02" || len(res.Warnings) != 0 {
			t.Fatalf("periods %+v warnings %+v", res.Periods, res.Warnings)
		}
		currencies := map[string]bool{}
		for _, l := range f.lines {
			if l.ServiceName == vm {
				currencies[l.BillingCurrency] = true
			}
		}
		if len(res.Blocks) != len(currencies) {
			t.Fatalf("%d blocks, want one per billing currency %v", len(res.Blocks), currencies)
		}
		for _, b := range res.Blocks {
			cur := string(b.Currency)
			keep := func(l *billing.Line) bool { return l.ServiceName == vm && l.BillingCurrency == cur }
			want := f.expect(from, to, false, func(l *billing.Line) string { return l.SubAccountID }, keep, monthLabel)
			checkSeries(t, b, want, res.Periods)
		}
	})
}

func TestExploreComparesWithThePreviousPeriod(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		from, to := jan1.AddDate(0, 0, 31), jan1.AddDate(0, 0, 45) // Feb 1 .. Feb 14
		req := spend.Request{Query: costs.Query{From: from, To: to, GroupBy: costs.DimProvider}, Compare: true, Mode: spend.Reporting}
		res := f.explore(t, req)
		prevFrom := from.AddDate(0, 0, -14)
		if res.PrevFrom != prevFrom || res.PrevTo != from {
			t.Fatalf("previous period %v – %v", res.PrevFrom, res.PrevTo)
		}
		provider := func(l *billing.Line) string { return l.ProviderName }
		cur := f.expect(from, to, true, provider, nil, dayLabel)
		prev := f.expect(prevFrom, from, true, provider, nil, dayLabel)
		b := res.Blocks[0]
		checkSeries(t, b, cur, res.Periods)
		same(t, "previous total", b.Previous, prev.total)
		for _, s := range b.Series {
			same(t, "previous "+s.Group, s.Previous, prev.byGroup[s.Group])
			delta := new(apd.Decimal)
			if _, err := apd.BaseContext.WithPrecision(80).Sub(delta, orZero(cur.byGroup[s.Group]), orZero(prev.byGroup[s.Group])); err != nil {
				t.Fatal(err)
			}
			same(t, "change "+s.Group, s.Change.Delta, delta)
		}
		// Both periods lie after the GBP rates run out: GBP is warned for
		// both, each amount in its own warning.
		var sawPrev bool
		for _, w := range res.Warnings {
			if w.Previous {
				sawPrev = true
				same(t, "previous GBP left out", w.Amount, prev.missing["GBP"])
			}
		}
		if !sawPrev {
			t.Errorf("no warning for the previous period: %+v", res.Warnings)
		}
	})
}

func orZero(d *apd.Decimal) *apd.Decimal {
	if d == nil {
		return new(apd.Decimal)
	}
	return d
}

func TestExportFOCUSAndPermissions(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		from, to := jan1.AddDate(0, 0, 3), jan1.AddDate(0, 0, 6)
		region := f.lines[0].RegionID
		q := costs.Query{From: from, To: to, Filters: []costs.Filter{{Dim: costs.DimRegion, Values: []string{region}}}}
		var buf bytes.Buffer
		opened := false
		if err := f.svc.ExportFOCUS(f.ctx, f.p, q, func() io.Writer { opened = true; return &buf }); err != nil {
			t.Fatal(err)
		}
		got := readLines(t, buf.Bytes())
		var want []*billing.Line
		for _, l := range f.lines {
			d := l.ChargePeriodStart.UTC().Truncate(24 * time.Hour)
			if l.RegionID == region && !d.Before(from) && d.Before(to) {
				want = append(want, l)
			}
		}
		if !opened || len(got) != len(want) || len(want) == 0 {
			t.Fatalf("exported %d lines, want %d", len(got), len(want))
		}
		sum := func(ls []*billing.Line) string {
			s := new(apd.Decimal)
			for _, l := range ls {
				_, _ = apd.BaseContext.WithPrecision(80).Add(s, s, l.BilledCost)
			}
			s.Reduce(s)
			return s.Text('f')
		}
		if sum(got) != sum(want) {
			t.Errorf("exported BilledCost %s, want %s", sum(got), sum(want))
		}
		viewer := &auth.Principal{Org: f.p.Org, Perms: auth.NewPermissionSet(auth.PermCostsRead)}
		err := f.svc.ExportFOCUS(f.ctx, viewer, q, func() io.Writer { t.Error("opened for a viewer"); return &buf })
		if domain.ErrorCode(err) != domain.CodeForbidden {
			t.Errorf("viewer export: %v, want forbidden", err)
		}
		if _, err := f.svc.Table(f.ctx, viewer, spend.Request{Query: q, Granularity: spend.Day, Metric: costs.MetricBilled}); domain.ErrorCode(err) != domain.CodeForbidden {
			t.Errorf("viewer table export: %v, want forbidden", err)
		}
		if _, err := f.svc.Explore(f.ctx, viewer, spend.Request{Query: q, Granularity: spend.Day, Metric: costs.MetricBilled, Mode: spend.Billing}); err != nil {
			t.Errorf("viewer explore: %v", err)
		}
		other := &auth.Principal{Org: domain.Org{ID: "org_other", ReportingCurrency: "USD"}, Perms: f.p.Perms}
		res, err := f.svc.Explore(f.ctx, other, spend.Request{Query: q, Granularity: spend.Day, Metric: costs.MetricBilled, Mode: spend.Billing})
		if err != nil || !res.Empty() {
			t.Errorf("another organisation sees %+v (err %v)", res, err)
		}
	})
}

func TestFreshnessAndValues(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		list, err := f.svc.Freshness(f.ctx, f.p)
		if err != nil || len(list) == 0 {
			t.Fatalf("freshness %v %v", list, err)
		}
		last := jan1.AddDate(0, 0, genDays-1)
		for _, fr := range list {
			if fr.DataThrough.After(last) || fr.DataThrough.Before(last.AddDate(0, 0, -1)) {
				t.Errorf("%s %s data through %v, want about %v", fr.Provider, fr.BillingAccount, fr.DataThrough, last)
			}
		}
		vals, err := f.svc.Values(f.ctx, f.p, costs.DimService, "", jan1, jan1.AddDate(0, 0, genDays), 500)
		if err != nil {
			t.Fatal(err)
		}
		services := map[string]bool{}
		for _, l := range f.lines {
			services[l.ServiceName] = true
		}
		if len(vals) != len(services) {
			t.Errorf("%d service values, the data has %d", len(vals), len(services))
		}
	})
}
