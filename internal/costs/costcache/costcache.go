// Package costcache answers repeated cost queries (Aggregate and Values,
// what the spend explorer asks on every page) from memory, exactly: an
// entry is filed under the organisation's cost data stamp, which the
// store changes in the same transaction as every write that could change
// an answer (store.Costs.CostStamp). Each call reads the stamp (one
// primary-key lookup) before anything else, so a change made on any node
// sharing the database is seen by the next call on every node, and the
// answer filed under a stamp was computed after that stamp was read:
// never older than it.
//
// Memory is bounded: entries are evicted least recently used first once
// their estimated size passes the limit. Concurrent identical misses run
// the query once; errors are not cached, and a caller whose context ends
// gives up its wait without failing the others.
package costcache

import (
	"container/list"
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/costs"
)

// Stamper reads an organisation's cost data stamp: a value that changes
// whenever an Aggregate or Values answer for the organisation may change.
// It must read where the cached Querier reads.
type Stamper interface {
	CostStamp(ctx context.Context, orgID string) (string, error)
}

// Store is a cost Querier that can also stamp its data (store.Costs).
type Store interface {
	costs.Querier
	Stamper
}

// DefaultMaxBytes is the default bound of a cache (64 MiB).
const DefaultMaxBytes = 64 << 20

// Querier is a costs.Querier that caches Aggregate, Values and Freshness
// of the Querier it wraps; Consumption and Lines pass through.
type Querier struct {
	next     costs.Querier
	stamp    Stamper
	maxBytes int64

	mu     sync.Mutex
	lru    *list.List // of *entry, most recently used first
	byKey  map[string]*list.Element
	flight map[string]*call
	bytes  int64
	stats  Stats
}

// Stats counts what the cache did.
type Stats struct {
	// Hits were answered from memory or by another caller's run of the
	// same query; Misses ran the query.
	Hits, Misses, Evictions int64
	Entries                 int
	Bytes                   int64
	Waiting                 int // callers waiting for another's run now
}

type entry struct {
	key  string
	val  any // []costs.AggRow or []costs.DimValue, never handed out
	size int64
}

type call struct {
	done chan struct{}
	val  any
	err  error
	// abandoned: the context of the caller running it ended, so its
	// error says nothing about the query.
	abandoned bool
}

// New wraps st. maxBytes <= 0 returns st itself (no cache).
func New(st Store, maxBytes int64) costs.Querier {
	if maxBytes <= 0 {
		return st
	}
	return Wrap(st, st, maxBytes)
}

// Wrap caches next, whose data stamp reads; maxBytes bounds the cache
// (at least 1).
func Wrap(next costs.Querier, stamp Stamper, maxBytes int64) *Querier {
	return &Querier{next: next, stamp: stamp, maxBytes: maxBytes, lru: list.New(),
		byKey: map[string]*list.Element{}, flight: map[string]*call{}}
}

// Stats returns the counters and the current size.
func (c *Querier) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	s.Entries, s.Bytes = c.lru.Len(), c.bytes
	return s
}

// Aggregate implements costs.Querier from the cache. The rows returned
// are the caller's own copy. Queries by custom group pass through: their
// answer depends on allocation too, which the stamp does not cover.
func (c *Querier) Aggregate(ctx context.Context, orgID string, q costs.Query) ([]costs.AggRow, error) {
	if q.UsesGroups() {
		return c.next.Aggregate(ctx, orgID, q)
	}
	stamp, err := c.stamp.CostStamp(ctx, orgID)
	if err != nil {
		return nil, err
	}
	v, err := c.do(ctx, "a\x00"+field(orgID)+field(stamp)+queryKey(q), func(ctx context.Context) (any, int64, error) {
		rows, err := c.next.Aggregate(ctx, orgID, q)
		return rows, aggSize(rows), err
	})
	if err != nil {
		return nil, err
	}
	return slices.Clone(v.([]costs.AggRow)), nil
}

// Values implements costs.Querier from the cache. The values returned
// are the caller's own copy.
func (c *Querier) Values(ctx context.Context, orgID string, dim costs.Dim, tagKey string, from, to time.Time, limit int) ([]costs.DimValue, error) {
	stamp, err := c.stamp.CostStamp(ctx, orgID)
	if err != nil {
		return nil, err
	}
	key := "v\x00" + field(orgID) + field(stamp) + field(string(dim)) + field(tagKey) + timeKey(from) + timeKey(to) +
		field(strconv.Itoa(limit))
	v, err := c.do(ctx, key, func(ctx context.Context) (any, int64, error) {
		vals, err := c.next.Values(ctx, orgID, dim, tagKey, from, to, limit)
		return vals, valuesSize(vals), err
	})
	if err != nil {
		return nil, err
	}
	return slices.Clone(v.([]costs.DimValue)), nil
}

// Consumption implements costs.Querier (not cached).
func (c *Querier) Consumption(ctx context.Context, orgID string, q costs.Query) ([]costs.ConsumptionRow, error) {
	return c.next.Consumption(ctx, orgID, q)
}

// Freshness implements costs.Querier from the cache: it reads the
// succeeded imports (their finish times) and their rows in cost_daily,
// which only the stamped writes change. Every Spend page shows it, and
// it groups all of the organisation's rollup rows: on SQLite it was a
// fifth of a loaded node's CPU (docs/reliability.md). The rows returned
// are the caller's own copy.
func (c *Querier) Freshness(ctx context.Context, orgID string) ([]costs.Freshness, error) {
	stamp, err := c.stamp.CostStamp(ctx, orgID)
	if err != nil {
		return nil, err
	}
	v, err := c.do(ctx, "f\x00"+field(orgID)+field(stamp), func(ctx context.Context) (any, int64, error) {
		list, err := c.next.Freshness(ctx, orgID)
		return list, freshnessSize(list), err
	})
	if err != nil {
		return nil, err
	}
	return slices.Clone(v.([]costs.Freshness)), nil
}

func freshnessSize(list []costs.Freshness) int64 {
	n := int64(cap(list)) * int64(unsafe.Sizeof(costs.Freshness{}))
	for _, f := range list {
		n += int64(len(f.Provider) + len(f.BillingAccount) + len(f.BillingAccountName))
	}
	return n
}

// Lines implements costs.Querier (not cached).
func (c *Querier) Lines(ctx context.Context, orgID string, q costs.Query, fn func(*billing.Line) error) error {
	return c.next.Lines(ctx, orgID, q, fn)
}

// do answers key from the cache, from a computation of the same key
// already running, or by running fn. fn's value must not be changed
// afterwards: callers clone it. A waiter whose computation failed because
// its runner's context ended (not a failure of the query) runs it again
// itself.
func (c *Querier) do(ctx context.Context, key string, fn func(context.Context) (any, int64, error)) (any, error) {
	for {
		c.mu.Lock()
		if el, ok := c.byKey[key]; ok {
			c.lru.MoveToFront(el)
			c.stats.Hits++
			c.mu.Unlock()
			return el.Value.(*entry).val, nil
		}
		if f, ok := c.flight[key]; ok {
			c.stats.Waiting++
			c.mu.Unlock()
			var err error
			select {
			case <-f.done:
			case <-ctx.Done():
				err = ctx.Err()
			}
			c.mu.Lock()
			c.stats.Waiting--
			c.mu.Unlock()
			if err != nil {
				return nil, err
			}
			if f.err == nil {
				c.mu.Lock()
				c.stats.Hits++
				c.mu.Unlock()
				return f.val, nil
			}
			if f.abandoned && ctx.Err() == nil {
				continue
			}
			return nil, f.err
		}
		f := &call{done: make(chan struct{})}
		c.flight[key] = f
		c.stats.Misses++
		c.mu.Unlock()
		return c.run(ctx, key, f, fn)
	}
}

func (c *Querier) run(ctx context.Context, key string, f *call, fn func(context.Context) (any, int64, error)) (val any, err error) {
	var size int64
	f.err = errPanicked
	defer func() {
		c.mu.Lock()
		delete(c.flight, key)
		if f.err == nil {
			c.add(key, f.val, size+int64(len(key))+entryOverhead)
		}
		c.mu.Unlock()
		close(f.done)
	}()
	val, size, err = fn(ctx)
	f.val, f.err, f.abandoned = val, err, err != nil && ctx.Err() != nil
	return val, err
}

// errPanicked is what waiters get when the computation panicked.
var errPanicked = errors.New("costcache: the query panicked")

// entryOverhead estimates an entry's bookkeeping: list element, map
// slot, entry and slice headers.
const entryOverhead = 200

// add files val under key and evicts the least recently used entries
// beyond the bound; a value larger than the whole bound is not kept.
func (c *Querier) add(key string, val any, size int64) {
	if size > c.maxBytes {
		return
	}
	if el, ok := c.byKey[key]; ok { // cannot happen while key is in flight; kept safe
		c.bytes -= el.Value.(*entry).size
		c.lru.Remove(el)
	}
	c.byKey[key] = c.lru.PushFront(&entry{key: key, val: val, size: size})
	c.bytes += size
	for c.bytes > c.maxBytes {
		el := c.lru.Back()
		e := el.Value.(*entry)
		c.lru.Remove(el)
		delete(c.byKey, e.key)
		c.bytes -= e.size
		c.stats.Evictions++
	}
}

func aggSize(rows []costs.AggRow) int64 {
	n := int64(cap(rows)) * int64(unsafe.Sizeof(costs.AggRow{}))
	for _, r := range rows {
		n += int64(len(r.Group) + len(r.Label) + len(r.Currency))
	}
	return n
}

func valuesSize(vals []costs.DimValue) int64 {
	n := int64(cap(vals)) * int64(unsafe.Sizeof(costs.DimValue{}))
	for _, v := range vals {
		n += int64(len(v.Value) + len(v.Label))
	}
	return n
}

// field encodes s unambiguously: its length, a colon, s.
func field(s string) string { return strconv.Itoa(len(s)) + ":" + s }

// timeKey encodes an instant exactly (the zero time included); the
// location does not change the instant, so it is left out.
func timeKey(t time.Time) string {
	if t.IsZero() {
		return "z;"
	}
	return strconv.FormatInt(t.Unix(), 10) + "." + strconv.Itoa(t.Nanosecond()) + ";"
}

// queryKey encodes every field of a query. Filters are ANDed and a
// filter's values ORed, so their order does not change the answer: both
// are sorted, so the same question asked in another order shares the
// entry.
func queryKey(q costs.Query) string {
	var b strings.Builder
	b.WriteString(timeKey(q.From))
	b.WriteString(timeKey(q.To))
	b.WriteString(field(string(q.GroupBy)))
	b.WriteString(field(q.GroupTag))
	if q.Scan {
		b.WriteString("s;")
	} else {
		b.WriteString("r;")
	}
	fs := make([]string, len(q.Filters))
	for i, f := range q.Filters {
		vals := slices.Clone(f.Values)
		slices.Sort(vals)
		var fb strings.Builder
		fb.WriteString(field(string(f.Dim)))
		fb.WriteString(field(f.TagKey))
		fb.WriteString(strconv.Itoa(len(vals)) + "[")
		for _, v := range vals {
			fb.WriteString(field(v))
		}
		fs[i] = fb.String()
	}
	slices.Sort(fs)
	b.WriteString(strconv.Itoa(len(fs)) + "{")
	for _, f := range fs {
		b.WriteString(field(f))
	}
	return b.String()
}
