package sbx

import (
	"sync"
	"time"
)

// Clock is the sandbox's notion of now. Tests advance it to expire tokens
// or to make a month's reconciliation file appear without waiting.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
	fixed  time.Time
}

// Now returns the current sandbox time in UTC.
func (c *Clock) Now() time.Time {
	if c == nil {
		return time.Now().UTC()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.fixed.IsZero() {
		return c.fixed.Add(c.offset)
	}
	return time.Now().UTC().Add(c.offset)
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// Set freezes the clock at t (further Advance calls move it from there).
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.fixed, c.offset = t.UTC(), 0
	c.mu.Unlock()
}
