package awsconn

import (
	"testing"

	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/recommend"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

func (e *syncEnv) stored(c connect.Connection) map[string]store.Recommendation {
	e.T.Helper()
	list, err := e.Store.ListRecommendations(e.Ctx, c.OrgID, store.RecFilter{ConnectionID: c.ID})
	if err != nil {
		e.T.Fatal(err)
	}
	out := map[string]store.Recommendation{}
	for _, r := range list {
		out[r.Source+"|"+r.SourceKey] = r
	}
	return out
}

// A sync stores what Trusted Advisor and Cost Explorer recommend, valued
// through the recommendations service; a re-sync updates the same rows
// (no duplicates, first seen kept), resolves what the source no longer
// lists, and a source that refuses keeps what it gave before.
func TestSyncStoresRecommendationsIdempotently(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newSyncEnv(t, db)
		e.Work()
		c := e.create(e.demoSettings())
		if y := e.Sync(c); y.State != store.SyncSucceeded {
			t.Fatalf("sync %+v", y)
		}
		first := e.stored(c)
		perSource := map[string]int{}
		for _, r := range first {
			perSource[r.Source]++
			if r.Status != store.RecOpen || r.Title == "" || r.Account == "" || r.Category == "" {
				t.Fatalf("stored %+v", r)
			}
		}
		for _, src := range []string{recommend.SourceTrustedAdvisor, recommend.SourceCERightsizing, recommend.SourceCESavingsPlans} {
			if perSource[src] == 0 {
				t.Fatalf("no recommendation from %s: %v", src, perSource)
			}
		}
		// A finding the source no longer lists: stored as if an earlier sync saw it.
		gone := store.SourceRecommendation{SourceKey: "Qch7DwouX1/i-gone", Category: recommend.CategoryIdle, Account: e.Cloud.Demo.AWS.AccountID, Title: "Low Utilization Amazon EC2 Instances"}
		keep := []store.SourceRecommendation{gone}
		for _, r := range first {
			if r.Source == recommend.SourceTrustedAdvisor {
				keep = append(keep, r.SourceRecommendation)
			}
		}
		if _, err := e.Store.ReplaceRecommendations(e.Ctx, c.OrgID, c.ID, recommend.SourceTrustedAdvisor, keep, domain.Now()); err != nil {
			t.Fatal(err)
		}
		if y := e.Sync(c); y.State != store.SyncSucceeded {
			t.Fatalf("re-sync %+v", y)
		}
		again := e.stored(c)
		if len(again) != len(first)+1 {
			t.Fatalf("re-sync: %d stored, first sync %d (+1 gone)", len(again), len(first))
		}
		for k, r := range first {
			if a := again[k]; a.ID != r.ID || !a.FirstSeen.Equal(r.FirstSeen) || a.Status != store.RecOpen || a.SourceSavings != r.SourceSavings {
				t.Fatalf("re-sync changed %s: %+v, was %+v", k, a, r)
			}
		}
		if g := again[recommend.SourceTrustedAdvisor+"|"+gone.SourceKey]; g.Status != store.RecResolved || g.GoneAt == nil {
			t.Fatalf("gone at source: %+v", g)
		}
		// Trusted Advisor refuses (Basic support): its findings are kept open.
		_ = e.Cloud.AWS.SetSupportPlan(e.Cloud.Demo.AWS.AccountID, "basic")
		if y := e.Sync(c); y.State != store.SyncPartial {
			t.Fatalf("sync without Trusted Advisor %+v", y)
		}
		for k, r := range e.stored(c) {
			if r.Source == recommend.SourceTrustedAdvisor && r.Status != first[k].Status && k != recommend.SourceTrustedAdvisor+"|"+gone.SourceKey {
				t.Fatalf("a refused source changed %s: %+v", k, r)
			}
		}
		list, err := recommend.New(e.Store).List(e.Ctx, e.Owner, recommend.Filter{Sources: []string{recommend.SourceCERightsizing}})
		if err != nil || len(list.Items) != perSource[recommend.SourceCERightsizing] || list.Totals.OpenMonthly.IsZero() {
			t.Fatalf("service list: %+v %v", list.Totals, err)
		}
		for _, r := range list.Items {
			if r.Estimate.Monthly == nil || r.Estimate.Currency != string(domain.DefaultReportingCurrency) {
				t.Fatalf("estimate of %s: %+v", r.Title, r.Estimate)
			}
		}
	})
}
