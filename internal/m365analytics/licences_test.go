package m365analytics_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/m365analytics"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

const focusHeader = "BilledCost,BillingAccountId,BillingAccountName,BillingCurrency,BillingPeriodEnd,BillingPeriodStart,ChargeCategory,ChargeClass,ChargeDescription,ChargeFrequency,ChargePeriodEnd,ChargePeriodStart,ContractedCost,EffectiveCost,InvoiceIssuerName,ListCost,ProviderName,PublisherName,RegionId,RegionName,ResourceId,ResourceName,ServiceCategory,ServiceName,SkuId,SubAccountId,SubAccountName,Tags\n"

// Seat prices: the licence price list's unit price first, else the mapped
// cost SKU's billed lines of the last complete month divided by the seats
// purchased, else unknown with the reason; without costs.read no cost.
func TestLicenceCosts(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx, st := context.Background(), store.New(db)
		now := domain.Now()
		org := domain.Org{ID: domain.NewID(domain.PrefixOrg), Name: "Org", CreatedAt: now, UpdatedAt: now}
		if err := st.CreateOrg(ctx, org); err != nil {
			t.Fatal(err)
		}
		c, err := st.CreateConnection(ctx, store.Connection{OrgID: org.ID, Kind: "m365", Name: "T", Settings: []byte(`{"tenant_id":"t.example"}`), SyncHour: 3, Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
		day := now.Format(time.DateOnly)
		if err := st.ReplaceM365LicenceSnapshot(ctx, org.ID, c.ID, day, []store.M365LicenceSnapshot{
			{SkuID: "a", SkuPartNumber: "SPE_E3", Purchased: 10, Assigned: 4}, {SkuID: "b", SkuPartNumber: "VISIOCLIENT", Purchased: 10, Assigned: 9},
			{SkuID: "c", SkuPartNumber: "POWER_BI_PRO", Purchased: 2, Assigned: 2}}); err != nil {
			t.Fatal(err)
		}
		for _, p := range []store.LicencePrice{{OrgID: org.ID, SkuPartNumber: "SPE_E3", CostSKU: "E3:1", UnitPrice: "36", Currency: "USD"},
			{OrgID: org.ID, SkuPartNumber: "VISIOCLIENT", CostSKU: "VISIO:1"}} {
			if err := st.SetLicencePrice(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		// Last month's Visio lines: 150.00 EUR for the 10 seats purchased; E3 lines are ignored (list price first).
		last := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0)
		var b strings.Builder
		b.WriteString(focusHeader)
		for _, l := range []struct{ sku, cost, cur string }{{"VISIO:1", "100.00", "EUR"}, {"VISIO:1", "50.00", "EUR"}, {"E3:1", "999.00", "USD"}} {
			fmt.Fprintf(&b, "%s,acct,Account,%s,%s,%s,Purchase,,lic,Recurring,%s,%s,%s,%s,Microsoft,%s,Microsoft,Microsoft,,,,,Other,Licences,%s,sub,Sub,\n",
				l.cost, l.cur, last.AddDate(0, 1, 0).Format(time.DateOnly), last.Format(time.DateOnly), last.AddDate(0, 0, 1).Format(time.DateOnly),
				last.Format(time.DateOnly), l.cost, l.cost, l.cost, l.sku)
		}
		r, err := billing.Open(bytes.NewReader([]byte(b.String())))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Costs().Import(ctx, org.ID, r, costs.ImportMeta{FileName: "pc.csv", SourceKey: "pc-invoice:1"}); err != nil {
			t.Fatal(err)
		}
		g := []auth.Grant{{Role: auth.RoleOwner}}
		owner := &auth.Principal{User: domain.User{ID: domain.NewID(domain.PrefixUser)}, Org: org, Grants: g, Perms: auth.OrgPermissions(g)}
		l, err := m365analytics.New(st).Licences(ctx, owner, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]m365analytics.LicenceRow{}
		for _, r := range l.Rows {
			got[r.SkuPartNumber] = r
		}
		if e3 := got["SPE_E3"]; e3.UnitPrice != "36.00" || e3.MonthlyCost != "360.00" || e3.UnassignedCost != "216.00" || e3.Currency != "USD" ||
			!strings.Contains(e3.CostBasis, "list price") {
			t.Fatalf("E3 %+v", e3)
		}
		if v := got["VISIOCLIENT"]; v.UnitPrice != "15.00" || v.MonthlyCost != "150.00" || v.UnassignedCost != "15.00" || v.Currency != "EUR" ||
			!strings.Contains(v.CostBasis, "billed") {
			t.Fatalf("Visio %+v", v)
		}
		if p := got["POWER_BI_PRO"]; p.UnitPrice != "" || p.MonthlyCost != "" || !strings.HasPrefix(p.CostBasis, "unknown") {
			t.Fatalf("Power BI %+v", p)
		}
		buyer := &auth.Principal{User: owner.User, Org: org, Perms: auth.NewPermissionSet(auth.PermM365Read)}
		if l, err = m365analytics.New(st).Licences(ctx, buyer, c.ID); err != nil || l.Rows[0].MonthlyCost != "" || !strings.Contains(l.Rows[0].CostBasis, "costs.read") {
			t.Fatalf("without costs.read: %+v (%v)", l.Rows, err)
		}
	})
}
