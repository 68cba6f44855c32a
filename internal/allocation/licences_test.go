package allocation_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/allocation"
	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

const licenceLine = `BilledCost,BillingAccountId,BillingAccountName,BillingCurrency,BillingPeriodEnd,BillingPeriodStart,ChargeCategory,ChargeClass,ChargeDescription,ChargeFrequency,ChargePeriodEnd,ChargePeriodStart,ContractedCost,EffectiveCost,InvoiceIssuerName,ListCost,ProviderName,PublisherName,RegionId,RegionName,ResourceId,ResourceName,ServiceCategory,ServiceName,SkuId,SubAccountId,SubAccountName,Tags
360,m365,Contoso M365,USD,2026-04-01,2026-03-01,Purchase,,Microsoft 365 E3 - 10 licences,Recurring,2026-04-01,2026-03-01,360,360,Microsoft,360,Microsoft,Microsoft,,,,,Business Applications,Microsoft 365 E3,CFQ7TTC0LFLX:0002,tenant,Contoso,
`

// Licence cost is divided among the seats: users placed by directory
// attributes, users no rule places (unallocated) and seats bought but
// assigned to nobody (waste), from the synced directory.
func TestLicenceCostFollowsTheDirectory(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		r, err := billing.Open(bytes.NewReader([]byte(licenceLine)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.st.Costs().Import(f.ctx, f.p.Org.ID, r, costs.ImportMeta{FileName: "m365.csv", SourceKey: "m365"}); err != nil {
			t.Fatal(err)
		}
		seedDirectory(t, f, domain.Now())
		if err := f.svc.SetLicencePrice(f.ctx, f.p, f.who, allocation.LicencePrice{SkuPartNumber: "SPE_E3", CostSKU: "CFQ7TTC0LFLX:0002", UnitPrice: "36", Currency: "USD"}); err != nil {
			t.Fatal(err)
		}
		sales := f.group(t, "Sales", "")
		f.save(t, allocation.Ruleset{Rules: []allocation.Rule{
			{Name: "sales", Group: sales.ID, Conditions: []allocation.Condition{{Field: allocation.FieldUserDepartment, Op: allocation.OpIn, Values: []string{"sales"}}}},
			{Name: "engineering in Germany", Group: f.web.ID, Conditions: []allocation.Condition{
				{Field: allocation.FieldUserDepartment, Op: allocation.OpIn, Values: []string{"Engineering"}},
				{Field: allocation.FieldUserCountry, Op: allocation.OpIn, Values: []string{"DE"}}}},
		}})
		got := f.totals(t, 0, march, april)
		// The fixture's own March lines (207.5) are unallocated too.
		want := map[string]string{"Sales": "72", "Web": "36", "Unallocated": "279.5", "Unassigned licences": "180"}
		if !same(got, want) {
			t.Fatalf("licence allocation: %v, want %v", got, want)
		}
		res, err := f.svc.Results(f.ctx, f.p, allocation.ResultsQuery{From: march, To: april, Group: sales.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Totals) != 1 || res.Totals[0].Via != allocation.ViaLicence || res.Totals[0].Seats != 2 || res.Totals[0].RuleName != "sales" {
			t.Fatalf("sales lineage: %+v", res.Totals)
		}
		// Without the mapping the licence line is one line again, which
		// the user rules cannot place: the month is computed anew.
		if err := f.svc.DeleteLicencePrice(f.ctx, f.p, f.who, "SPE_E3"); err != nil {
			t.Fatal(err)
		}
		if got := f.totals(t, 0, march, april); !same(got, map[string]string{"Unallocated": "567.5"}) {
			t.Fatalf("after removing the mapping: %v", got)
		}
	})
}

// seedDirectory syncs a directory snapshot as of seenAt: SPE_E3 with 10
// seats bought, held by five users (two in Sales, one engineer in
// Germany, two others).
func seedDirectory(t *testing.T, f *fixture, seenAt time.Time) {
	t.Helper()
	conn, err := f.st.CreateConnection(f.ctx, store.Connection{OrgID: f.p.Org.ID, Kind: "m365", Name: "Contoso", Settings: []byte("{}"), Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	const e3 = "05e9a617-0261-4cee-bb44-138d3ef5d965"
	lic := []byte(`[{"skuId":"` + e3 + `","disabledPlans":[]}]`)
	user := func(id, dept, country string) store.M365User {
		return store.M365User{ObjectID: id, DisplayName: id, Department: dept, Country: country, AssignedLicenses: lic,
			ExtensionAttributes: []byte("{}"), AccountEnabled: true}
	}
	snap := store.DirectorySnapshot{HasSKUs: true, SKUs: []store.M365SKU{{SkuID: e3, SkuPartNumber: "SPE_E3", PrepaidEnabled: 10, ConsumedUnits: 5, ServicePlans: []byte("[]")}},
		Users: []store.M365User{user("u1", "Sales", "DE"), user("u2", "Sales", "FR"), user("u3", "Engineering", "DE"), user("u4", "", ""), user("u5", "Legal", "")}}
	if _, err := f.st.ReplaceDirectory(f.ctx, f.p.Org.ID, conn.ID, snap, seenAt); err != nil {
		t.Fatal(err)
	}
}

// Without a billed licence line in a month, the product's list price
// values the seats bought (price × seats), divided the same way; a month
// with a billed line keeps the billed cost, and months before the
// directory listed the product get nothing.
func TestLicencesValuedFromThePriceListWithoutABilledLine(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		r, err := billing.Open(bytes.NewReader([]byte(licenceLine)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.st.Costs().Import(f.ctx, f.p.Org.ID, r, costs.ImportMeta{FileName: "m365.csv", SourceKey: "m365"}); err != nil {
			t.Fatal(err)
		}
		seedDirectory(t, f, march.AddDate(0, 0, 4))
		if err := f.svc.SetLicencePrice(f.ctx, f.p, f.who, allocation.LicencePrice{SkuPartNumber: "SPE_E3", CostSKU: "CFQ7TTC0LFLX:0002", UnitPrice: "40", Currency: "USD"}); err != nil {
			t.Fatal(err)
		}
		sales := f.group(t, "Sales", "")
		f.save(t, allocation.Ruleset{Rules: []allocation.Rule{
			{Name: "sales", Group: sales.ID, Conditions: []allocation.Condition{{Field: allocation.FieldUserDepartment, Op: allocation.OpIn, Values: []string{"sales"}}}},
		}})
		// March: the billed 360 (36 a seat), not the list price.
		if got := f.totals(t, 0, march, april); got["Sales"] != "72" || got["Unassigned licences"] != "180" {
			t.Fatalf("March: %v", got)
		}
		// April: no billed line; 10 seats at 40 = 400. The fixture's April
		// lines (280) and three unplaced holders (120) are unallocated.
		want := map[string]string{"Sales": "80", "Unassigned licences": "200", "Unallocated": "400"}
		if got := f.totals(t, 0, april, may); !same(got, want) {
			t.Fatalf("April from the price list: %v, want %v", got, want)
		}
		xs, err := f.svc.Explain(f.ctx, f.p, "", []costs.Filter{{Dim: costs.DimProvider, Values: []string{allocation.PriceListProvider}}}, april, may)
		if err != nil || len(xs) != 1 || len(xs[0].Portions) != 3 {
			t.Fatalf("why is the list-price line here: %v %+v", err, xs)
		}
		// February: the directory did not list the product yet.
		feb := march.AddDate(0, -1, 0)
		if got := f.totals(t, 0, feb, march); len(got) != 0 {
			t.Fatalf("February: %v", got)
		}
	})
}
