package saml

import (
	"context"
	"sync"
	"time"
)

// ReplayCache remembers accepted assertion IDs until they expire. Seen records
// assertionID until the given time and reports whether it had been recorded
// before (and has not yet expired). Implementations shared by several nodes
// (a database table) must make the check-and-record atomic.
type ReplayCache interface {
	Seen(ctx context.Context, assertionID string, until time.Time) (replayed bool, err error)
}

// CheckReplay records an accepted assertion's ID in cache until the given
// time: ReasonReplayed when it was accepted before, ReasonReplayCache when
// the cache fails (fail closed). Package wsfed checks its tokens with it.
func CheckReplay(ctx context.Context, cache ReplayCache, assertionID string, until time.Time) error {
	replayed, err := cache.Seen(ctx, assertionID, until)
	if err != nil {
		return failErr(ReasonReplayCache, err, "replay cache")
	}
	if replayed {
		return fail(ReasonReplayed, "assertion %s was already used", assertionID)
	}
	return nil
}

// MemoryReplayCache is an in-process ReplayCache, for tests and single-node
// setups. The zero value is ready to use.
type MemoryReplayCache struct {
	// Now, if set, is the clock used to drop expired entries.
	Now func() time.Time

	mu  sync.Mutex
	ids map[string]time.Time
}

// Seen implements ReplayCache.
func (c *MemoryReplayCache) Seen(_ context.Context, assertionID string, until time.Time) (bool, error) {
	now := time.Now()
	if c.Now != nil {
		now = c.Now()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ids == nil {
		c.ids = map[string]time.Time{}
	}
	for id, exp := range c.ids {
		if !now.Before(exp) {
			delete(c.ids, id)
		}
	}
	if _, ok := c.ids[assertionID]; ok {
		return true, nil
	}
	c.ids[assertionID] = until
	return false, nil
}
