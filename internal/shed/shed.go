// Package shed bounds how many heavy requests a node works on at once.
//
// The explorer, its value lists, the exports, budgets and allocation
// results scan cost data: each takes tens to hundreds of milliseconds of
// CPU, on SQLite in the serving process itself. Without a bound, a node
// past its capacity accepts every such request and runs them all at once:
// each gets a sliver of the CPU, all of them slow down together, and past
// the clients' patience every answer comes too late (measured with
// `canopy bench load`, docs/reliability.md). With a bound, a few run at
// full speed while the others wait their turn; a request that waited
// longer than the limiter's patience is refused at once with 503 and
// Retry-After (a person sees "busy, try again in a few seconds"; a program
// backs off), and one whose client left stops waiting and does no work.
// Cheap requests (lists, settings, sign-in) never queue here.
package shed

import (
	"context"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// Limiter hands out a fixed number of slots. A nil *Limiter never limits.
type Limiter struct {
	slots   chan struct{}
	wait    time.Duration
	waiting atomic.Int64
	running atomic.Int64
	shed    atomic.Int64
}

// New returns a limiter running at most concurrent heavy requests, each
// waiting at most wait for a slot; concurrent <= 0 returns nil (no limit).
func New(concurrent int, wait time.Duration) *Limiter {
	if concurrent <= 0 {
		return nil
	}
	return &Limiter{slots: make(chan struct{}, concurrent), wait: wait}
}

// RetryAfter is what a refused client is told to wait, in whole seconds.
const RetryAfter = 5

// Busy is the refusal of a request that waited its limit for a slot; its
// code maps to 503 Service Unavailable with Retry-After.
func Busy() error {
	return domain.Errorf(domain.CodeUnavailable, "Canopy is busy answering other cost questions. Try again in %d seconds.", RetryAfter)
}

// RetryAfterHeader is the Retry-After value to send with Busy.
func RetryAfterHeader() string { return strconv.Itoa(RetryAfter) }

// Acquire waits for a slot. It returns Busy after the limiter's wait, and
// ctx's error when ctx ends first (the client left: nothing to answer).
// release must be called exactly once when the work is done.
func (l *Limiter) Acquire(ctx context.Context) (release func(), err error) {
	if l == nil {
		return func() {}, nil
	}
	select {
	case l.slots <- struct{}{}:
	default:
		l.waiting.Add(1)
		t := time.NewTimer(l.wait)
		select {
		case l.slots <- struct{}{}:
			t.Stop()
			l.waiting.Add(-1)
		case <-t.C:
			l.waiting.Add(-1)
			l.shed.Add(1)
			return nil, Busy()
		case <-ctx.Done():
			t.Stop()
			l.waiting.Add(-1)
			return nil, ctx.Err()
		}
	}
	l.running.Add(1)
	var once atomic.Bool
	return func() {
		if once.CompareAndSwap(false, true) {
			l.running.Add(-1)
			<-l.slots
		}
	}, nil
}

// Serve runs next for an HTTP request once l gives it a slot, and frees
// the slot when next returns. A request refused after waiting is answered
// by fail with Busy (503, Retry-After); one whose client left first is
// answered nothing and costs nothing. The UI and the API each pass their
// own fail (an error page, a JSON error).
func (l *Limiter) Serve(w http.ResponseWriter, r *http.Request, fail func(http.ResponseWriter, *http.Request, error), next func()) {
	release, err := l.Acquire(r.Context())
	if err != nil {
		if r.Context().Err() == nil {
			fail(w, r, err)
		}
		return
	}
	defer release()
	next()
}

// Stats is a snapshot of the limiter, for metrics.
type Stats struct {
	Capacity, Running, Waiting int
	Shed                       int64 // refused since start
}

// Stats returns the limiter's current figures (zero for nil).
func (l *Limiter) Stats() Stats {
	if l == nil {
		return Stats{}
	}
	return Stats{Capacity: cap(l.slots), Running: int(l.running.Load()), Waiting: int(l.waiting.Load()), Shed: l.shed.Load()}
}
