package connect

import (
	"context"
	"sync"
	"time"
)

// throttle holds a run's token buckets, one per scope (an API, a
// subscription, a tenant). A connection never runs two syncs at once, so
// a run's buckets are the connection's.
type throttle struct {
	mu      sync.Mutex
	buckets map[string]*bucket
	now     func() time.Time
	sleep   func(ctx context.Context, d time.Duration) error // nil: a timer
}

// bucket allows burst requests at once and one more every interval; a
// Retry-After pauses it until a time.
type bucket struct {
	every       time.Duration // 0: unlimited (only pauses apply)
	burst       float64
	tokens      float64
	last        time.Time
	pausedUntil time.Time
}

// newThrottle counts time by now (nil: time.Now) and waits with sleep
// (nil: a timer).
func newThrottle(now func() time.Time, sleep func(context.Context, time.Duration) error) *throttle {
	if now == nil {
		now = time.Now
	}
	return &throttle{buckets: map[string]*bucket{}, now: now, sleep: sleep}
}

func (t *throttle) bucket(scope string) *bucket {
	b := t.buckets[scope]
	if b == nil {
		b = &bucket{}
		t.buckets[scope] = b
	}
	return b
}

func (t *throttle) limit(scope string, every time.Duration, burst int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.bucket(scope)
	b.every, b.burst, b.tokens, b.last = every, float64(max(burst, 1)), float64(max(burst, 1)), t.now()
}

func (t *throttle) pause(scope string, d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.bucket(scope)
	if until := t.now().Add(d); until.After(b.pausedUntil) {
		b.pausedUntil = until
	}
}

// take returns how long to wait before a request in scope may go; zero
// means it may go now (and a token was spent).
func (t *throttle) take(scope string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	b, now := t.bucket(scope), t.now()
	if now.Before(b.pausedUntil) {
		return b.pausedUntil.Sub(now)
	}
	if b.every <= 0 {
		return 0
	}
	b.tokens = min(b.burst, b.tokens+float64(now.Sub(b.last))/float64(b.every))
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return 0
	}
	return time.Duration((1 - b.tokens) * float64(b.every))
}

func (t *throttle) wait(ctx context.Context, scope string) error {
	for {
		d := t.take(scope)
		if d <= 0 {
			return nil
		}
		if t.sleep != nil {
			if err := t.sleep(ctx, d); err != nil {
				return err
			}
			continue
		}
		timer := time.NewTimer(d)
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-timer.C:
		}
	}
}
