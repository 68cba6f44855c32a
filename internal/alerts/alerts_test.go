package alerts_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/alerts"
	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/spend"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

const header = `BilledCost,BillingAccountId,BillingAccountName,BillingCurrency,BillingPeriodEnd,BillingPeriodStart,ChargeCategory,ChargeClass,ChargeDescription,ChargeFrequency,ChargePeriodEnd,ChargePeriodStart,ContractedCost,EffectiveCost,InvoiceIssuerName,ListCost,ProviderName,PublisherName,RegionId,RegionName,ResourceId,ResourceName,ServiceCategory,ServiceName,SkuId,SubAccountId,SubAccountName,Tags,PricingCurrency,PricingQuantity,PricingUnit,ConsumedQuantity,ConsumedUnit
`

// today is the evaluation day: the days evaluated are 20-22 Nov.
var today = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

// series is November 2026 in USD: Virtual Machines cycle 100/104/96 a
// day with 310 on Friday 20 Nov (3.1× its average); Storage cycles
// 20/21/19 with 22.2 on 21 Nov (2.6 standard deviations: only high
// sensitivity sees it, and only without a minimum rise above 2.2).
func series() string {
	var b strings.Builder
	b.WriteString(header)
	vm, st := []string{"100", "104", "96"}, []string{"20", "21", "19"}
	for d := 1; d <= 22; d++ {
		day := time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC)
		v, s := vm[d%3], st[d%3]
		if d == 20 {
			v = "310"
		}
		if d == 21 {
			s = "22.2"
		}
		line := func(amount, service, res string) {
			fmt.Fprintf(&b, "%s,acct,Acct,USD,2026-12-01,2026-11-01,Usage,,x,Usage-Based,%s,%s,%s,%s,Cloud,%s,Cloud,Cloud,westeurope,West Europe,/subscriptions/s1/rg/x/%s,%s,Compute,%s,sku,s1,s1,,USD,,,,\n",
				amount, day.AddDate(0, 0, 1).Format(time.DateOnly), day.Format(time.DateOnly), amount, amount, amount, res, res, service)
		}
		line(v, "Virtual Machines", "vm1")
		line(s, "Storage", "st1")
	}
	return b.String()
}

type recorder struct {
	mu   sync.Mutex
	sent []alerts.Alert
}

func (r *recorder) AlertCreated(_ context.Context, _ *store.Tx, a alerts.Alert, _ []string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, a)
	return nil
}

type fixture struct {
	ctx    context.Context
	st     *store.Store
	svc    *alerts.Service
	sent   *recorder
	owner  *auth.Principal
	viewer *auth.Principal
	who    audit.Actor
	now    time.Time
}

func principal(org domain.Org, role string) *auth.Principal {
	g := []auth.Grant{{Role: role}}
	return &auth.Principal{User: domain.User{ID: "usr_" + role, Email: role + "@x.test"}, Org: org, Grants: g, Perms: auth.OrgPermissions(g)}
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx, st := context.Background(), store.New(db)
	now := domain.Now()
	org := domain.Org{ID: domain.NewID(domain.PrefixOrg), Name: storetest.Name("alerts"), ReportingCurrency: "USD", CreatedAt: now, UpdatedAt: now}
	if err := st.CreateOrg(ctx, org); err != nil {
		t.Fatal(err)
	}
	r, err := billing.Open(bytes.NewReader([]byte(series())))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Costs().Import(ctx, org.ID, r, costs.ImportMeta{FileName: "nov.csv", SourceKey: "nov"}); err != nil {
		t.Fatal(err)
	}
	f := &fixture{ctx: ctx, st: st, sent: &recorder{}, owner: principal(org, auth.RoleFinOps), viewer: principal(org, auth.RoleViewer),
		who: audit.Actor{Email: "finops@x.test"}, now: today.Add(23 * time.Hour)}
	f.svc = f.service()
	return f
}

// service is another evaluator over the same database (another worker).
func (f *fixture) service() *alerts.Service {
	svc := alerts.New(f.st, spend.New(f.st), alerts.DefaultHour)
	svc.Notify, svc.Now = f.sent, func() time.Time { return f.now }
	return svc
}

func (f *fixture) rule(t *testing.T, in alerts.RuleInput) alerts.Rule {
	t.Helper()
	r, err := f.svc.CreateRule(f.ctx, f.owner, f.who, in)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (f *fixture) inbox(t *testing.T, statuses ...string) []alerts.Alert {
	t.Helper()
	list, err := f.svc.Inbox(f.ctx, f.viewer, alerts.InboxFilter{Statuses: statuses})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func messages(list []alerts.Alert) []string {
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = a.Day + " " + a.Subject + " " + a.Severity
	}
	return out
}

var zero = domain.Amount{}
