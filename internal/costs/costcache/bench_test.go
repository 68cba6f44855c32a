package costcache_test

import (
	"testing"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/costs/costcache"
	"github.com/canopyhq/canopy/internal/spend"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// BenchmarkExploreCached asks what one /spend page view asks (the
// explorer by service over 30 days with the previous period, and the
// eleven filter lists with the tag keys) over 100,000 generated lines of
// 90 days, without the cache and with a warm one (every call still reads
// the cost data stamp).
func BenchmarkExploreCached(b *testing.B) {
	for _, eng := range storetest.Engines(b) {
		b.Run(string(eng), func(b *testing.B) {
			e := newEnv(b, storetest.Open(b, eng))
			e.mustImport(b, gen(b, 100_000, 9, 90), "a")
			org, err := e.st.GetOrg(e.ctx, e.org)
			if err != nil {
				b.Fatal(err)
			}
			p := &auth.Principal{Org: org, Perms: auth.NewPermissionSet(auth.PermCostsRead)}
			from := jan1.AddDate(0, 0, 60)
			req := spend.Request{Query: costs.Query{From: from, To: from.AddDate(0, 0, 30), GroupBy: costs.DimService},
				Granularity: spend.Day, Metric: costs.MetricBilled, Mode: spend.Billing, Compare: true, Top: spend.DefaultTop}
			dims := []costs.Dim{costs.DimProvider, costs.DimBillingAccount, costs.DimSubAccount, costs.DimResourceGroup,
				costs.DimService, costs.DimServiceCategory, costs.DimRegion, costs.DimResource, costs.DimSKU,
				costs.DimChargeCategory, costs.DimBillingCurrency, costs.DimTag}
			for _, c := range []struct {
				name string
				q    costs.Querier
			}{{"uncached", e.st.ReadCosts()}, {"cached", costcache.New(e.st.ReadCosts(), costcache.DefaultMaxBytes)}} {
				svc := spend.New(e.st)
				svc.Costs = c.q
				page := func() {
					if _, err := svc.Explore(e.ctx, p, req); err != nil {
						b.Fatal(err)
					}
					for _, d := range dims {
						if _, err := svc.Values(e.ctx, p, d, "", req.From, req.To, 200); err != nil {
							b.Fatal(err)
						}
					}
				}
				b.Run(c.name, func(b *testing.B) {
					page()
					cpu := cpuTime()
					for b.Loop() {
						page()
					}
					b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/op")
				})
			}
			b.Run("stamp", func(b *testing.B) {
				c := e.st.ReadCosts()
				for b.Loop() {
					if _, err := c.CostStamp(e.ctx, e.org); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
