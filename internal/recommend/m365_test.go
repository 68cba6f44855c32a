package recommend_test

import (
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/recommend"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

const (
	skuE3  = "05e9a617-0261-4cee-bb44-138d3ef5d965"
	skuE5  = "06ebc4ee-1bb5-47dd-8120-11324bc54e06"
	skuPBI = "f8a1db68-be16-40ed-86d5-cb42ce701560"
)

func plans(names ...string) []byte {
	var parts []string
	for _, n := range names {
		parts = append(parts, `{"servicePlanId":"id-`+n+`","servicePlanName":"`+n+`"}`)
	}
	return []byte("[" + strings.Join(parts, ",") + "]")
}

func licences(skus ...string) []byte {
	var parts []string
	for _, s := range skus {
		parts = append(parts, `{"skuId":"`+s+`","disabledPlans":[]}`)
	}
	return []byte("[" + strings.Join(parts, ",") + "]")
}

// knownDirectory: E3 10 bought / 7 assigned, E5 2 / 2, Power BI Pro 4 / 1.
// u1 is active, u2 last active 45 days before the report's refresh date,
// u3 75 days, u4 (disabled) never; u5 holds E5 and a Power BI Pro it
// includes, u6 E3 and E5 (E5 includes every E3 plan); u7 got E3 ten days
// ago and has not used it yet; u8 is missing from the report.
func knownDirectory() store.DirectorySnapshot {
	snap := store.DirectorySnapshot{HasSKUs: true, SKUs: []store.M365SKU{
		{SkuID: skuE3, SkuPartNumber: "SPE_E3", PrepaidEnabled: 10, ConsumedUnits: 7, ServicePlans: plans("EXCHANGE", "SHAREPOINT", "TEAMS", "AAD_PREMIUM")},
		{SkuID: skuE5, SkuPartNumber: "SPE_E5", PrepaidEnabled: 2, ConsumedUnits: 2, ServicePlans: plans("EXCHANGE", "SHAREPOINT", "TEAMS", "AAD_PREMIUM", "POWER_BI")},
		{SkuID: skuPBI, SkuPartNumber: "POWER_BI_PRO", PrepaidEnabled: 4, ConsumedUnits: 1, ServicePlans: plans("POWER_BI")},
	}}
	for _, u := range []struct {
		id      string
		enabled bool
		skus    []string
	}{{"u1", true, []string{skuE3}}, {"u2", true, []string{skuE3}}, {"u3", true, []string{skuE3}}, {"u4", false, []string{skuE3}},
		{"u5", true, []string{skuE5, skuPBI}}, {"u6", true, []string{skuE3, skuE5}}, {"u7", true, []string{skuE3}}, {"u8", true, []string{skuE3}}} {
		snap.Users = append(snap.Users, store.M365User{ObjectID: u.id, DisplayName: "User " + u.id, UserPrincipalName: u.id + "@contoso.test",
			AccountEnabled: u.enabled, UserType: "Member", AssignedLicenses: licences(u.skus...)})
	}
	return snap
}

func activity(refresh time.Time) []store.M365Activity {
	day := func(n int) string { return refresh.AddDate(0, 0, -n).Format(time.DateOnly) }
	old := "2025-01-10"
	return []store.M365Activity{
		{UserPrincipalName: "u1@contoso.test", ObjectID: "u1", Exchange: day(40), Teams: day(2), LastAssigned: old},
		{UserPrincipalName: "u2@contoso.test", ObjectID: "u2", Exchange: day(45), SharePoint: day(50), LastAssigned: old},
		{UserPrincipalName: "u3@contoso.test", ObjectID: "u3", OneDrive: day(75), LastAssigned: old},
		{UserPrincipalName: "u4@contoso.test", ObjectID: "u4", LastAssigned: old},
		{UserPrincipalName: "u5@contoso.test", ObjectID: "u5", Teams: day(1), LastAssigned: old},
		{UserPrincipalName: "u6@contoso.test", ObjectID: "u6", Exchange: day(3), LastAssigned: old},
		{UserPrincipalName: "u7@contoso.test", ObjectID: "u7", LastAssigned: day(10)},
	}
}

// Unassigned, inactive (30/60/90 days) and overlapping licences of a
// known directory, each valued at the organisation's prices in EUR: the
// list price of E3 converted from USD, Power BI Pro at its billed cost per
// seat of the last complete month.
func TestLicenceRecommendationsOfAKnownDirectory(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC))
		refresh := time.Date(2026, 3, 18, 0, 0, 0, 0, time.UTC)
		if _, err := f.st.ReplaceDirectory(f.ctx, f.p.Org.ID, f.connection, knownDirectory(), f.now); err != nil {
			t.Fatal(err)
		}
		rep := store.M365ActivityReport{OrgID: f.p.Org.ID, ConnectionID: f.connection, RefreshDate: "2026-03-18", Rows: 7, ReadAt: f.now}
		if err := f.st.SaveM365Activity(f.ctx, rep, activity(refresh)); err != nil {
			t.Fatal(err)
		}
		f.price(t, "SPE_E3", "E3-SKU", "36", "USD")
		f.price(t, "SPE_E5", "E5-SKU", "57", "USD")
		f.price(t, "POWER_BI_PRO", "PBI-SKU", "", "")
		f.rate(t, "2026-03-19", "USD", "EUR", "0.9")
		// Power BI Pro is billed 40 EUR in February for its 4 seats; March's
		// partial line does not count.
		f.importLines(t, "pbi", []costLine{{"2026-02-01", "", "PBI-SKU", "40", "EUR"}, {"2026-03-01", "", "PBI-SKU", "99", "EUR"}})
		if _, skipped, err := recommend.RefreshLicences(f.ctx, f.st, f.p.Org.ID, f.connection, "tenant-1", f.now); err != nil || skipped != "" {
			t.Fatalf("refresh: %q %v", skipped, err)
		}
		got, list := f.byKey(t, f.viewer, recommend.Filter{})
		want := map[string]struct{ title, monthly string }{
			"unassigned/" + skuE3:  {"3 unassigned SPE_E3 licences", "97.2"},
			"unassigned/" + skuPBI: {"3 unassigned POWER_BI_PRO licences", "30"},
			"inactive/u2":          {"User u2 has not been active for 30+ days: remove SPE_E3", "32.4"},
			"inactive/u3":          {"User u3 has not been active for 60+ days: remove SPE_E3", "32.4"},
			"inactive/u4":          {"User u4 has not been active for 90+ days: remove SPE_E3", "32.4"},
			"overlap/u5/" + skuPBI: {"Remove POWER_BI_PRO from User u5: SPE_E5 already includes it", "10"},
			"overlap/u6/" + skuE3:  {"Remove SPE_E3 from User u6: SPE_E5 already includes it", "32.4"},
		}
		if len(got) != len(want) {
			t.Fatalf("got %d recommendations, want %d: %v", len(got), len(want), got)
		}
		for key, w := range want {
			r := got[key]
			if r.Title != w.title || amount(r.Estimate.Monthly) != w.monthly || r.Estimate.Currency != "EUR" {
				t.Errorf("%s: %q %s %s (%s %s)", key, r.Title, amount(r.Estimate.Monthly), r.Estimate.Currency, r.Estimate.Basis, r.Estimate.Error)
			}
		}
		if b := got["unassigned/"+skuPBI].Estimate.Basis; !strings.Contains(b, "billed 10.00 EUR a seat (February 2026: 40.00 EUR on cost lines of SKU PBI-SKU for 4 seats bought)") {
			t.Errorf("billed basis: %s", b)
		}
		if b := got["unassigned/"+skuE3].Estimate.Basis; !strings.Contains(b, "3 seats × list price 36 USD a seat") || !strings.Contains(b, "converted to EUR at 0.9 (rate of 2026-03-19)") {
			t.Errorf("list basis: %s", b)
		}
		if d := got["inactive/u2"].Detail; !strings.Contains(d, "Last activity: 2026-02-01") || !strings.Contains(d, "Exchange 2026-02-01, SharePoint 2026-01-27") {
			t.Errorf("inactive detail: %s", d)
		}
		if list.Totals.Open != 7 || list.Totals.OpenMonthly.String() != "266.8" || list.Totals.OpenNotEstimate != 0 || len(list.Notices) != 0 {
			t.Errorf("totals %+v notices %v", list.Totals, list.Notices)
		}
		byCat, _ := f.byKey(t, f.viewer, recommend.Filter{Categories: []string{recommend.CategoryInactive}})
		if len(byCat) != 3 {
			t.Errorf("inactive filter: %d", len(byCat))
		}
		assertConcealedKeepsInactive(t, f)
	})
}

// With names concealed, inactive users are not judged again: their
// recommendations stay as they were and a notice says why; the others
// are still derived.
func assertConcealedKeepsInactive(t *testing.T, f *fixture) {
	t.Helper()
	rep := store.M365ActivityReport{OrgID: f.p.Org.ID, ConnectionID: f.connection, Concealed: true, Rows: 7, ReadAt: f.now}
	if err := f.st.SaveM365Activity(f.ctx, rep, nil); err != nil {
		t.Fatal(err)
	}
	_, skipped, err := recommend.RefreshLicences(f.ctx, f.st, f.p.Org.ID, f.connection, "tenant-1", f.now.Add(time.Hour))
	if err != nil || !strings.Contains(skipped, "conceal user names") {
		t.Fatalf("concealed refresh: %q %v", skipped, err)
	}
	got, list := f.byKey(t, f.viewer, recommend.Filter{Statuses: []string{recommend.StatusOpen}})
	if len(got) != 7 || len(list.Notices) != 1 || !strings.Contains(list.Notices[0], "Contoso 365: Licences of inactive users skipped") {
		t.Fatalf("after concealment: %d open, notices %v", len(got), list.Notices)
	}
}
