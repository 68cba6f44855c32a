package recommend_test

import (
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/recommend"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// daily is one line a day for [from, to) of a resource or SKU.
func daily(from, to, resource, sku, cost, cur string) []costLine {
	var out []costLine
	d, _ := time.Parse(time.DateOnly, from)
	end, _ := time.Parse(time.DateOnly, to)
	for ; d.Before(end); d = d.AddDate(0, 0, 1) {
		out = append(out, costLine{d.Format(time.DateOnly), resource, sku, cost, cur})
	}
	return out
}

// A done recommendation's realised saving compares the average daily cost
// of the 30 days before the day it was done with the 30 days after it
// (that day itself counts in neither), scaled to 30 days; it is not
// measurable until cost data reaches the end of the window after.
func TestRealisedSavingsFromLaterCostData(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC))
		recs := []store.SourceRecommendation{cloudRec("vm", "200", "EUR")}
		recs[0].ResourceID = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/VM1"
		if _, err := f.st.ReplaceRecommendations(f.ctx, f.p.Org.ID, f.connection, recommend.SourceAzureAdvisor, recs, f.now); err != nil {
			t.Fatal(err)
		}
		lic := []store.SourceRecommendation{{SourceKey: "unassigned/e3", Category: recommend.CategoryUnassigned, Account: "tenant",
			Title: "2 unassigned SPE_E3 licences", Licences: []byte(`[{"sku_part_number":"SPE_E3","seats":2}]`)}}
		if _, err := f.st.ReplaceRecommendations(f.ctx, f.p.Org.ID, f.connection, recommend.SourceM365, lic, f.now); err != nil {
			t.Fatal(err)
		}
		f.price(t, "SPE_E3", "E3-SKU", "36", "EUR")
		vm := strings.ToLower(recs[0].ResourceID) // cost lines spell it in lower case
		lines := append(daily("2026-01-30", "2026-03-01", vm, "D2s", "10", "EUR"), costLine{"2026-03-01", vm, "D2s", "1000", "EUR"})
		lines = append(lines, daily("2026-03-02", "2026-03-20", vm, "D2s", "4", "EUR")...)
		// The licence: 12 USD a day before (10.80 EUR), 9 USD after (8.10 EUR).
		lines = append(lines, daily("2026-01-30", "2026-03-01", "", "E3-SKU", "12", "USD")...)
		lines = append(lines, daily("2026-03-02", "2026-03-20", "", "E3-SKU", "9", "USD")...)
		f.importLines(t, "first", lines)
		f.rate(t, "2026-01-29", "USD", "EUR", "0.9")
		for d := time.Date(2026, 2, 5, 0, 0, 0, 0, time.UTC); d.Before(time.Date(2026, 4, 2, 0, 0, 0, 0, time.UTC)); d = d.AddDate(0, 0, 6) {
			f.rate(t, d.Format(time.DateOnly), "USD", "EUR", "0.9")
		}
		got, _ := f.byKey(t, f.p, recommend.Filter{})
		for _, key := range []string{"vm", "unassigned/e3"} {
			if _, err := f.svc.Done(f.ctx, f.p, f.who, got[key].ID); err != nil {
				t.Fatal(err)
			}
		}
		f.now = time.Date(2026, 3, 25, 0, 0, 0, 0, time.UTC)
		r, err := f.svc.Get(f.ctx, f.p, got["vm"].ID)
		if err != nil || r.Realised == nil || r.Realised.Measurable || !strings.Contains(r.Realised.Basis, "Not measurable yet") ||
			!strings.Contains(r.Realised.Basis, "cost data reaches 2026-03-19") {
			t.Fatalf("too early: %+v %v", r.Realised, err)
		}
		f.importLines(t, "second", append(daily("2026-03-20", "2026-04-01", vm, "D2s", "4", "EUR"), daily("2026-03-20", "2026-04-01", "", "E3-SKU", "9", "USD")...))
		f.now = time.Date(2026, 4, 5, 0, 0, 0, 0, time.UTC)
		r, err = f.svc.Get(f.ctx, f.p, got["vm"].ID)
		re := r.Realised
		if err != nil || !re.Measurable || amount(re.Monthly) != "180" || amount(re.BeforeDaily) != "10" || amount(re.AfterDaily) != "4" ||
			re.BeforeFrom.Format(time.DateOnly) != "2026-01-30" || re.AfterTo.Format(time.DateOnly) != "2026-04-01" || re.Currency != "EUR" {
			t.Fatalf("vm realised: %+v %v (%s)", re, err, amount(re.Monthly))
		}
		r, err = f.svc.Get(f.ctx, f.p, got["unassigned/e3"].ID)
		if re := r.Realised; err != nil || !re.Measurable || amount(re.Monthly) != "81" || !strings.Contains(re.Basis, "SKU E3-SKU") {
			t.Fatalf("licence realised: %+v %v", re, err)
		}
		_, list := f.byKey(t, f.p, recommend.Filter{Statuses: []string{recommend.StatusDone}})
		if list.Totals.DoneRealised.String() != "261" {
			t.Fatalf("realised total: %s", list.Totals.DoneRealised)
		}
	})
}
