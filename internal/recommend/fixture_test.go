package recommend_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/recommend"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// fixture is an organisation reporting in EUR with a FinOps principal
// (who may act), a viewer (who may only read) and a service whose clock
// the test sets.
type fixture struct {
	ctx        context.Context
	st         *store.Store
	svc        *recommend.Service
	p, viewer  *auth.Principal
	who        audit.Actor
	now        time.Time
	connection string
}

func newFixture(t *testing.T, db *store.DB, now time.Time) *fixture {
	t.Helper()
	f := &fixture{ctx: context.Background(), st: store.New(db), now: now, who: audit.Actor{Email: "fin@x.test"}}
	f.svc = recommend.New(f.st)
	f.svc.Now = func() time.Time { return f.now }
	f.p, f.viewer = f.org(t, "recs", auth.RoleFinOps), nil
	v := *f.p
	g := []auth.Grant{{Role: auth.RoleViewer}}
	v.Grants, v.Perms, v.User = g, auth.OrgPermissions(g), domain.User{ID: "usr_v", Email: "viewer@x.test"}
	f.viewer = &v
	f.connection = f.conn(t, f.p.Org.ID, "m365", "Contoso 365")
	return f
}

// org creates an organisation reporting in EUR and its principal.
func (f *fixture) org(t *testing.T, name, role string) *auth.Principal {
	t.Helper()
	now := domain.Now()
	org := domain.Org{ID: domain.NewID(domain.PrefixOrg), Name: storetest.Name(name), ReportingCurrency: "EUR", CreatedAt: now, UpdatedAt: now}
	if err := f.st.CreateOrg(f.ctx, org); err != nil {
		t.Fatal(err)
	}
	g := []auth.Grant{{Role: role}}
	return &auth.Principal{User: domain.User{ID: "usr_" + name, Email: name + "@x.test"}, Org: org, Grants: g, Perms: auth.OrgPermissions(g)}
}

func (f *fixture) conn(t *testing.T, orgID, kind, name string) string {
	t.Helper()
	c, err := f.st.CreateConnection(f.ctx, store.Connection{OrgID: orgID, Kind: kind, Name: name, Settings: []byte("{}"), Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

func (f *fixture) rate(t *testing.T, day, base, quote, value string) {
	t.Helper()
	v, _, _ := apd.NewFromString(value)
	d, _ := time.Parse(time.DateOnly, day)
	if _, err := f.st.UpsertRates(f.ctx, f.p.Org.ID, []domain.FXRate{{Day: d, Base: domain.Currency(base), Quote: domain.Currency(quote), Value: v, Source: "test"}}, "test", domain.Now()); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) price(t *testing.T, part, costSKU, unit, cur string) {
	t.Helper()
	if err := f.st.SetLicencePrice(f.ctx, store.LicencePrice{OrgID: f.p.Org.ID, SkuPartNumber: part, CostSKU: costSKU, UnitPrice: unit, Currency: cur}); err != nil {
		t.Fatal(err)
	}
}

const focusHeader = "BilledCost,BillingAccountId,BillingAccountName,BillingCurrency,BillingPeriodEnd,BillingPeriodStart,ChargeCategory,ChargeClass,ChargeDescription,ChargeFrequency,ChargePeriodEnd,ChargePeriodStart,ContractedCost,EffectiveCost,InvoiceIssuerName,ListCost,ProviderName,PublisherName,RegionId,RegionName,ResourceId,ResourceName,ServiceCategory,ServiceName,SkuId,SubAccountId,SubAccountName,Tags\n"

// costLine is one day's charge of a resource or SKU.
type costLine struct {
	day, resource, sku, cost, currency string
}

// importLines imports lines as one FOCUS file under key.
func (f *fixture) importLines(t *testing.T, key string, lines []costLine) {
	t.Helper()
	var b strings.Builder
	b.WriteString(focusHeader)
	for _, l := range lines {
		d, _ := time.Parse(time.DateOnly, l.day)
		m := time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC)
		fmt.Fprintf(&b, "%s,acct,Account,%s,%s,%s,Usage,,usage,Usage-Based,%s,%s,%s,%s,Vendor,%s,Vendor,Vendor,,,%s,%s,Compute,Compute,%s,sub,Sub,\n",
			l.cost, l.currency, m.AddDate(0, 1, 0).Format(time.DateOnly), m.Format(time.DateOnly), d.AddDate(0, 0, 1).Format(time.DateOnly),
			d.Format(time.DateOnly), l.cost, l.cost, l.cost, l.resource, l.resource, l.sku)
	}
	r, err := billing.Open(bytes.NewReader([]byte(b.String())))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.Costs().Import(f.ctx, f.p.Org.ID, r, costs.ImportMeta{FileName: key + ".csv", SourceKey: key}); err != nil {
		t.Fatal(err)
	}
}

// byKey lists the organisation's recommendations by source key.
func (f *fixture) byKey(t *testing.T, p *auth.Principal, flt recommend.Filter) (map[string]recommend.Recommendation, recommend.List) {
	t.Helper()
	l, err := f.svc.List(f.ctx, p, flt)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]recommend.Recommendation{}
	for _, r := range l.Items {
		out[r.SourceKey] = r
	}
	return out, l
}

func amount(a *domain.Amount) string {
	if a == nil {
		return "<nil>"
	}
	return a.String()
}
