package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

func newOrg(t *testing.T, s *store.Store, name string) string {
	t.Helper()
	now := domain.Now()
	o := domain.Org{ID: domain.NewID(domain.PrefixOrg), Name: name, CreatedAt: now, UpdatedAt: now}
	if err := s.CreateOrg(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	return o.ID
}

func TestConnectionsSyncsAndChecksStayInTheirOrg(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx, s := context.Background(), store.New(db)
		a, b := newOrg(t, s, "A"), newOrg(t, s, "B")
		c, err := s.CreateConnection(ctx, store.Connection{OrgID: a, Kind: "aws", Name: "Prod", Settings: []byte(`{"x":1}`),
			Secret: []byte{1, 2, 3}, SyncHour: 3, Enabled: true})
		if err != nil || c.Status != store.ConnectionNew {
			t.Fatalf("create: %+v %v", c, err)
		}
		if _, err := s.CreateConnection(ctx, store.Connection{OrgID: a, Kind: "aws", Name: "Prod", Settings: []byte(`{}`)}); domain.ErrorField(err) != "name" {
			t.Fatalf("duplicate name: %v", err)
		}
		from, to := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
		y, err := s.CreateSync(ctx, store.ConnectionSync{OrgID: a, ConnectionID: c.ID, Trigger: store.TriggerManual, WindowFrom: from, WindowTo: to})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateSync(ctx, store.ConnectionSync{OrgID: a, ConnectionID: c.ID, Trigger: store.TriggerScheduled, WindowFrom: from, WindowTo: to}); domain.ErrorCode(err) != domain.CodeConflict {
			t.Fatalf("second active sync: %v", err)
		}
		if err := s.ReplaceChecks(ctx, a, c.ID, []store.ConnectionCheck{{Feature: "Costs", Needs: "ce:*", Granted: true, ProbedAt: to}}); err != nil {
			t.Fatal(err)
		}
		// Org B reaches none of it.
		if _, err := s.GetConnection(ctx, b, c.ID); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("B reads A's connection: %v", err)
		}
		if list, _ := s.ListConnections(ctx, b); len(list) != 0 {
			t.Fatalf("B lists %+v", list)
		}
		if _, err := s.GetSync(ctx, b, c.ID, y.ID); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("B reads A's sync: %v", err)
		}
		if list, _ := s.ListSyncs(ctx, b, c.ID, 10, nil); len(list) != 0 {
			t.Fatalf("B lists A's syncs: %+v", list)
		}
		if list, _ := s.ListChecks(ctx, b, c.ID); len(list) != 0 {
			t.Fatalf("B lists A's checks: %+v", list)
		}
		if err := s.ReplaceChecks(ctx, b, c.ID, nil); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("B replaces A's checks: %v", err)
		}
		if err := s.UpdateConnection(ctx, store.Connection{ID: c.ID, OrgID: b, Name: "Hijacked", Settings: []byte(`{}`)}); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("B updates A's connection: %v", err)
		}
		if err := s.DeleteConnection(ctx, b, c.ID); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("B deletes A's connection: %v", err)
		}
		if _, ok, err := s.ClaimSync(ctx, b, y.ID, time.Now()); ok || domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("B claims A's sync: %v %v", ok, err)
		}
		assertSyncLifecycle(t, s, a, c, y)
	})
}

func assertSyncLifecycle(t *testing.T, s *store.Store, org string, c store.Connection, y store.ConnectionSync) {
	t.Helper()
	ctx := context.Background()
	got, ok, err := s.ClaimSync(ctx, org, y.ID, time.Now().Add(-time.Minute))
	if !ok || err != nil || got.State != store.SyncRunning || got.Attempts != 1 || got.StartedAt == nil {
		t.Fatalf("claim: %+v %v %v", got, ok, err)
	}
	if _, ok, _ := s.ClaimSync(ctx, org, y.ID, time.Now().Add(-time.Minute)); ok {
		t.Fatal("a running sync with a live heartbeat was claimed twice")
	}
	if err := s.SetSyncProgress(ctx, y.ID, 2, 5, 80, "Costs", []byte(`["w"]`)); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSyncCheckpoint(ctx, y.ID, []byte(`{"next":"2026-03-03"}`)); err != nil {
		t.Fatal(err)
	}
	got.State, got.Rows, got.Warnings, got.ProgressDone, got.ProgressTotal = store.SyncPartial, 80, []byte(`["w"]`), 2, 5
	if err := s.FinishSync(ctx, got); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishConnectionSync(ctx, org, c.ID, store.ConnectionPartial, &got.WindowTo); err != nil {
		t.Fatal(err)
	}
	done, err := s.GetSync(ctx, org, c.ID, y.ID)
	if err != nil || !done.Finished() || string(done.Checkpoint) != `{"next":"2026-03-03"}` || done.ProgressDone != 2 || done.FinishedAt == nil {
		t.Fatalf("finished sync %+v %v", done, err)
	}
	cands, err := s.EnabledConnections(ctx)
	if err != nil || len(cands) != 1 || cands[0].LastQueuedAt == nil || !cands[0].LastQueuedAt.Equal(y.CreatedAt) ||
		cands[0].SyncedThrough == nil || !cands[0].SyncedThrough.Equal(y.WindowTo) {
		t.Fatalf("schedule candidates %+v %v", cands, err)
	}
	if active, err := s.ActiveSync(ctx, org, c.ID); active != nil || err != nil {
		t.Fatalf("active after finish: %+v %v", active, err)
	}
}
