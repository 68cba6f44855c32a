package allocation_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/allocation"
	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// twoMonths has March and April lines: web and data tagged resources, a
// shared network line, an untagged storage line, in USD.
const twoMonths = `BilledCost,BillingAccountId,BillingAccountName,BillingCurrency,BillingPeriodEnd,BillingPeriodStart,ChargeCategory,ChargeClass,ChargeDescription,ChargeFrequency,ChargePeriodEnd,ChargePeriodStart,ContractedCost,EffectiveCost,InvoiceIssuerName,ListCost,ProviderName,PublisherName,RegionId,RegionName,ResourceId,ResourceName,ServiceCategory,ServiceName,SkuId,SubAccountId,SubAccountName,Tags,PricingCurrency,PricingQuantity,PricingUnit,ConsumedQuantity,ConsumedUnit
100,acct,Acct,USD,2026-04-01,2026-03-01,Usage,,x,Usage-Based,2026-03-11,2026-03-10,100,100,Cloud,100,Cloud,Cloud,westeurope,West Europe,/subscriptions/s1/resourceGroups/rg-web/providers/x/vm1,vm1,Compute,Virtual Machines,sku,s1,s1,"{""team"":""web""}",USD,,,,
60,acct,Acct,USD,2026-04-01,2026-03-01,Usage,,x,Usage-Based,2026-03-21,2026-03-20,60,60,Cloud,60,Cloud,Cloud,westeurope,West Europe,/subscriptions/s1/resourceGroups/rg-data/providers/x/db1,db1,Compute,SQL Database,sku,s1,s1,"{""Team"":""data""}",USD,,,,
40,acct,Acct,USD,2026-04-01,2026-03-01,Usage,,x,Usage-Based,2026-03-21,2026-03-20,40,40,Cloud,40,Cloud,Cloud,westeurope,West Europe,/subscriptions/s2/resourceGroups/rg-net/providers/x/fw1,fw1,Compute,Shared Network,sku,s2,s2,,USD,,,,
7.5,acct,Acct,USD,2026-04-01,2026-03-01,Usage,,x,Usage-Based,2026-03-22,2026-03-21,7.5,7.5,Cloud,7.5,Cloud,Cloud,westeurope,West Europe,/subscriptions/s2/resourceGroups/rg-misc/providers/x/st1,st1,Compute,Storage,sku,s2,s2,,USD,,,,
200,acct,Acct,USD,2026-05-01,2026-04-01,Usage,,x,Usage-Based,2026-04-03,2026-04-02,200,200,Cloud,200,Cloud,Cloud,westeurope,West Europe,/subscriptions/s1/resourceGroups/rg-web/providers/x/vm1,vm1,Compute,Virtual Machines,sku,s1,s1,"{""team"":""web""}",USD,,,,
50,acct,Acct,USD,2026-05-01,2026-04-01,Usage,,x,Usage-Based,2026-04-03,2026-04-02,50,50,Cloud,50,Cloud,Cloud,westeurope,West Europe,/subscriptions/s1/resourceGroups/rg-data/providers/x/db1,db1,Compute,SQL Database,sku,s1,s1,"{""team"":""data""}",USD,,,,
30,acct,Acct,USD,2026-05-01,2026-04-01,Usage,,x,Usage-Based,2026-04-16,2026-04-15,30,30,Cloud,30,Cloud,Cloud,westeurope,West Europe,/subscriptions/s2/resourceGroups/rg-net/providers/x/fw1,fw1,Compute,Shared Network,sku,s2,s2,,USD,,,,
`

var (
	march = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	april = march.AddDate(0, 1, 0)
	may   = april.AddDate(0, 1, 0)
)

type fixture struct {
	ctx  context.Context
	svc  *allocation.Service
	p    *auth.Principal
	who  audit.Actor
	st   *store.Store
	web  allocation.Group
	data allocation.Group
	ops  allocation.Group
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	st := store.New(db)
	now := domain.Now()
	org := domain.Org{ID: domain.NewID(domain.PrefixOrg), Name: storetest.Name("alloc"), CreatedAt: now, UpdatedAt: now}
	if err := st.CreateOrg(ctx, org); err != nil {
		t.Fatal(err)
	}
	g := []auth.Grant{{Role: auth.RoleFinOps}}
	f := &fixture{ctx: ctx, svc: allocation.New(st), st: st, who: audit.Actor{Email: "t@x.test"},
		p: &auth.Principal{User: domain.User{ID: "usr_t", Email: "t@x.test"}, Org: org, Grants: g, Perms: auth.OrgPermissions(g)}}
	r, err := billing.Open(bytes.NewReader([]byte(twoMonths)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Costs().Import(ctx, org.ID, r, costs.ImportMeta{FileName: "two.csv", SourceKey: "two"}); err != nil {
		t.Fatal(err)
	}
	f.web, f.data, f.ops = f.group(t, "Web", ""), f.group(t, "Data", ""), f.group(t, "Ops", "")
	return f
}

func (f *fixture) group(t *testing.T, name, parent string) allocation.Group {
	t.Helper()
	g, err := f.svc.CreateGroup(f.ctx, f.p, f.who, allocation.GroupInput{Name: name, ParentID: parent, Kind: allocation.KindBusinessUnit})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func (f *fixture) save(t *testing.T, rs allocation.Ruleset) allocation.Saved {
	t.Helper()
	s, err := f.svc.SaveRuleset(f.ctx, f.p, f.who, 0, rs, "test")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// totals are the billed totals per group name of a version for [from, to).
func (f *fixture) totals(t *testing.T, version int, from, to time.Time) map[string]string {
	t.Helper()
	res, err := f.svc.Results(f.ctx, f.p, allocation.ResultsQuery{Version: version, From: from, To: to})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, x := range res.Totals {
		out[x.GroupName] = x.Measures.Billed.String()
	}
	return out
}

func tag(key, value string) allocation.Condition {
	return allocation.Condition{Field: allocation.FieldTag, Key: key, Op: allocation.OpIn, Values: []string{value}}
}

func same(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestRetroactiveChangeMakesAVersionAndKeepsTheOldOneReadable(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		v1 := f.save(t, allocation.Ruleset{Rules: []allocation.Rule{
			{Name: "web team", Group: f.web.ID, Conditions: []allocation.Condition{tag("team", "web")}},
			{Name: "data team", Group: f.data.ID, Conditions: []allocation.Condition{tag("TEAM", "data")}},
		}})
		want1 := map[string]string{"Web": "300", "Data": "110", "Unallocated": "77.5"}
		if got := f.totals(t, 0, march, may); !same(got, want1) {
			t.Fatalf("version 1: %v, want %v", got, want1)
		}
		place, err := f.svc.Placer(f.ctx, f.p.Org.ID)
		if err != nil {
			t.Fatal(err)
		}
		if g, u := place(costs.AllocKey{Tags: map[string]string{"Team": "web"}}, march), place(costs.AllocKey{}, march); g != "Web" || u != "Unallocated" {
			t.Fatalf("placer: %q, %q", g, u)
		}
		// The shared network goes to ops from 1 April on: only April is
		// recomputed; March keeps version 1's computation.
		cur, _ := f.svc.Version(f.ctx, f.p, 0)
		rs := cur.Ruleset
		apr := april
		rs.Rules = append(rs.Rules, allocation.Rule{Name: "network", Group: f.ops.ID, ValidFrom: &apr,
			Conditions: []allocation.Condition{{Field: allocation.FieldService, Op: allocation.OpMatches, Values: []string{"shared *"}}}})
		v2 := f.save(t, rs)
		if v2.Version.Number != v1.Version.Number+1 || len(v2.Recomputed) != 1 || !v2.Recomputed[0].Equal(april) {
			t.Fatalf("version 2 = %d recomputed %v, want version %d recomputing April only", v2.Version.Number, v2.Recomputed, v1.Version.Number+1)
		}
		want2 := map[string]string{"Web": "300", "Data": "110", "Ops": "30", "Unallocated": "47.5"}
		if got := f.totals(t, 0, march, may); !same(got, want2) {
			t.Fatalf("version 2: %v, want %v", got, want2)
		}
		if got := f.totals(t, v1.Version.Number, march, may); !same(got, want1) {
			t.Fatalf("version 1 read after version 2: %v, want %v", got, want1)
		}
		// Moving the rule's start back into March is retroactive.
		mar15 := march.AddDate(0, 0, 14)
		rs.Rules[2].ValidFrom, rs.Rules[2].ID = &mar15, v2.Version.Ruleset.Rules[2].ID
		v3 := f.save(t, rs)
		if len(v3.Recomputed) != 2 {
			t.Fatalf("version 3 recomputed %v, want March and April", v3.Recomputed)
		}
		if got := f.totals(t, 0, march, april); got["Ops"] != "40" || got["Unallocated"] != "7.5" {
			t.Fatalf("version 3 in March: %v", got)
		}
		// Renaming a rule moves nothing: no month is recomputed.
		rs.Rules[0].Name = "web (renamed)"
		rs.Rules[0].ID = v3.Version.Ruleset.Rules[0].ID
		rs.Rules[1].ID = v3.Version.Ruleset.Rules[1].ID
		if v4 := f.save(t, rs); v4.Version.Affects || len(v4.Recomputed) != 0 {
			t.Fatalf("a rename recomputed %v", v4.Recomputed)
		}
	})
}

func TestExplorerByGroupEqualsResultsAndSplitLineage(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		split := allocation.Split{Name: "network share", Method: allocation.SplitFixed,
			Shares: []allocation.Share{{Group: f.web.ID, Percent: "75"}, {Group: f.data.ID, Percent: "25"}}}
		saved := f.save(t, allocation.Ruleset{Splits: []allocation.Split{split}, Rules: []allocation.Rule{
			{Name: "web team", Group: f.web.ID, Conditions: []allocation.Condition{tag("team", "web")}},
			{Name: "data team", Group: f.data.ID, Conditions: []allocation.Condition{tag("team", "data")}},
		}})
		rs := saved.Version.Ruleset
		rs.Rules = append(rs.Rules, allocation.Rule{Name: "shared", Split: rs.Splits[0].ID,
			Conditions: []allocation.Condition{{Field: allocation.FieldService, Op: allocation.OpIn, Values: []string{"shared network"}}}})
		f.save(t, rs)
		want := map[string]string{"Web": "352.5", "Data": "127.5", "Unallocated": "7.5"}
		if got := f.totals(t, 0, march, may); !same(got, want) {
			t.Fatalf("results: %v, want %v", got, want)
		}
		// The explorer's two paths (stored results, and a live allocation
		// when other filters apply) agree.
		stored, err := f.svc.Aggregate(f.ctx, f.p.Org.ID, costs.Query{From: march, To: may, GroupBy: costs.DimGroup})
		if err != nil {
			t.Fatal(err)
		}
		live, err := f.svc.Aggregate(f.ctx, f.p.Org.ID, costs.Query{From: march, To: may, GroupBy: costs.DimGroup,
			Filters: []costs.Filter{{Dim: costs.DimProvider, Values: []string{"Cloud"}}}})
		if err != nil {
			t.Fatal(err)
		}
		if a, b := byGroup(t, stored), byGroup(t, live); !same(a, b) || a["Web"] != "352.5" {
			t.Fatalf("stored %v, live %v", a, b)
		}
		// Filtering by a group: only its share of each line.
		only, err := f.svc.Aggregate(f.ctx, f.p.Org.ID, costs.Query{From: march, To: may, GroupBy: costs.DimService,
			Filters: []costs.Filter{{Dim: costs.DimGroup, Values: []string{f.data.ID}}}})
		if err != nil {
			t.Fatal(err)
		}
		if got := byGroup(t, only); got["Shared Network"] != "17.5" || got["SQL Database"] != "110" || len(got) != 2 {
			t.Fatalf("data's services: %v", got)
		}
		xs, err := f.svc.Explain(f.ctx, f.p, "/subscriptions/s2/resourceGroups/rg-net/providers/x/fw1", nil, march, may)
		if err != nil {
			t.Fatal(err)
		}
		if len(xs) != 1 || xs[0].Rule == nil || xs[0].Rule.Name != "shared" || xs[0].Split == nil || len(xs[0].Portions) != 2 ||
			xs[0].Position != 3 {
			t.Fatalf("why is the firewall here: %+v", xs)
		}
		for _, p := range xs[0].Portions {
			if p.Via != allocation.ViaSplit || (p.Group == f.web.ID) != (p.Measures.Billed.String() == "52.5") {
				t.Fatalf("split portion %+v", p)
			}
		}
	})
}

func byGroup(t *testing.T, rows []costs.AggRow) map[string]string {
	t.Helper()
	acc := map[string]domain.Amount{}
	for _, r := range rows {
		s, err := acc[r.Label].Add(r.Measures.Billed)
		if err != nil {
			t.Fatal(err)
		}
		acc[r.Label] = s
	}
	out := map[string]string{}
	for k, v := range acc {
		out[k] = v.String()
	}
	return out
}

func TestGroupsHierarchyOwnersAndTenancy(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		child := f.group(t, "Web frontend", f.web.ID)
		if _, err := f.svc.UpdateGroup(f.ctx, f.p, f.who, f.web.ID, allocation.GroupInput{Name: "Web", ParentID: child.ID}); err == nil ||
			!strings.Contains(domain.ErrorMessage(err), "below itself") {
			t.Fatalf("cycle: %v", err)
		}
		if _, err := f.svc.CreateGroup(f.ctx, f.p, f.who, allocation.GroupInput{Name: "Web"}); domain.ErrorField(err) != "name" {
			t.Fatalf("duplicate name: %v", err)
		}
		if _, err := f.svc.CreateGroup(f.ctx, f.p, f.who, allocation.GroupInput{Name: "X", Owners: []string{"usr_nobody"}}); domain.ErrorField(err) != "owners" {
			t.Fatalf("owner not a member: %v", err)
		}
		f.save(t, allocation.Ruleset{Rules: []allocation.Rule{{Name: "web", Group: child.ID, Conditions: []allocation.Condition{tag("team", "web")}}}})
		if err := f.svc.DeleteGroup(f.ctx, f.p, f.who, child.ID); domain.ErrorCode(err) != domain.CodeConflict {
			t.Fatalf("deleting a group a rule uses: %v", err)
		}
		other := newFixture(t, db)
		if _, err := other.svc.Group(other.ctx, other.p, f.web.ID); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("another org's group: %v", err)
		}
		viewer := &auth.Principal{User: f.p.User, Org: f.p.Org, Grants: []auth.Grant{{Role: auth.RoleViewer}}, Perms: auth.OrgPermissions([]auth.Grant{{Role: auth.RoleViewer}})}
		if _, err := f.svc.CreateGroup(f.ctx, viewer, f.who, allocation.GroupInput{Name: "V"}); domain.ErrorCode(err) != domain.CodeForbidden {
			t.Fatalf("viewer creating a group: %v", err)
		}
	})
}

// The current version's month is computed again when an import touching
// it finished after the month was computed; the other month is not.
func TestNewCostDataRecomputesItsMonth(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.save(t, allocation.Ruleset{Rules: []allocation.Rule{{Name: "web", Group: f.web.ID, Conditions: []allocation.Condition{tag("team", "web")}}}})
		if got := f.totals(t, 0, march, may); got["Web"] != "300" {
			t.Fatalf("before: %v", got)
		}
		computed, err := f.st.AllocMonths(f.ctx, f.p.Org.ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(twoMonths, "\n")
		late := strings.Replace(lines[5], "200,", "25,", 1) // an April web line of 25
		r, err := billing.Open(strings.NewReader(lines[0] + "\n" + late + "\n"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.st.Costs().Import(f.ctx, f.p.Org.ID, r, costs.ImportMeta{FileName: "late.csv", SourceKey: "late"}); err != nil {
			t.Fatal(err)
		}
		if got := f.totals(t, 0, march, may); got["Web"] != "325" {
			t.Fatalf("after an April import: %v", got)
		}
		again, err := f.st.AllocMonths(f.ctx, f.p.Org.ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		if !again[march].ComputedAt.Equal(computed[march].ComputedAt) || again[april].ComputedAt.Equal(computed[april].ComputedAt) {
			t.Fatalf("March recomputed %v, April recomputed %v; want April only",
				!again[march].ComputedAt.Equal(computed[march].ComputedAt), !again[april].ComputedAt.Equal(computed[april].ComputedAt))
		}
	})
}
