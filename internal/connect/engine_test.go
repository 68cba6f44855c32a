package connect_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

func TestManualSyncImportsRecordsHistoryAndNextWindow(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		h.runner(t, true)
		c := h.create(t, h.owner, "Prod", "s3cr3t-key")
		if _, err := h.svc.SyncNow(h.ctx, h.finops, h.who, c.ID); !isCode(err, domain.CodeForbidden) {
			t.Fatalf("finops synced: %v", err)
		}
		if _, err := h.svc.SyncNow(h.ctx, h.b, h.who, c.ID); !isCode(err, domain.CodeNotFound) {
			t.Fatalf("org B synced A's connection: %v", err)
		}
		y, err := h.svc.SyncNow(h.ctx, h.owner, h.who, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if first := clock.Truncate(24*time.Hour).AddDate(0, 0, -connect.FirstSyncDays); !y.WindowFrom.Equal(first) || y.Trigger != store.TriggerManual {
			t.Fatalf("first window from %v, want %v (%s)", y.WindowFrom, first, y.Trigger)
		}
		y = h.waitSync(t, h.finops, c.ID, y.ID)
		if y.State != store.SyncSucceeded || y.Rows != fakeDays*40 || y.ProgressDone != fakeDays || y.ProgressTotal != fakeDays || y.StartedAt == nil || y.FinishedAt == nil {
			t.Fatalf("sync %+v", y)
		}
		if h.fake.secrets[0] != "s3cr3t-key" {
			t.Fatalf("the connector got secret %q", h.fake.secrets[0])
		}
		got, _ := h.svc.Get(h.ctx, h.owner, c.ID)
		if got.Status != store.ConnectionOK || got.SyncedThrough == nil || !got.SyncedThrough.Equal(y.WindowTo) || got.LastSyncAt == nil {
			t.Fatalf("connection after sync %+v", got)
		}
		// The next sync re-pulls the last days: from the last synced day
		// minus DefaultRePullDays, replacing what it imports again.
		h.fake.warn = "Trusted Advisor needs a Business support plan"
		y2, err := h.svc.SyncNow(h.ctx, h.owner, h.who, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := y.WindowTo.AddDate(0, 0, -1-connect.DefaultRePullDays); !y2.WindowFrom.Equal(want) {
			t.Fatalf("second window from %v, want %v", y2.WindowFrom, want)
		}
		before := h.totals(t, h.owner.Org.ID)
		y2 = h.waitSync(t, h.owner, c.ID, y2.ID)
		if y2.State != store.SyncPartial || !strings.Contains(string(y2.Warnings), "Business support plan") {
			t.Fatalf("sync with a warning: %+v", y2)
		}
		if after := h.totals(t, h.owner.Org.ID); after != before {
			t.Fatalf("a re-pull changed the totals: %s, then %s", before, after)
		}
		list, next, err := h.svc.Syncs(h.ctx, h.finops, c.ID, 1, "")
		if err != nil || len(list) != 1 || list[0].ID != y2.ID || next == "" {
			t.Fatalf("history page 1: %+v %q %v", list, next, err)
		}
		list, next, err = h.svc.Syncs(h.ctx, h.finops, c.ID, 1, next)
		if err != nil || len(list) != 1 || list[0].ID != y.ID || next != "" {
			t.Fatalf("history page 2: %+v %q %v", list, next, err)
		}
		if h.totals(t, h.b.Org.ID) != "map[]" {
			t.Fatal("org B has costs")
		}
	})
}

func TestFailedSyncIsRecordedWithItsError(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		h.runner(t, true)
		h.fake.failWith = errors.New("AccessDenied: not authorized to perform ce:GetCostAndUsage")
		c := h.create(t, h.owner, "Prod", "key")
		y, err := h.svc.SyncNow(h.ctx, h.owner, h.who, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		y = h.waitSync(t, h.owner, c.ID, y.ID)
		got, _ := h.svc.Get(h.ctx, h.owner, c.ID)
		if y.State != store.SyncFailed || !strings.Contains(y.Error, "AccessDenied") || got.Status != store.ConnectionFailed || got.SyncedThrough != nil {
			t.Fatalf("failed sync %+v, connection %+v", y, got)
		}
	})
}

func TestScheduleQueuesDueConnectionsOncePerDay(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		due := h.create(t, h.owner, "Due", "k")
		late := h.create(t, h.owner, "Later", "k")
		off := h.create(t, h.b, "Off", "k")
		hour, no := 22, false
		if _, err := h.svc.Update(h.ctx, h.owner, h.who, late.ID, connect.Input{SyncHour: &hour}); err != nil {
			t.Fatal(err)
		}
		if _, err := h.svc.Update(h.ctx, h.b, h.who, off.ID, connect.Input{Enabled: &no}); err != nil {
			t.Fatal(err)
		}
		if n, err := h.svc.QueueDue(h.ctx); err != nil || n != 1 {
			t.Fatalf("first tick queued %d: %v", n, err)
		}
		list, _, _ := h.svc.Syncs(h.ctx, h.owner, due.ID, 10, "")
		if len(list) != 1 || list[0].Trigger != store.TriggerScheduled || list[0].State != store.SyncQueued {
			t.Fatalf("due connection's syncs: %+v", list)
		}
		if n, err := h.svc.QueueDue(h.ctx); err != nil || n != 0 {
			t.Fatalf("second tick queued %d: %v", n, err)
		}
		h.svc.Now = func() time.Time { return clock.Add(12 * time.Hour) } // 22:00: Later is due
		if n, err := h.svc.QueueDue(h.ctx); err != nil || n != 1 {
			t.Fatalf("22:00 tick queued %d: %v", n, err)
		}
		h.svc.Now = func() time.Time { return clock.Add(17 * time.Hour) } // 03:00 next day: Due again, but its sync is still queued
		if n, err := h.svc.QueueDue(h.ctx); err != nil || n != 0 {
			t.Fatalf("a connection with a queued sync was queued again: %d %v", n, err)
		}
	})
}

// A worker stopped mid-sync (its context cancelled after a day was
// imported but before its checkpoint was saved) leaves the sync queued
// with its checkpoint; another river client resumes it: the days before
// the checkpoint are not imported again, the interrupted day is imported
// again and replaces itself, and the totals equal those of an
// uninterrupted sync.
func TestKilledSyncResumesFromCheckpoint(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		hangDay := clock.Truncate(24*time.Hour).AddDate(0, 0, -2).Format(time.DateOnly)
		h.fake.hangAt = hangDay
		first := h.runner(t, false)
		if err := first.Start(h.ctx); err != nil {
			t.Fatal(err)
		}
		c := h.create(t, h.owner, "Prod", "k")
		y, err := h.svc.SyncNow(h.ctx, h.owner, h.who, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		<-h.fake.hung
		stopCtx, cancel := context.WithTimeout(h.ctx, 10*time.Millisecond)
		_ = first.Stop(stopCtx) // cancels the running sync
		cancel()
		mid, _ := h.svc.Sync(h.ctx, h.owner, c.ID, y.ID)
		if mid.State != store.SyncQueued || !strings.Contains(string(mid.Checkpoint), "next") || mid.ProgressDone == 0 {
			t.Fatalf("after the stop: %+v", mid)
		}
		h.runner(t, true)
		y = h.waitSync(t, h.owner, c.ID, y.ID)
		if y.State != store.SyncSucceeded || y.Attempts != 2 {
			t.Fatalf("resumed sync %+v", y)
		}
		for day, n := range h.fake.imported {
			if want := 1 + btoi(day == hangDay); n != want {
				t.Fatalf("day %s imported %d times, want %d (%v)", day, n, want, h.fake.imported)
			}
		}
		if len(h.fake.imported) != fakeDays {
			t.Fatalf("imported days %v, want %d", h.fake.imported, fakeDays)
		}
		ref := h.create(t, h.b, "Reference", "k")
		yb, err := h.svc.SyncNow(h.ctx, h.b, h.who, ref.ID)
		if err != nil {
			t.Fatal(err)
		}
		h.waitSync(t, h.b, ref.ID, yb.ID)
		if a, b := h.totals(t, h.owner.Org.ID), h.totals(t, h.b.Org.ID); a != b || a == "map[]" {
			t.Fatalf("resumed totals %s, uninterrupted %s", a, b)
		}
	})
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
