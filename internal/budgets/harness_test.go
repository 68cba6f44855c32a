package budgets_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/budgets"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/jobs"
	"github.com/canopyhq/canopy/internal/keyvault"
	"github.com/canopyhq/canopy/internal/mail"
	"github.com/canopyhq/canopy/internal/mail/mailtest"
	"github.com/canopyhq/canopy/internal/notify"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

const focusHeader = `BilledCost,BillingAccountId,BillingAccountName,BillingCurrency,BillingPeriodEnd,BillingPeriodStart,ChargeCategory,ChargeClass,ChargeDescription,ChargeFrequency,ChargePeriodEnd,ChargePeriodStart,ContractedCost,EffectiveCost,InvoiceIssuerName,ListCost,ProviderName,PublisherName,RegionId,RegionName,ResourceId,ResourceName,ServiceCategory,ServiceName,SkuId,SubAccountId,SubAccountName,Tags,PricingCurrency,PricingQuantity,PricingUnit,ConsumedQuantity,ConsumedUnit`

// now is the tests' clock: data arrived through 2026-03-14 (a Saturday).
var now = time.Date(2026, 3, 15, 9, 30, 0, 0, time.UTC)

// line is one day's cost of a subscription.
type line struct {
	day            time.Time
	sub, currency  string
	billed, effect string
	team           string
}

func (l line) csv() string {
	next := l.day.AddDate(0, 0, 1)
	ps := time.Date(l.day.Year(), l.day.Month(), 1, 0, 0, 0, 0, time.UTC)
	tags := ""
	if l.team != "" {
		tags = `"{""team"":""` + l.team + `""}"`
	}
	return fmt.Sprintf("%s,acct,Acct,%s,%s,%s,Usage,,x,Usage-Based,%s,%s,%s,%s,Cloud,%s,Azure,Microsoft,westeurope,West Europe,/subscriptions/%s/resourceGroups/rg/providers/x/vm,vm,Compute,Virtual Machines,sku,%s,%s,%s,%s,,,,\n",
		l.billed, l.currency, ps.AddDate(0, 1, 0).Format(time.DateOnly), ps.Format(time.DateOnly), next.Format(time.DateOnly),
		l.day.Format(time.DateOnly), l.billed, l.effect, l.billed, l.sub, l.sub, l.sub, tags, l.currency)
}

// pattern is 100 on weekdays and 40 at weekends (effective cost; billed
// is ten more) for sub-a in USD, tagged team=web, on [from, to).
func pattern(from, to time.Time) []line {
	var out []line
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		v := "100"
		if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			v = "40"
		}
		b, _, _ := apd.NewFromString(v)
		_, _ = apd.BaseContext.Add(b, b, apd.New(10, 0))
		out = append(out, line{day: d, sub: "sub-a", currency: "USD", billed: b.Text('f'), effect: v, team: "web"})
	}
	return out
}

type harness struct {
	ctx   context.Context
	db    *store.DB
	st    *store.Store
	kv    keyvault.KeyVault
	svc   *budgets.Service
	ntf   *notify.Service
	org   domain.Org
	fin   *auth.Principal // finops: budgets.write and budgets.approve
	who   audit.Actor
	smtp  *mailtest.Server
	runs  []*jobs.Runner
	label string
}

func newHarness(t *testing.T, db *store.DB) *harness {
	t.Helper()
	ctx := context.Background()
	st := store.New(db)
	if err := jobs.Migrate(ctx, string(db.Engine), db.W); err != nil {
		t.Fatal(err)
	}
	kv, err := keyvault.NewLocal(domain.RandomBytes(keyvault.MasterKeySize))
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{ctx: ctx, db: db, st: st, kv: kv, smtp: mailtest.Start(t), who: audit.Actor{Email: "fin@x.test"}}
	h.org = h.newOrg(t, "budgets")
	h.fin = h.principal(h.org, "usr_fin", "fin@x.test", auth.RoleFinOps)
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	h.ntf = notify.New(st, kv, "http://canopy.test", log)
	h.ntf.RetryBase, h.ntf.RetryMax = 10*time.Millisecond, 50*time.Millisecond
	h.svc = budgets.New(st, h.ntf, log)
	h.svc.Now = func() time.Time { return now }
	h.ntf.Jobs = h.runner(t, false)
	return h
}

func (h *harness) newOrg(t *testing.T, name string) domain.Org {
	t.Helper()
	n := domain.Now()
	org := domain.Org{ID: domain.NewID(domain.PrefixOrg), Name: storetest.Name(name), CreatedAt: n, UpdatedAt: n}
	if err := h.st.CreateOrg(h.ctx, org); err != nil {
		t.Fatal(err)
	}
	return org
}

// principal makes a user (stored, so owners resolve to e-mails) with an
// org-wide role.
func (h *harness) principal(org domain.Org, id, email, role string) *auth.Principal {
	n := domain.Now()
	u := domain.User{ID: id + "_" + domain.NewID("")[:6], Email: email, Name: email, Status: domain.UserActive, CreatedAt: n, UpdatedAt: n}
	_ = h.st.CreateUser(h.ctx, u)
	_ = h.st.AddMember(h.ctx, org.ID, u.ID, []domain.RoleGrant{{Role: role}}, n)
	g := []auth.Grant{{Role: role}}
	return &auth.Principal{User: u, Org: org, Grants: g, Perms: auth.OrgPermissions(g)}
}

// runner builds a job runner on the writer (started when start is set)
// that works evaluations, e-mail (to the test SMTP server) and webhooks.
func (h *harness) runner(t *testing.T, start bool) *jobs.Runner {
	t.Helper()
	reg := jobs.NewRegistry()
	h.svc.Register(reg)
	h.ntf.Register(reg)
	host, port := h.smtp.Addr()
	sender, err := mail.NewSMTPSender(mail.Config{Host: host, Port: port, From: "canopy@x.test", TLS: mail.TLSNone, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	jobs.Register(reg, jobs.NewEmailWorker(sender, h.kv, jobs.WithEmailRetry(10*time.Millisecond, 50*time.Millisecond)))
	r, err := jobs.New(string(h.db.Engine), h.db.W, jobs.Options{Registry: reg, FetchPollInterval: 20 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		t.Fatal(err)
	}
	if start {
		if err := r.Start(h.ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = r.Stop(ctx)
		})
	}
	return r
}

func (h *harness) importLines(t *testing.T, org domain.Org, key string, lines []line) {
	t.Helper()
	var b strings.Builder
	b.WriteString(focusHeader + "\n")
	for _, l := range lines {
		b.WriteString(l.csv())
	}
	r, err := billing.Open(bytes.NewReader([]byte(b.String())))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.st.Costs().Import(h.ctx, org.ID, r, costs.ImportMeta{FileName: key + ".csv", SourceKey: key}); err != nil {
		t.Fatal(err)
	}
}

func (h *harness) rate(t *testing.T, org domain.Org, day time.Time, base, quote, value string) {
	t.Helper()
	v, _, _ := apd.NewFromString(value)
	if _, err := h.st.UpsertRates(h.ctx, org.ID, []domain.FXRate{{Day: day, Base: domain.Currency(base), Quote: domain.Currency(quote), Value: v, Source: "test"}}, "t", domain.Now()); err != nil {
		t.Fatal(err)
	}
}

func (h *harness) create(t *testing.T, in budgets.Input) budgets.Budget {
	t.Helper()
	b, err := h.svc.Create(h.ctx, h.fin, h.who, in)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (h *harness) get(t *testing.T, id string) budgets.Status {
	t.Helper()
	st, err := h.svc.Get(h.ctx, h.fin, id)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func isCode(err error, code string) bool { return domain.ErrorCode(err) == code }

// idle waits until no job is waiting, running or due a retry.
func (h *harness) idle(t *testing.T) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var n int
		if err := h.db.W.QueryRowContext(h.ctx, `SELECT count(*) FROM river_job WHERE state NOT IN ('completed', 'cancelled', 'discarded')`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d jobs still pending", n)
		}
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
