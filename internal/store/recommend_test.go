package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

func srcRec(key, savings string) store.SourceRecommendation {
	return store.SourceRecommendation{SourceKey: key, Category: "idle-resource", Account: "111122223333", ResourceID: "i-" + key,
		Title: "Stop " + key, Detail: "idle", SourceSavings: savings, SourceCurrency: "USD"}
}

func recsByKey(t *testing.T, s *store.Store, org string) map[string]store.Recommendation {
	t.Helper()
	list, err := s.ListRecommendations(context.Background(), org, store.RecFilter{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.Recommendation{}
	for _, r := range list {
		out[r.SourceKey] = r
	}
	return out
}

// A re-sync updates recommendations by their source key; one the source
// no longer lists is kept and resolved (open) or keeps its status
// (dismissed); listed again it reopens. Other orgs cannot write or read.
func TestRecommendationsReplaceBySourceKeyAndKeepHistory(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx, s := context.Background(), store.New(db)
		a, b := newOrg(t, s, "A"), newOrg(t, s, "B")
		conn := m365Conn(t, s, a, "AWS")
		t1 := time.Date(2026, 3, 1, 3, 0, 0, 0, time.UTC)
		if _, err := s.ReplaceRecommendations(ctx, b, conn, "aws-trusted-advisor", []store.SourceRecommendation{srcRec("x", "1")}, t1); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("B writes into A's connection: %v", err)
		}
		res, err := s.ReplaceRecommendations(ctx, a, conn, "aws-trusted-advisor", []store.SourceRecommendation{srcRec("x", "10.5"), srcRec("y", "2"), srcRec("z", "")}, t1)
		if err != nil || res.Added != 3 {
			t.Fatalf("first: %+v %v", res, err)
		}
		first := recsByKey(t, s, a)
		y := first["y"]
		if err := s.SetRecommendationStatus(ctx, a, y.ID, store.RecOpen, store.RecStatus{Status: store.RecDismissed, Reason: "kept on purpose", By: "me", At: t1}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetRecommendationStatus(ctx, a, y.ID, store.RecOpen, store.RecStatus{Status: store.RecDone, At: t1}); domain.ErrorCode(err) != domain.CodeConflict {
			t.Fatalf("stale status change: %v", err)
		}
		if err := s.SetRecommendationStatus(ctx, b, y.ID, store.RecDismissed, store.RecStatus{Status: store.RecOpen, At: t1}); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("B changes A's recommendation: %v", err)
		}
		t2 := t1.Add(24 * time.Hour)
		for range 2 { // the second run is the idempotent repeat
			if res, err = s.ReplaceRecommendations(ctx, a, conn, "aws-trusted-advisor", []store.SourceRecommendation{srcRec("x", "12")}, t2); err != nil {
				t.Fatal(err)
			}
		}
		if res.Added != 0 || res.Updated != 1 || res.Gone != 0 {
			t.Fatalf("repeat: %+v", res)
		}
		got := recsByKey(t, s, a)
		if len(got) != 3 || got["x"].ID != first["x"].ID || got["x"].SourceSavings != "12" || !got["x"].FirstSeen.Equal(t1) || !got["x"].LastSeen.Equal(t2) {
			t.Fatalf("x after re-sync: %+v", got["x"])
		}
		if z := got["z"]; z.Status != store.RecResolved || z.GoneAt == nil || !z.GoneAt.Equal(t2) {
			t.Fatalf("z gone at source: %+v", z)
		}
		if y := got["y"]; y.Status != store.RecDismissed || y.StatusReason != "kept on purpose" || y.GoneAt == nil {
			t.Fatalf("dismissed y gone at source: %+v", y)
		}
		res, err = s.ReplaceRecommendations(ctx, a, conn, "aws-trusted-advisor", []store.SourceRecommendation{srcRec("x", "12"), srcRec("z", "3")}, t2.Add(time.Hour))
		if err != nil || res.Reopened != 1 {
			t.Fatalf("z listed again: %+v %v", res, err)
		}
		if z := recsByKey(t, s, a)["z"]; z.Status != store.RecOpen || z.GoneAt != nil {
			t.Fatalf("z reopened: %+v", z)
		}
		if list, _ := s.ListRecommendations(ctx, b, store.RecFilter{}); len(list) != 0 {
			t.Fatalf("B sees %d of A's recommendations", len(list))
		}
		if _, err := s.GetRecommendation(ctx, b, y.ID); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("B reads A's recommendation: %v", err)
		}
	})
}

// Filters combine; accounts are replaced on their own.
func TestRecommendationFiltersAndAccountScope(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx, s := context.Background(), store.New(db)
		a := newOrg(t, s, "A")
		conn := m365Conn(t, s, a, "Azure")
		at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		r1, r2 := srcRec("1", "5"), srcRec("2", "6")
		r2.Account, r2.Category = "sub-2", "commitment"
		r1.Account = "sub-1"
		for _, r := range []store.SourceRecommendation{r1, r2} {
			if _, err := s.ReplaceAccountRecommendations(ctx, a, conn, "azure-advisor", r.Account, []store.SourceRecommendation{r}, at); err != nil {
				t.Fatal(err)
			}
		}
		// sub-1 read again with nothing: only its recommendation goes.
		if res, err := s.ReplaceAccountRecommendations(ctx, a, conn, "azure-advisor", "sub-1", nil, at.Add(time.Hour)); err != nil || res.Gone != 1 {
			t.Fatalf("sub-1 emptied: %+v %v", res, err)
		}
		for _, tc := range []struct {
			f    store.RecFilter
			want int
		}{
			{store.RecFilter{}, 2},
			{store.RecFilter{Statuses: []string{store.RecOpen}}, 1},
			{store.RecFilter{Accounts: []string{"sub-2"}, Categories: []string{"commitment"}}, 1},
			{store.RecFilter{Accounts: []string{"sub-2"}, Categories: []string{"idle-resource"}}, 0},
			{store.RecFilter{Sources: []string{"azure-advisor"}, Statuses: []string{store.RecResolved, store.RecOpen}}, 2},
			{store.RecFilter{Sources: []string{"aws-trusted-advisor"}}, 0},
		} {
			if got, err := s.ListRecommendations(ctx, a, tc.f); err != nil || len(got) != tc.want {
				t.Errorf("%+v: %d, want %d (%v)", tc.f, len(got), tc.want, err)
			}
		}
	})
}

// The usage report's rows replace the stored ones only when read with
// names; a concealed or failed read keeps them and records why.
func TestM365ActivityKeepsMatchedRowsWhenConcealed(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx, s := context.Background(), store.New(db)
		a, b := newOrg(t, s, "A"), newOrg(t, s, "B")
		conn := m365Conn(t, s, a, "Contoso")
		at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		rows := []store.M365Activity{{UserPrincipalName: "u1@c.test", ObjectID: "u1", Exchange: "2026-02-01", Teams: "2026-02-20", LastAssigned: "2025-01-01"}}
		if err := s.SaveM365Activity(ctx, store.M365ActivityReport{OrgID: b, ConnectionID: conn, ReadAt: at}, rows); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("B writes into A's connection: %v", err)
		}
		if err := s.SaveM365Activity(ctx, store.M365ActivityReport{OrgID: a, ConnectionID: conn, RefreshDate: "2026-02-27", Rows: 1, ReadAt: at}, rows); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveM365Activity(ctx, store.M365ActivityReport{OrgID: a, ConnectionID: conn, Concealed: true, Rows: 1, ReadAt: at.Add(time.Hour)}, nil); err != nil {
			t.Fatal(err)
		}
		got, err := s.M365UserActivity(ctx, a, conn)
		if err != nil || len(got) != 1 || got[0].Teams != "2026-02-20" || got[0].ObjectID != "u1" || got[0].LastAssigned != "2025-01-01" {
			t.Fatalf("activity kept: %+v %v", got, err)
		}
		reps, err := s.M365ActivityReports(ctx, a)
		if err != nil || len(reps) != 1 || !reps[0].Concealed || !reps[0].ReadAt.Equal(at.Add(time.Hour)) {
			t.Fatalf("reports: %+v %v", reps, err)
		}
		if reps, _ := s.M365ActivityReports(ctx, b); len(reps) != 0 {
			t.Fatal("B sees A's report")
		}
	})
}
