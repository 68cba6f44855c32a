package msapi

import (
	mrand "math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// Policy bounds the retries of one request.
type Policy struct {
	// MaxRetries is how many times one request is sent again (so at most
	// MaxRetries+1 attempts).
	MaxRetries int
	// MaxWait caps one wait. A longer Retry-After is not waited: the
	// error goes back so the caller can reschedule instead of holding a
	// worker.
	MaxWait time.Duration
}

// NewPolicy applies the defaults: maxRetries 0 means 3 and a negative
// value none; maxWait 0 (or less) means one minute.
func NewPolicy(maxRetries int, maxWait time.Duration) Policy {
	switch {
	case maxRetries == 0:
		maxRetries = 3
	case maxRetries < 0:
		maxRetries = 0
	}
	if maxWait <= 0 {
		maxWait = time.Minute
	}
	return Policy{MaxRetries: maxRetries, MaxWait: maxWait}
}

// Wait decides whether attempt (0-based) that failed with status is sent
// again and after how long: 429 and 503 after the server's Retry-After
// (backoff when it gave none, no retry when it is longer than MaxWait),
// other 5xx of idempotent requests after backoff.
func (p Policy) Wait(status int, retryAfter time.Duration, idempotent bool, attempt int) (time.Duration, bool) {
	if attempt >= p.MaxRetries {
		return 0, false
	}
	switch {
	case status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable:
		if retryAfter > p.MaxWait {
			return 0, false // longer than we hold a worker: let the caller reschedule
		}
		if retryAfter > 0 {
			return retryAfter, true
		}
		return min(Backoff(attempt), p.MaxWait), true
	case status >= 500 && idempotent:
		return min(Backoff(attempt), p.MaxWait), true
	}
	return 0, false
}

// RetryAfter reads Retry-After: delta seconds or an HTTP date (relative
// to now). Absent, malformed or past values are 0.
func RetryAfter(h http.Header, now time.Time) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// Backoff is 1 s, 2 s, 4 s ... (at most 64 s) with ±20 % jitter so that
// many workers do not retry in step.
func Backoff(attempt int) time.Duration {
	d := time.Second << min(attempt, 6)
	jitter := time.Duration(mrand.Int64N(int64(d)/5*2+1)) - d/5
	return d + jitter
}
