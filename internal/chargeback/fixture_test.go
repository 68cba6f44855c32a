package chargeback_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/allocation"
	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/chargeback"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/mail/mailtest"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

const focusHeader = "BilledCost,BillingAccountId,BillingAccountName,BillingCurrency,BillingPeriodEnd,BillingPeriodStart,ChargeCategory,ChargeClass,ChargeDescription,ChargeFrequency,ChargePeriodEnd,ChargePeriodStart,ContractedCost,EffectiveCost,InvoiceIssuerName,ListCost,ProviderName,PublisherName,RegionId,RegionName,ResourceId,ResourceName,ServiceCategory,ServiceName,SkuId,SubAccountId,SubAccountName,Tags,PricingCurrency,PricingQuantity,PricingUnit,ConsumedQuantity,ConsumedUnit\n"

var (
	october  = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	november = october.AddDate(0, 1, 0)
)

// cost is one FOCUS line on a day of October 2026.
type cost struct {
	amount, currency string
	day              int
	category, svc    string
	team             string // the team tag; "" untagged
}

func focus(lines ...cost) string {
	var b strings.Builder
	b.WriteString(focusHeader)
	for i, l := range lines {
		tags := ""
		if l.team != "" {
			tags = `"{""team"":""` + l.team + `""}"`
		}
		start := october.AddDate(0, 0, l.day-1)
		fmt.Fprintf(&b, "%s,acct,Acct,%s,2026-11-01,2026-10-01,Usage,,x,Usage-Based,%s,%s,%s,%s,Cloud,%s,Cloud,Cloud,westeurope,West Europe,/r/%d,r%d,%s,%s,sku,s1,s1,%s,%s,,,,\n",
			l.amount, l.currency, start.AddDate(0, 0, 1).Format("2006-01-02"), start.Format("2006-01-02"), l.amount, l.amount, l.amount,
			i, i, l.category, l.svc, tags, l.currency)
	}
	return b.String()
}

type fixture struct {
	ctx                 context.Context
	st                  *store.Store
	svc                 *chargeback.Service
	alloc               *allocation.Service
	p                   *auth.Principal
	who                 audit.Actor
	now                 time.Time
	platform, web, data allocation.Group
	owner               domain.User
	imports             int
}

// newFixture makes an organisation reporting in cur with business units
// Platform (owned by owner@..., with the project Web below it) and Data,
// and rules placing team=web in Web and team=data in Data.
func newFixture(t *testing.T, db *store.DB, cur string) *fixture {
	t.Helper()
	ctx, st := context.Background(), store.New(db)
	now := domain.Now()
	org := domain.Org{ID: domain.NewID(domain.PrefixOrg), Name: storetest.Name("Acme"), ReportingCurrency: domain.Currency(cur), CreatedAt: now, UpdatedAt: now}
	if err := st.CreateOrg(ctx, org); err != nil {
		t.Fatal(err)
	}
	g := []auth.Grant{{Role: auth.RoleFinOps}}
	f := &fixture{ctx: ctx, st: st, alloc: allocation.New(st), who: audit.Actor{Email: "t@x.test"},
		p:   &auth.Principal{User: domain.User{ID: "usr_t", Email: "t@x.test"}, Org: org, Grants: g, Perms: auth.OrgPermissions(g)},
		now: time.Date(2026, 11, 3, 12, 0, 0, 0, time.UTC)}
	f.svc = chargeback.New(st, f.alloc, nil, "https://canopy.example.test")
	f.svc.Now = func() time.Time { return f.now }
	f.owner = domain.User{ID: domain.NewID(domain.PrefixUser), Email: storetest.Name("owner") + "@example.test", Status: domain.UserActive, CreatedAt: now, UpdatedAt: now}
	if err := st.CreateUser(ctx, f.owner); err != nil {
		t.Fatal(err)
	}
	if err := st.AddMember(ctx, org.ID, f.owner.ID, []domain.RoleGrant{{Role: auth.RoleViewer}}, now); err != nil {
		t.Fatal(err)
	}
	f.platform = f.group(t, "Platform", allocation.KindBusinessUnit, "", f.owner.ID)
	f.web = f.group(t, "Web", allocation.KindProject, f.platform.ID)
	f.data = f.group(t, "Data", allocation.KindBusinessUnit, "")
	rs := allocation.Ruleset{Splits: []allocation.Split{}, Rules: []allocation.Rule{
		{Name: "web", Group: f.web.ID, Conditions: []allocation.Condition{tag("web")}},
		{Name: "data", Group: f.data.ID, Conditions: []allocation.Condition{tag("data")}}}}
	if _, err := f.alloc.SaveRuleset(ctx, f.p, f.who, 0, rs, "test"); err != nil {
		t.Fatal(err)
	}
	return f
}

func tag(v string) allocation.Condition {
	return allocation.Condition{Field: allocation.FieldTag, Key: "team", Op: allocation.OpIn, Values: []string{v}}
}

func (f *fixture) group(t *testing.T, name, kind, parent string, owners ...string) allocation.Group {
	t.Helper()
	g, err := f.alloc.CreateGroup(f.ctx, f.p, f.who, allocation.GroupInput{Name: name, Kind: kind, ParentID: parent, Owners: owners})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// load imports lines as a new source.
func (f *fixture) load(t *testing.T, lines ...cost) {
	t.Helper()
	r, err := billing.Open(strings.NewReader(focus(lines...)))
	if err != nil {
		t.Fatal(err)
	}
	f.imports++
	if _, err := f.st.Costs().Import(f.ctx, f.p.Org.ID, r, costs.ImportMeta{FileName: "t.csv", SourceKey: fmt.Sprint("src", f.imports)}); err != nil {
		t.Fatal(err)
	}
}

// rate sets base→quote on every day of October.
func (f *fixture) rate(t *testing.T, base, quote, value string) {
	t.Helper()
	var rates []domain.FXRate
	for d := october; d.Before(november); d = d.AddDate(0, 0, 1) {
		v, _, _ := apd.NewFromString(value)
		rates = append(rates, domain.FXRate{Day: d, Base: domain.Currency(base), Quote: domain.Currency(quote), Value: v, Source: "manual"})
	}
	if _, err := f.st.UpsertRates(f.ctx, f.p.Org.ID, rates, "t", domain.Now()); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) generate(t *testing.T) chargeback.Detail {
	t.Helper()
	d, err := f.svc.Generate(f.ctx, f.p, f.who, october)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (f *fixture) extra(t *testing.T, in chargeback.ExtraInput) chargeback.Extra {
	t.Helper()
	e, err := f.svc.SaveExtra(f.ctx, f.p, f.who, "", in)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// unit finds a unit of a detail by name.
func unit(t *testing.T, d chargeback.Detail, name string) chargeback.Unit {
	t.Helper()
	for _, u := range d.Charged {
		if u.Name == name {
			return u
		}
	}
	t.Fatalf("no unit %s in %+v", name, d.Charged)
	return chargeback.Unit{}
}

// smtp is a real SMTP server and a sender to it.
func smtpServer(t *testing.T) *mailtest.Server { return mailtest.Start(t) }

// importAs imports lines under a given source key (e.g. a connection's).
func (f *fixture) importAs(t *testing.T, key string, lines ...cost) {
	t.Helper()
	r, err := billing.Open(strings.NewReader(focus(lines...)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.Costs().Import(f.ctx, f.p.Org.ID, r, costs.ImportMeta{FileName: "pc.csv", SourceKey: key}); err != nil {
		t.Fatal(err)
	}
}
