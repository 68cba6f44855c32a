package m365_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/recommend"
	"github.com/canopyhq/canopy/internal/sandbox/graph"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

func (w *world) recs(c connect.Connection) map[string]store.Recommendation {
	w.T.Helper()
	list, err := w.Store.ListRecommendations(w.Ctx, c.OrgID, store.RecFilter{ConnectionID: c.ID})
	if err != nil {
		w.T.Fatal(err)
	}
	out := map[string]store.Recommendation{}
	for _, r := range list {
		out[r.SourceKey] = r
	}
	return out
}

// expectedLicenceKeys are the unassigned and overlap recommendations the
// sandbox tenant calls for: each SKU with seats bought beyond those
// assigned, and each user holding Power BI Pro besides E5 (which
// includes it).
func expectedLicenceKeys(tenant []graph.User, skus []graph.SKU) map[string]int64 {
	want := map[string]int64{}
	var e5, pbi string
	for _, k := range skus {
		if k.Enabled > k.Consumed {
			want["unassigned/"+k.SkuID] = int64(k.Enabled - k.Consumed)
		}
		switch k.SkuPartNumber {
		case "SPE_E5":
			e5 = k.SkuID
		case "POWER_BI_PRO":
			pbi = k.SkuID
		}
	}
	for _, u := range tenant {
		has := map[string]bool{}
		for _, l := range u.AssignedLicenses {
			has[l.SkuID] = true
		}
		if has[e5] && has[pbi] {
			want["overlap/"+u.ID+"/"+pbi] = 1
		}
	}
	return want
}

// The sync reads the usage report with names, stores every licensed
// member's activity matched to the directory, and derives the licence
// recommendations: exactly the sandbox's unassigned seats and overlaps,
// and inactive users (the sandbox's dormant ones). A re-sync keeps them;
// with names concealed the sync warns and inactive users stay as judged.
func TestSyncDerivesLicenceRecommendations(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		w.consent()
		c := w.connect()
		if y := w.Sync(c); y.State != store.SyncSucceeded {
			t.Fatalf("sync %s: %s %s", y.State, y.Error, y.Warnings)
		}
		tenant := w.Cloud.Demo.Customer.ID
		users := w.Cloud.Graph.Users(tenant)
		licensed := 0
		for _, u := range users {
			if u.UserType == "Member" && len(u.AssignedLicenses) > 0 {
				licensed++
			}
		}
		act, err := w.Store.M365UserActivity(w.Ctx, c.OrgID, c.ID)
		if err != nil || len(act) != licensed {
			t.Fatalf("activity rows %d, licensed members %d (%v)", len(act), licensed, err)
		}
		for _, a := range act {
			if a.ObjectID == "" {
				t.Fatalf("report row not matched: %+v", a)
			}
		}
		first := w.recs(c)
		want := expectedLicenceKeys(users, w.Cloud.Graph.SKUs(tenant))
		tiers := map[string]int{}
		for key, r := range first {
			if strings.HasPrefix(key, "inactive/") {
				tiers[r.Title[strings.LastIndex(r.Title, "for ")+4:strings.LastIndex(r.Title, "+ days")]]++
				continue
			}
			var seats []recommend.Seats
			_ = json.Unmarshal(r.Licences, &seats)
			if n, ok := want[key]; !ok || len(seats) != 1 || seats[0].Seats != n {
				t.Errorf("unexpected %s: %s %s", key, r.Title, r.Licences)
			}
			delete(want, key)
		}
		if len(want) != 0 {
			t.Errorf("missing recommendations %v", want)
		}
		if !hasOverlap(first) || tiers["30"] == 0 || tiers["60"] == 0 || tiers["90"] == 0 || len(tiers) != 3 {
			t.Fatalf("the sandbox should yield overlaps and inactive users: tiers %v", tiers)
		}
		if y := w.Sync(c); y.State != store.SyncSucceeded {
			t.Fatalf("re-sync %s", y.Error)
		}
		again := w.recs(c)
		for k, r := range first {
			if a := again[k]; a.ID != r.ID || a.Status != store.RecOpen || !a.FirstSeen.Equal(r.FirstSeen) {
				t.Fatalf("re-sync changed %s: %+v", k, a)
			}
		}
		w.Cloud.Graph.SetConcealedNames(tenant, true)
		y := w.Sync(c)
		if y.State != store.SyncPartial || !strings.Contains(string(y.Warnings), "conceal") {
			t.Fatalf("concealed sync %s %s", y.State, y.Warnings)
		}
		for k, r := range w.recs(c) {
			if strings.HasPrefix(k, "inactive/") && r.Status != store.RecOpen {
				t.Fatalf("concealment resolved %s", k)
			}
		}
	})
}

func hasOverlap(m map[string]store.Recommendation) bool {
	for k := range m {
		if strings.HasPrefix(k, "overlap/") {
			return true
		}
	}
	return false
}
