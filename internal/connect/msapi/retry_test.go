package msapi

import (
	"net/http"
	"testing"
	"time"
)

func TestRetryAfterSecondsAndHTTPDate(t *testing.T) {
	for v, want := range map[string]time.Duration{
		"7": 7 * time.Second, "0": 0, "": 0, "soon": 0, "-3": 0, "1.5": 0,
		t0.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second,
		t0.Add(-time.Minute).Format(http.TimeFormat):     0,
		t0.Format(http.TimeFormat):                       0,
	} {
		h := http.Header{}
		if v != "" {
			h.Set("Retry-After", v)
		}
		if got := RetryAfter(h, t0); got != want {
			t.Errorf("Retry-After %q: %v, want %v", v, got, want)
		}
	}
}

func TestPolicyDefaults(t *testing.T) {
	for _, c := range []struct {
		retries int
		wait    time.Duration
		want    Policy
	}{
		{0, 0, Policy{3, time.Minute}},
		{-1, -time.Second, Policy{0, time.Minute}},
		{5, 10 * time.Second, Policy{5, 10 * time.Second}},
	} {
		if got := NewPolicy(c.retries, c.wait); got != c.want {
			t.Errorf("NewPolicy(%d, %v) = %+v, want %+v", c.retries, c.wait, got, c.want)
		}
	}
}

func TestPolicyWaitHonoursRetryAfterUpToTheCap(t *testing.T) {
	p := NewPolicy(3, 30*time.Second)
	for _, c := range []struct {
		status     int
		retryAfter time.Duration
		idempotent bool
		attempt    int
		wait       time.Duration // -1: a backoff, checked by range
		retry      bool
	}{
		{429, 5 * time.Second, false, 0, 5 * time.Second, true},
		{503, 30 * time.Second, false, 2, 30 * time.Second, true},
		{429, 31 * time.Second, true, 0, 0, false}, // over the cap: the caller reschedules
		{429, 5 * time.Second, true, 3, 0, false},  // attempts used up
		{500, 0, true, 0, -1, true},
		{502, 0, false, 0, 0, false}, // a non-idempotent request may have been done
		{404, 0, true, 0, 0, false},
	} {
		wait, retry := p.Wait(c.status, c.retryAfter, c.idempotent, c.attempt)
		ok := retry == c.retry && (wait == c.wait || c.wait < 0 && wait >= 800*time.Millisecond && wait <= 1200*time.Millisecond)
		if !ok {
			t.Errorf("Wait(%d, %v, %v, %d) = %v, %v", c.status, c.retryAfter, c.idempotent, c.attempt, wait, retry)
		}
	}
	if wait, _ := NewPolicy(3, 500*time.Millisecond).Wait(429, 0, true, 2); wait != 500*time.Millisecond {
		t.Errorf("a backoff past the cap waits %v, want the cap", wait)
	}
}

func TestBackoffGrowsWithJitterAndStaysBounded(t *testing.T) {
	for attempt := 0; attempt < 10; attempt++ {
		d, base := Backoff(attempt), time.Second<<min(attempt, 6)
		if d < base*8/10 || d > base*12/10 {
			t.Fatalf("Backoff(%d) = %v", attempt, d)
		}
	}
}
