package inventory_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/inventory"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

var (
	jan1  = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now   = time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)
	jan   = inventory.Period{From: jan1, To: jan1.AddDate(0, 1, 0)}
	who   = audit.Actor{UserID: "usr_test", Email: "fin@example.com"}
	azure = "/subscriptions/s1/resourceGroups/rg-a/providers/Microsoft.Compute/virtualMachines/"
)

// fixture is one organisation with four resources in its cost data:
//
//	vm1  s1/rg-a  env=prod CostCenter=10   100.00 EUR (96.00 + 4.00 on a
//	     line spelling its ID in lower case, as some exports do)
//	vm2  s1/rg-a  ENV=dev                   50.25 EUR
//	vm3  s2/RG-B  Environment=prod costcenter=20  30.00 EUR
//	i-4  AWS 1111 (no tags)                 19.75 EUR
type fixture struct {
	t     *testing.T
	st    *store.Store
	svc   *inventory.Service
	p     *auth.Principal
	other *auth.Principal
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	st := store.New(db)
	svc := inventory.New(st)
	svc.Now = func() time.Time { return now }
	f := &fixture{t: t, st: st, svc: svc, p: principal(t, st, "A", auth.RoleFinOps), other: principal(t, st, "B", auth.RoleOwner)}
	f.importLines(f.p.Org.ID, []*billing.Line{
		costLine("Microsoft", azure+"vm1", "s1", "96.00", map[string]string{"env": "prod", "CostCenter": "10"}),
		costLine("Microsoft", strings.ToLower(azure+"vm1"), "s1", "4.00", map[string]string{"env": "prod", "CostCenter": "10"}),
		costLine("Microsoft", azure+"vm2", "s1", "50.25", map[string]string{"ENV": "dev"}),
		costLine("Microsoft", "/subscriptions/s2/resourceGroups/RG-B/providers/Microsoft.Web/sites/vm3", "s2", "30.00",
			map[string]string{"Environment": "prod", "costcenter": "20"}),
		costLine("AWS", "arn:aws:ec2:eu-west-1:1111:instance/i-4", "1111", "19.75", nil),
	})
	res, err := svc.RefreshOrg(context.Background(), who, f.p.Org.ID)
	if err != nil || res.Added != 4 {
		t.Fatalf("refresh: %+v %v", res, err)
	}
	return f
}

func principal(t *testing.T, st *store.Store, name, role string) *auth.Principal {
	t.Helper()
	org := domain.Org{ID: domain.NewID(domain.PrefixOrg), Name: name, ReportingCurrency: "EUR", CreatedAt: now, UpdatedAt: now}
	if err := st.CreateOrg(context.Background(), org); err != nil {
		t.Fatal(err)
	}
	grants := []auth.Grant{{Role: role}}
	return &auth.Principal{User: domain.User{ID: "usr_" + name, Email: name + "@example.com"}, Org: org, Grants: grants,
		Perms: auth.OrgPermissions(grants)}
}

func costLine(provider, id, sub, amount string, tags map[string]string) *billing.Line {
	d, _, _ := apd.NewFromString(amount)
	day := jan1.AddDate(0, 0, 9)
	return &billing.Line{BillingAccountID: "ba", BillingPeriodStart: jan1, BillingPeriodEnd: jan1.AddDate(0, 1, 0),
		ChargePeriodStart: day, ChargePeriodEnd: day.AddDate(0, 0, 1), ChargeCategory: billing.CategoryUsage,
		ServiceName: "Compute", ProviderName: provider, PublisherName: provider, InvoiceIssuerName: provider,
		ResourceID: id, ResourceName: id[len(id)-3:], ResourceType: "vm", RegionID: "westeurope", SubAccountID: sub,
		BilledCost: d, EffectiveCost: d, ListCost: d, ContractedCost: d, BillingCurrency: "EUR", Tags: tags}
}

func (f *fixture) importLines(orgID string, lines []*billing.Line) {
	f.t.Helper()
	var buf bytes.Buffer
	if err := billing.WriteFOCUS(&buf, lines); err != nil {
		f.t.Fatal(err)
	}
	r, err := billing.Open(&buf)
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.st.Costs().Import(context.Background(), orgID, r, costs.ImportMeta{FileName: "t.csv", CreatedBy: "test"}); err != nil {
		f.t.Fatal(err)
	}
}

// names lists the names of the resources a filter selects.
func (f *fixture) names(fl inventory.Filter) string {
	f.t.Helper()
	page, err := f.svc.List(context.Background(), f.p, fl, jan, "", 100)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for _, v := range page.Items {
		out = append(out, v.Name)
	}
	return fmt.Sprint(out)
}

func (f *fixture) byName(name string) inventory.View {
	f.t.Helper()
	page, err := f.svc.List(context.Background(), f.p, inventory.Filter{Search: name}, jan, "", 10)
	if err != nil || len(page.Items) != 1 {
		f.t.Fatalf("%s: %d %v", name, len(page.Items), err)
	}
	return page.Items[0]
}

func amount(s string) domain.Amount {
	d, _, _ := apd.NewFromString(s)
	a, _ := domain.AmountFromDecimal(d)
	return a
}

// The inventory lists the resources imported cost data names, with their
// tags, account, group and cost; it filters by tag with normalised keys
// (aliases and case), pages, and another organisation sees none of it.
func TestListFiltersByNormalisedTagsWithCost(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx, f := context.Background(), newFixture(t, db)
		vm1 := f.byName("vm1")
		if vm1.SubAccount != "s1" || vm1.ResourceGroup != "rg-a" || vm1.Provider != "Microsoft" || vm1.Source != store.ResourceFromCosts ||
			len(vm1.Cost) != 1 || vm1.Cost[0].Amount != amount("100.00") || vm1.Cost[0].Currency != "EUR" {
			t.Fatalf("vm1: %+v", vm1)
		}
		if got := f.names(inventory.Filter{TagKey: "environment", TagValue: "prod"}); got != "[vm3]" {
			t.Fatalf("Environment=prod without aliases (case only): %s", got)
		}
		if _, err := f.svc.SetAlias(ctx, f.p, who, "env", "Environment"); err != nil {
			t.Fatal(err)
		}
		if got := f.names(inventory.Filter{TagKey: "ENVIRONMENT", TagValue: "prod"}); got != "[vm1 vm3]" {
			t.Fatalf("Environment=prod with env aliased: %s", got)
		}
		if got := f.names(inventory.Filter{TagKey: "Environment"}); got != "[vm1 vm2 vm3]" {
			t.Fatalf("has Environment: %s", got)
		}
		if got := f.names(inventory.Filter{Provider: "AWS"}); got != "[i-4]" {
			t.Fatalf("AWS: %s", got)
		}
		if got := f.names(inventory.Filter{ResourceGroup: "rg-b"}); got != "[vm3]" {
			t.Fatalf("rg-b: %s", got)
		}
		first, err := f.svc.List(ctx, f.p, inventory.Filter{TagKey: "Environment"}, jan, "", 2)
		if err != nil || len(first.Items) != 2 || first.NextCursor == "" {
			t.Fatalf("first page: %+v %v", first, err)
		}
		second, err := f.svc.List(ctx, f.p, inventory.Filter{TagKey: "Environment"}, jan, first.NextCursor, 2)
		if err != nil || len(second.Items) != 1 || second.Items[0].Name != "vm3" || second.NextCursor != "" {
			t.Fatalf("second page: %+v %v", second, err)
		}
		page, err := f.svc.List(ctx, f.other, inventory.Filter{}, jan, "", 50)
		if err != nil || len(page.Items) != 0 {
			t.Fatalf("B lists A's resources: %d %v", len(page.Items), err)
		}
		if _, err := f.svc.Get(ctx, f.other, vm1.ID, jan); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("B reads A's resource: %v", err)
		}
	})
}

// Keys normalise to the canonical spelling an alias or a policy gives,
// whatever their case; other keys keep theirs.
func TestNormalizer(t *testing.T) {
	n := inventory.NewNormalizer([]store.TagAlias{{Alias: "env", Canonical: "Environment"}, {Alias: "ENVIRONMENT", Canonical: "Environment"}},
		[]string{"CostCenter"})
	for in, want := range map[string]string{"env": "Environment", "ENV": "Environment", "environment": "Environment",
		"Environment": "Environment", "costcenter": "CostCenter", "COSTCENTER": "CostCenter", "Owner": "Owner", "owner": "owner"} {
		if got := n.Key(in); got != want {
			t.Errorf("Key(%q) = %q, want %q", in, got, want)
		}
	}
	got := n.Tags(map[string]string{"env": "dev", "Environment": "prod", "costcenter": "7", "Owner": "ann"})
	if fmt.Sprint(got) != "map[CostCenter:7 Environment:prod Owner:ann]" {
		t.Fatalf("Tags: %v (the canonically spelled key's value wins)", got)
	}
	if got := n.Tags(map[string]string{"ENV": "a", "env": "b"}); got["Environment"] != "a" {
		t.Fatalf("without a canonical spelling the first key in order wins: %v", got)
	}
	var zero inventory.Normalizer
	if zero.Key("env") != "env" {
		t.Fatal("the zero normaliser changes keys")
	}
}

// Required-tag coverage, computed by hand for the fixture with a
// CostCenter policy (costcenter on vm3 counts, by case):
// resources 2 of 4 (vm1, vm3); cost 130.00 of 200.00 EUR = 65.0%;
// s1: 1 of 2, 100.00 of 150.25 = 66.6%; s2: 1 of 1; 1111: 0 of 1.
func TestCoverageNumbers(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx, f := context.Background(), newFixture(t, db)
		if _, err := f.svc.CreatePolicy(ctx, f.p, who, inventory.PolicyInput{Key: "CostCenter"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.CreatePolicy(ctx, f.p, who, inventory.PolicyInput{Key: "costcenter"}); domain.ErrorField(err) != "key" {
			t.Fatalf("a second policy on the same key (case aside): %v", err)
		}
		c, err := f.svc.Coverage(ctx, f.p, jan, inventory.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		o := c.Overall
		if o.Resources != 4 || o.Compliant != 2 || o.ResourcePercent() != "50.0%" || len(o.Cost) != 1 ||
			o.Cost[0].Total != amount("200.00") || o.Cost[0].Compliant != amount("130.00") || o.Cost[0].Percent() != "65.0%" {
			t.Fatalf("overall: %+v", o)
		}
		subs := c.Groups[0]
		if subs.Key != "sub_account" || len(subs.Rows) != 3 {
			t.Fatalf("by subscription: %+v", subs)
		}
		want := map[string]string{"1111": "0/1 0.0%", "s1": "1/2 66.6%", "s2": "1/1 100.0%"}
		for _, r := range subs.Rows {
			if got := fmt.Sprintf("%d/%d %s", r.Compliant, r.Resources, r.Cost[0].Percent()); got != want[r.Group] {
				t.Errorf("%s: %s, want %s", r.Group, got, want[r.Group])
			}
		}
		if pp := c.PerPolicy; len(pp) != 1 || pp[0].Group != "CostCenter" || pp[0].Compliant != 2 || pp[0].Cost[0].Percent() != "65.0%" {
			t.Fatalf("per policy: %+v", pp)
		}
		if rg := c.Groups[1]; len(rg.Rows) != 3 || rg.Rows[2].Group != "rg-b" || rg.Rows[0].Group != "" {
			t.Fatalf("by resource group: %+v", rg.Rows)
		}
		if s1, err := f.svc.Coverage(ctx, f.p, jan, inventory.Filter{SubAccount: "s1"}); err != nil || s1.Overall.Resources != 2 ||
			s1.Overall.Compliant != 1 || s1.Overall.Cost[0].Percent() != "66.6%" {
			t.Fatalf("coverage of s1 only: %+v %v", s1, err)
		}
		if got := f.names(inventory.Filter{Missing: "costcenter"}); got != "[i-4 vm2]" {
			t.Fatalf("missing CostCenter: %s", got)
		}
		if got := f.names(inventory.Filter{Missing: inventory.MissingAny}); got != "[i-4 vm2]" {
			t.Fatalf("missing any: %s", got)
		}
	})
}

// A bulk edit by filter changes every matching resource in one action
// with one audit entry: Canopy's tags become pending with the cloud's as
// the base, coverage follows, and a viewer may not edit.
func TestBulkEditByFilter(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx, f := context.Background(), newFixture(t, db)
		if _, err := f.svc.CreatePolicy(ctx, f.p, who, inventory.PolicyInput{Key: "CostCenter", AllowedValues: []string{"10", "20", "99"}}); err != nil {
			t.Fatal(err)
		}
		filter := inventory.Filter{SubAccount: "s1"}
		if n, err := f.svc.CountMatching(ctx, f.p, filter); err != nil || n != 2 {
			t.Fatalf("count: %d %v", n, err)
		}
		viewer := principal(t, f.st, "V", auth.RoleViewer)
		viewer.Org = f.p.Org
		edit := inventory.TagEdit{Set: map[string]string{"costcenter": "99"}, Remove: []string{"nothing"}}
		if _, err := f.svc.BulkEditTags(ctx, viewer, who, filter, edit); domain.ErrorCode(err) != domain.CodeForbidden {
			t.Fatalf("viewer edits: %v", err)
		}
		res, err := f.svc.BulkEditTags(ctx, f.p, who, filter, edit)
		if err != nil || res.Matched != 2 || res.Changed != 2 {
			t.Fatalf("bulk: %+v %v", res, err)
		}
		vm2 := f.byName("vm2")
		if !vm2.Pending || vm2.CanopyTags["CostCenter"] != "99" || vm2.CanopyTags["ENV"] != "dev" || len(vm2.CanopyTags) != 2 ||
			vm2.BaseTags["ENV"] != "dev" || len(vm2.BaseTags) != 1 || vm2.CloudTags["CostCenter"] != "" {
			t.Fatalf("vm2 after bulk: %+v", vm2.Resource)
		}
		if again, _ := f.svc.BulkEditTags(ctx, f.p, who, filter, edit); again.Changed != 0 {
			t.Fatalf("repeat changed %d", again.Changed)
		}
		c, err := f.svc.Coverage(ctx, f.p, jan, inventory.Filter{})
		if err != nil || c.Overall.Compliant != 3 || c.Overall.Cost[0].Percent() != "90.1%" { // 180.25 / 200
			t.Fatalf("coverage after bulk: %+v %v", c.Overall, err)
		}
		pending, err := f.svc.PendingTagEdits(ctx, f.p)
		if err != nil || len(pending) != 2 {
			t.Fatalf("pending: %d %v", len(pending), err)
		}
		events, err := f.st.ListAudit(ctx, f.p.Org.ID, store.AuditFilter{Action: "resource.tags.bulk_edit"})
		if err != nil || len(events.Items) != 1 {
			t.Fatalf("audit: %+v %v", events, err)
		}
		// Renaming back to what the cloud has clears the pending edit.
		vm1 := f.byName("vm1")
		back := inventory.TagEdit{Set: map[string]string{"CostCenter": "10"}}
		if v, err := f.svc.EditTags(ctx, f.p, who, vm1.ID, back); err != nil || v.Pending || v.CanopyTags != nil {
			t.Fatalf("edit back to the cloud's tags: %+v %v", v.Resource, err)
		}
		if _, err := f.svc.EditTags(ctx, f.other, who, vm1.ID, back); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("B edits A's resource: %v", err)
		}
	})
}

// Renames and removals match keys by their normalised form; keys the edit
// does not name keep their spelling.
func TestEditRenameAndRemove(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx, f := context.Background(), newFixture(t, db)
		vm3 := f.byName("vm3")
		v, err := f.svc.EditTags(ctx, f.p, who, vm3.ID, inventory.TagEdit{Rename: map[string]string{"COSTCENTER": "CostCentre"},
			Set: map[string]string{"Owner": "ann"}, Remove: []string{"environment"}})
		if err != nil || fmt.Sprint(v.CanopyTags) != "map[CostCentre:20 Owner:ann]" {
			t.Fatalf("edit: %v %v", v.CanopyTags, err)
		}
		if _, err := f.svc.EditTags(ctx, f.p, who, vm3.ID, inventory.TagEdit{}); domain.ErrorCode(err) != domain.CodeInvalid {
			t.Fatalf("empty edit: %v", err)
		}
	})
}

// A virtual resource's monthly cost is in the cost store exactly, from its
// first month through the current one; saving again replaces the lines
// and deleting removes them.
func TestVirtualResourceCost(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx, f := context.Background(), newFixture(t, db)
		total := func() domain.Amount {
			m, err := f.st.Costs().Totals(ctx, f.p.Org.ID, costs.TotalsFilter{})
			if err != nil {
				t.Fatal(err)
			}
			return m["EUR"].Billed
		}
		base := total() // 200.00
		v, err := f.svc.CreateVirtual(ctx, f.p, who, inventory.VirtualInput{Name: "Support contract", Amount: "1000.10",
			Currency: "EUR", From: "2025-11", Tags: map[string]string{"costcenter": "42"}})
		if err != nil {
			t.Fatal(err)
		}
		if got := total(); got != amount("3200.30") || base != amount("200.00") { // Nov, Dec, Jan
			t.Fatalf("total with the virtual resource: %s (base %s)", got, base)
		}
		if len(v.Cost) != 1 || v.Cost[0].Amount != amount("1000.10") {
			t.Fatalf("cost in the default period (the 30 days to Jan 15 hold January's line only): %+v", v.Cost)
		}
		got, err := f.svc.Get(ctx, f.p, v.ID, jan)
		if err != nil || len(got.Cost) != 1 || got.Cost[0].Amount != amount("1000.10") || got.Tags["costcenter"] != "42" {
			t.Fatalf("January cost and tags: %+v %v", got, err)
		}
		if _, err := f.svc.UpdateVirtual(ctx, f.p, who, v.ID, inventory.VirtualInput{Name: "Support contract", Amount: "1200.5",
			Currency: "EUR", From: "2025-12", To: "2025-12"}); err != nil {
			t.Fatal(err)
		}
		if got := total(); got != amount("1400.50") {
			t.Fatalf("total after re-saving: %s", got)
		}
		rows, err := f.st.Costs().Aggregate(ctx, f.p.Org.ID, costs.Query{From: jan1.AddDate(0, -2, 0), To: jan1.AddDate(0, 1, 0),
			GroupBy: costs.DimProvider})
		if err != nil || !slices.ContainsFunc(rows, func(r costs.AggRow) bool { return r.Group == "Canopy" }) {
			t.Fatalf("the Canopy provider in the explorer: %+v %v", rows, err)
		}
		if _, err := f.svc.UpdateVirtual(ctx, f.p, who, f.byName("vm1").ID, inventory.VirtualInput{}); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("editing a cloud resource as virtual: %v", err)
		}
		if err := f.svc.DeleteVirtual(ctx, f.other, who, v.ID); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("B deletes A's virtual resource: %v", err)
		}
		if err := f.svc.DeleteVirtual(ctx, f.p, who, v.ID); err != nil {
			t.Fatal(err)
		}
		if got := total(); got != base {
			t.Fatalf("total after deleting: %s", got)
		}
		if _, err := f.svc.CreateVirtual(ctx, f.p, who, inventory.VirtualInput{Name: "x", Amount: "1,000", Currency: "EUR",
			From: "2025-11"}); domain.ErrorField(err) != "monthly_amount" {
			t.Fatalf("bad amount: %v", err)
		}
	})
}
