package connect

import (
	"context"
	"testing"
	"time"
)

func TestWindowsScheduleAndThrottle(t *testing.T) {
	now := time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	from, to := windowFor(Connection{}, 3, now)
	if !from.Equal(day("2025-12-14")) || !to.Equal(day("2026-03-15")) {
		t.Fatalf("first window %v..%v", from, to)
	}
	through := day("2026-03-10")
	if from, _ = windowFor(Connection{SyncedThrough: &through}, 3, now); !from.Equal(day("2026-03-06")) {
		t.Fatalf("re-pull window from %v, want the last synced day (9th) minus 3", from)
	}
	at3 := day("2026-03-14").Add(3 * time.Hour)
	if !due(3, nil, now) || due(3, &at3, now) || due(11, nil, now) {
		t.Fatal("due")
	}
	if n := nextSync(3, &at3, now); !n.Equal(at3.AddDate(0, 0, 1)) {
		t.Fatalf("next sync %v", n)
	}
	if n := nextSync(11, nil, now); !n.Equal(day("2026-03-14").Add(11 * time.Hour)) {
		t.Fatalf("next sync later today %v", n)
	}
	clock := now
	th := newThrottle(func() time.Time { return clock }, nil)
	th.limit("api", time.Second, 2)
	if th.take("api") != 0 || th.take("api") != 0 || th.take("api") != time.Second {
		t.Fatal("a bucket of 2 must let 2 through, then ask for a second")
	}
	clock = clock.Add(time.Second)
	if th.take("api") != 0 {
		t.Fatal("a token must come back after the interval")
	}
	th.pause("api", 30*time.Second) // Retry-After: 30
	if d := th.take("api"); d != 30*time.Second {
		t.Fatalf("paused scope waits %v", d)
	}
	if th.take("other") != 0 {
		t.Fatal("a scope without limits must not wait")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := th.wait(ctx, "api"); err == nil {
		t.Fatal("Wait ignored a cancelled context")
	}
}
