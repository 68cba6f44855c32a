package chargeback_test

import (
	"testing"

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
