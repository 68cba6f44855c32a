package alerts_test

import (
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/alerts"
	"github.com/canopyhq/canopy/internal/jobs"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

func TestDailyRunAtTheConfiguredHourOnce(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.rule(t, alerts.RuleInput{Name: "Per service", Kind: alerts.KindSpike, SplitBy: "service"})
		tick := func(svc *alerts.Service) int {
			n, err := svc.Tick(f.ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		f.now = today.Add(22*time.Hour + 59*time.Minute)
		if n := tick(f.svc); n != 0 || len(f.inbox(t)) != 0 {
			t.Fatalf("before 23:00: evaluated %d", n)
		}
		f.now = today.Add(23 * time.Hour)
		// Two schedulers at once (two processes after a leader change):
		// one of them takes the organisation's day.
		a, b := f.service(), f.service()
		var wg sync.WaitGroup
		counts := make([]int, 2)
		for i, svc := range []*alerts.Service{a, b} {
			wg.Go(func() { n, _ := svc.Tick(f.ctx); counts[i] = n })
		}
		wg.Wait()
		if counts[0]+counts[1] != 1 || len(f.inbox(t)) != 1 {
			t.Fatalf("at 23:00: evaluated %v, inbox %v", counts, messages(f.inbox(t)))
		}
		if n := tick(f.svc); n != 0 {
			t.Errorf("evaluated again the same day: %d", n)
		}
		// The organisation's own hour, the next day.
		hour := 6
		if _, err := f.svc.SetHour(f.ctx, f.owner, f.who, &hour); err != nil {
			t.Fatal(err)
		}
		f.now = today.AddDate(0, 0, 1).Add(5 * time.Hour)
		if n := tick(f.svc); n != 0 {
			t.Errorf("before the org's 06:00: %d", n)
		}
		f.now = today.AddDate(0, 0, 1).Add(6 * time.Hour)
		if n := tick(f.svc); n != 1 {
			t.Errorf("at the org's 06:00: %d", n)
		}
		sc, err := f.svc.Schedule(f.ctx, f.viewer)
		if err != nil || sc.Hour != 6 || sc.Default || sc.LastRunDay == nil || *sc.LastRunDay != "2026-11-24" {
			t.Errorf("schedule %+v %v", sc, err)
		}
		if _, err := f.svc.SetHour(f.ctx, f.owner, f.who, new(25)); err == nil {
			t.Error("hour 25 accepted")
		}
	})
}

// The tick is a River job: a runner with the service registered works
// it (the leader also schedules it every TickEvery) and the day's
// evaluation lands in the inbox.
func TestTickRunsAsAJob(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.rule(t, alerts.RuleInput{Name: "Per service", Kind: alerts.KindSpike, SplitBy: "service"})
		if err := jobs.Migrate(f.ctx, string(db.Engine), db.W); err != nil {
			t.Fatal(err)
		}
		reg := jobs.NewRegistry()
		f.svc.Register(reg)
		r, err := jobs.New(string(db.Engine), db.W, jobs.Options{Registry: reg, FetchPollInterval: 20 * time.Millisecond,
			Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Start(f.ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = r.Stop(f.ctx) })
		if err := r.Enqueue(f.ctx, alerts.TickArgs{}, nil); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(30 * time.Second); len(f.inbox(t)) == 0; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the tick job evaluated nothing")
			}
		}
		if list := f.inbox(t); len(list) != 1 || list[0].Day != "2026-11-20" {
			t.Errorf("inbox %v", messages(list))
		}
	})
}
