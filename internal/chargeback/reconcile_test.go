package chargeback_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/allocation"
	"github.com/canopyhq/canopy/internal/chargeback"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

func TestReconciliationBalancesToTheCent(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "EUR")
		f.load(t, cost{"100.25", "EUR", 3, "Compute", "VM", "web"}, cost{"60.50", "EUR", 9, "Databases", "SQL", "data"},
			cost{"0.25", "EUR", 30, "Network", "DNS", "data"})
		f.generate(t)
		r, err := f.svc.Reconcile(f.ctx, f.p, october, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !r.Balanced || r.Billed.String() != "161" || r.Charged.String() != "161" || !r.Difference.IsZero() || len(r.Items) != 0 {
			t.Fatalf("reconciliation = %+v", r)
		}
	})
}

// Each kind of difference: 20 EUR unallocated, a 15 EUR fee, half-cents
// that round up in each unit (10.005 + 20.005 + 1.005 USD→EUR at 1), and
// 3 EUR imported after the version was generated.
func TestReconciliationListsEachDifference(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "EUR")
		f.rate(t, "USD", "EUR", "1")
		f.load(t, cost{"10.005", "EUR", 3, "Compute", "VM", "web"}, cost{"20.005", "EUR", 9, "Databases", "SQL", "data"},
			cost{"20", "EUR", 10, "Storage", "Blob", ""})
		f.extra(t, chargeback.ExtraInput{Unit: f.data.ID, Kind: chargeback.KindFixedFee, Description: "Support", Amount: "15", Currency: "EUR", From: "2026-10"})
		f.generate(t)
		f.load(t, cost{"3", "EUR", 20, "Compute", "VM", "web"})
		r, err := f.svc.Reconcile(f.ctx, f.p, october, 1)
		if err != nil {
			t.Fatal(err)
		}
		// billed now 53.01; charged 10.01 + 35.01 = 45.02
		if r.Billed.String() != "53.01" || r.Charged.String() != "45.02" || r.Difference.String() != "-7.99" || r.Balanced {
			t.Fatalf("reconciliation = %+v", r)
		}
		want := map[string]string{chargeback.ReconUnallocated: "-20", chargeback.ReconExtra: "15", chargeback.ReconRounding: "0.01",
			chargeback.ReconDataChanged: "-3"}
		if len(r.Items) != len(want) {
			t.Errorf("items = %+v", r.Items)
		}
		for _, it := range r.Items {
			if want[it.Kind] != it.Amount.String() {
				t.Errorf("%s = %s, want %s", it.Kind, it.Amount, want[it.Kind])
			}
			if it.Label == "" {
				t.Errorf("%s has no label", it.Kind)
			}
		}
	})
}

// Licences valued from the price list are charged but never billed, and
// the seats nobody holds are billed to nobody: 10 SPE_E3 seats at 40 USD
// with no billed licence line in October; two Sales holders (80) are
// charged, three holders no rule places (120) are unallocated, five
// seats are unassigned (200).
func TestReconciliationListsLicenceDifferences(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "USD")
		f.load(t, cost{"50", "USD", 3, "Compute", "VM", "web"})
		seedDirectory(t, f, october.AddDate(0, 0, 4))
		if err := f.alloc.SetLicencePrice(f.ctx, f.p, f.who, allocation.LicencePrice{SkuPartNumber: "SPE_E3", CostSKU: "CFQ7TTC0LFLX:0002", UnitPrice: "40", Currency: "USD"}); err != nil {
			t.Fatal(err)
		}
		sales := f.group(t, "Sales", allocation.KindBusinessUnit, "")
		rs := allocation.Ruleset{Splits: []allocation.Split{}, Rules: []allocation.Rule{
			{Name: "web", Group: f.web.ID, Conditions: []allocation.Condition{tag("web")}},
			{Name: "sales", Group: sales.ID, Conditions: []allocation.Condition{{Field: allocation.FieldUserDepartment, Op: allocation.OpIn, Values: []string{"sales"}}}}}}
		if _, err := f.alloc.SaveRuleset(f.ctx, f.p, f.who, 0, rs, "sales"); err != nil {
			t.Fatal(err)
		}
		d := f.generate(t)
		if u := unit(t, d, "Sales"); u.Total.String() != "80" {
			t.Fatalf("Sales = %+v", u)
		}
		r, err := f.svc.Reconcile(f.ctx, f.p, october, 0)
		if err != nil {
			t.Fatal(err)
		}
		if r.Billed.String() != "50" || r.Charged.String() != "130" || r.Difference.String() != "80" {
			t.Fatalf("reconciliation = %+v", r)
		}
		want := map[string]string{chargeback.ReconUnallocated: "-120", chargeback.ReconUnassigned: "-200", chargeback.ReconPriceList: "400"}
		if len(r.Items) != len(want) {
			t.Errorf("items = %+v", r.Items)
		}
		for _, it := range r.Items {
			if want[it.Kind] != it.Amount.String() {
				t.Errorf("%s = %s, want %s", it.Kind, it.Amount, want[it.Kind])
			}
		}
	})
}

// seedDirectory syncs SPE_E3 with 10 seats bought, held by five users:
// two in Sales and three no rule places.
func seedDirectory(t *testing.T, f *fixture, seenAt time.Time) {
	t.Helper()
	conn, err := f.st.CreateConnection(f.ctx, store.Connection{OrgID: f.p.Org.ID, Kind: "m365", Name: "Contoso", Settings: []byte("{}"), Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	const e3 = "05e9a617-0261-4cee-bb44-138d3ef5d965"
	lic := []byte(`[{"skuId":"` + e3 + `","disabledPlans":[]}]`)
	var users []store.M365User
	for i, dept := range []string{"Sales", "Sales", "Engineering", "", "Legal"} {
		users = append(users, store.M365User{ObjectID: fmt.Sprint("u", i), DisplayName: fmt.Sprint("u", i), Department: dept,
			AssignedLicenses: lic, ExtensionAttributes: []byte("{}"), AccountEnabled: true})
	}
	snap := store.DirectorySnapshot{HasSKUs: true, Users: users,
		SKUs: []store.M365SKU{{SkuID: e3, SkuPartNumber: "SPE_E3", PrepaidEnabled: 10, ConsumedUnits: 5, ServicePlans: []byte("[]")}}}
	if _, err := f.st.ReplaceDirectory(f.ctx, f.p.Org.ID, conn.ID, snap, seenAt); err != nil {
		t.Fatal(err)
	}
}
