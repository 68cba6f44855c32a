package store_test

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/billing/focusgen"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
)

// handFOCUS is a small FOCUS 1.2 file with what generated data lacks:
// resource groups spelled in two cases (from the resource ID and from a
// column), an empty tag value, untagged lines, null list and contracted
// costs, lines without region or resource, and a line in February.
const handFOCUS = `BilledCost,BillingAccountId,BillingAccountName,BillingCurrency,BillingPeriodEnd,BillingPeriodStart,ChargeCategory,ChargeClass,ChargeDescription,ChargeFrequency,ChargePeriodEnd,ChargePeriodStart,ContractedCost,EffectiveCost,InvoiceIssuerName,ListCost,ProviderName,PublisherName,RegionId,RegionName,ResourceId,ResourceName,ServiceCategory,ServiceName,SkuId,SubAccountId,SubAccountName,Tags,PricingCurrency,PricingQuantity,PricingUnit,ConsumedQuantity,ConsumedUnit,x_ResourceGroup
10.5,hand-acct,Hand Account,CHF,2026-02-01,2026-01-01,Usage,,Web app hours,Usage-Based,2026-01-04,2026-01-03,NULL,9.25,Hand Cloud,NULL,Hand Cloud,Hand Cloud,westeurope,West Europe,/subscriptions/hs-1/resourceGroups/RG-Web/providers/Microsoft.Web/sites/app1,app1,Web,App Service,SKU-1,hs-1,hand-sub,"{""env"":""prod"",""owner"":""""}",CHF,24,Hours,24,Hours,
2.25,hand-acct,Hand Account,CHF,2026-02-01,2026-01-01,Usage,,Web app hours,Usage-Based,2026-01-04,2026-01-03,2.5,2.0,Hand Cloud,3,Hand Cloud,Hand Cloud,westeurope,West Europe,/SUBSCRIPTIONS/hs-1/resourcegroups/rg-web/providers/Microsoft.Web/sites/app2,app2,Web,App Service,SKU-1,hs-1,hand-sub,"{""env"":""dev""}",CHF,12,Hours,12,Hours,
7,hand-acct,Hand Account,CHF,2026-02-01,2026-01-01,Usage,,Storage,Usage-Based,2026-01-05,2026-01-04,7,7,Hand Cloud,7,Hand Cloud,Hand Cloud,NULL,NULL,NULL,NULL,Storage,Blob Storage,NULL,hs-2,NULL,NULL,CHF,NULL,NULL,NULL,NULL,Rg-Data
-1.1,hand-acct,Hand Account,CHF,2026-03-01,2026-02-01,Credit,Correction,Credit,One-Time,2026-02-11,2026-02-10,NULL,-1.1,Hand Cloud,NULL,Hand Cloud,Hand Cloud,NULL,NULL,NULL,NULL,Storage,Blob Storage,NULL,hs-2,NULL,"{""owner"":""ops""}",CHF,NULL,NULL,NULL,NULL,
`

var jan1 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// genDays writes a generated file spread over days from jan1.
func genDays(t testing.TB, rows int, seed int64, days int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := focusgen.Generate(&buf, focusgen.Options{Rows: rows, Seed: seed, Days: days}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// parseLines reads a file the way the importer does.
func parseLines(t testing.TB, data []byte) []*billing.Line {
	t.Helper()
	r, err := billing.Open(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
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

var rgInID = regexp.MustCompile(`(?i)^/subscriptions/[^/]+/resourcegroups/([^/]+)`)

// wantRG is the test's own reading of a line's resource group, lower-cased
// (groups match case-insensitively).
func wantRG(l *billing.Line) string {
	for _, k := range []string{"x_ResourceGroup", "x_ResourceGroupName"} {
		if g := l.Extra[k]; g != "" {
			return strings.ToLower(g)
		}
	}
	if m := rgInID.FindStringSubmatch(l.ResourceID); m != nil {
		return strings.ToLower(m[1])
	}
	return ""
}

// valueOf is a line's value of a dimension as the explorer defines it.
func valueOf(l *billing.Line, d costs.Dim, tagKey string) string {
	switch d {
	case costs.DimProvider:
		return l.ProviderName
	case costs.DimBillingAccount:
		return l.BillingAccountID
	case costs.DimSubAccount:
		return l.SubAccountID
	case costs.DimResourceGroup:
		return wantRG(l)
	case costs.DimService:
		return l.ServiceName
	case costs.DimServiceCategory:
		return l.ServiceCategory
	case costs.DimRegion:
		return l.RegionID
	case costs.DimResource:
		return l.ResourceID
	case costs.DimSKU:
		return l.SkuID
	case costs.DimChargeCategory:
		return l.ChargeCategory
	case costs.DimBillingCurrency:
		return l.BillingCurrency
	case costs.DimTag:
		return l.Tags[tagKey]
	}
	return ""
}

// matches applies a filter to a line in Go.
func matches(l *billing.Line, f costs.Filter) bool {
	if f.Dim == costs.DimTag && len(f.Values) == 0 {
		_, ok := l.Tags[f.TagKey]
		return ok
	}
	v := valueOf(l, f.Dim, f.TagKey)
	return slices.ContainsFunc(f.Values, func(w string) bool { return fold(f.Dim, w) == v })
}

func matchesAll(l *billing.Line, fs []costs.Filter) bool {
	for _, f := range fs {
		if !matches(l, f) {
			return false
		}
	}
	return true
}

func fold(d costs.Dim, v string) string {
	if d == costs.DimResourceGroup {
		return strings.ToLower(v)
	}
	return v
}

func amountOf(t testing.TB, d *apd.Decimal) domain.Amount {
	t.Helper()
	if d == nil {
		return domain.Amount{}
	}
	a, err := domain.AmountFromDecimal(d)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func measuresOfLine(t testing.TB, l *billing.Line) costs.Measures {
	return costs.Measures{Billed: amountOf(t, l.BilledCost), Effective: amountOf(t, l.EffectiveCost),
		List: amountOf(t, l.ListCost), Contracted: amountOf(t, l.ContractedCost)}
}

type aggKey struct {
	day        time.Time
	group, cur string
}

type aggVal struct {
	lines int64
	m     costs.Measures
}

// wantAggregate sums the lines matching q in Go.
func wantAggregate(t testing.TB, lines []*billing.Line, q costs.Query) map[aggKey]aggVal {
	t.Helper()
	out := map[aggKey]aggVal{}
	for _, l := range lines {
		day := l.ChargePeriodStart.UTC().Truncate(24 * time.Hour)
		if day.Before(q.From) || !day.Before(q.To) || !matchesAll(l, q.Filters) {
			continue
		}
		k := aggKey{day: day, cur: l.BillingCurrency}
		if q.GroupBy != "" {
			k.group = valueOf(l, q.GroupBy, q.GroupTag)
		}
		v := out[k]
		v.lines++
		if err := v.m.Add(measuresOfLine(t, l)); err != nil {
			t.Fatal(err)
		}
		out[k] = v
	}
	return out
}

// asMap turns Aggregate's rows into wantAggregate's shape, failing on a
// repeated key.
func asMap(t testing.TB, rows []costs.AggRow, by costs.Dim) map[aggKey]aggVal {
	t.Helper()
	out := map[aggKey]aggVal{}
	for _, r := range rows {
		k := aggKey{day: r.Day, group: fold(by, r.Group), cur: r.Currency}
		if _, dup := out[k]; dup {
			t.Fatalf("row %+v repeats a key", r)
		}
		out[k] = aggVal{lines: r.Lines, m: r.Measures}
	}
	return out
}
