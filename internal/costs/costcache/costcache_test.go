package costcache_test

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/billing/focusgen"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/costs/costcache"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

var jan1 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// counting counts the calls reaching the real store's Querier; fail, when
// set, answers a call with an error instead, and gate, when set, holds
// Aggregate until it is closed (or the caller's context ends).
type counting struct {
	costs.Querier
	aggs, vals atomic.Int64
	fresh      atomic.Int64
	fail       atomic.Pointer[error]
	gate       chan struct{}
	started    chan struct{}
}

func (c *counting) Freshness(ctx context.Context, orgID string) ([]costs.Freshness, error) {
	c.fresh.Add(1)
	return c.Querier.Freshness(ctx, orgID)
}

func (c *counting) Aggregate(ctx context.Context, orgID string, q costs.Query) ([]costs.AggRow, error) {
	c.aggs.Add(1)
	if c.started != nil {
		c.started <- struct{}{}
	}
	if c.gate != nil {
		select {
		case <-c.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if err := c.fail.Load(); err != nil {
		return nil, *err
	}
	return c.Querier.Aggregate(ctx, orgID, q)
}

func (c *counting) Values(ctx context.Context, orgID string, dim costs.Dim, tagKey string, from, to time.Time, limit int) ([]costs.DimValue, error) {
	c.vals.Add(1)
	if err := c.fail.Load(); err != nil {
		return nil, *err
	}
	return c.Querier.Values(ctx, orgID, dim, tagKey, from, to, limit)
}

type env struct {
	ctx context.Context
	st  *store.Store
	org string
}

func newEnv(t testing.TB, db *store.DB) *env {
	t.Helper()
	ctx, st, now := context.Background(), store.New(db), domain.Now()
	org := domain.Org{ID: domain.NewID("org"), Name: storetest.Name("cache"), ReportingCurrency: "USD", CreatedAt: now, UpdatedAt: now}
	if err := st.CreateOrg(ctx, org); err != nil {
		t.Fatal(err)
	}
	return &env{ctx: ctx, st: st, org: org.ID}
}

func gen(t testing.TB, rows int, seed int64, days int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := focusgen.Generate(&buf, focusgen.Options{Rows: rows, Seed: seed, Start: jan1, Days: days}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func (e *env) importData(t testing.TB, data []byte, source string) (costs.ImportResult, error) {
	t.Helper()
	r, err := billing.Open(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return e.st.Costs().Import(e.ctx, e.org, r, costs.ImportMeta{FileName: source + ".csv", SourceKey: source, CreatedBy: "test"})
}

func (e *env) mustImport(t testing.TB, data []byte, source string) costs.ImportResult {
	t.Helper()
	res, err := e.importData(t, data, source)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// questions are what the checks ask: an aggregate by service with a
// filter, one by tag key, and a value list.
var (
	byService = costs.Query{From: jan1, To: jan1.AddDate(0, 0, 60), GroupBy: costs.DimService,
		Filters: []costs.Filter{{Dim: costs.DimChargeCategory, Values: []string{"Usage", "Purchase"}}}}
	byTag = costs.Query{From: jan1, To: jan1.AddDate(0, 0, 60), GroupBy: costs.DimTag, GroupTag: "env"}
)

// check asks q of the cache and of the store and compares; it returns the
// cached answer.
func (e *env) check(t *testing.T, what string, c costs.Querier, q costs.Query) []costs.AggRow {
	t.Helper()
	got, err := c.Aggregate(e.ctx, e.org, q)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	want, err := e.st.ReadCosts().Aggregate(e.ctx, e.org, q)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: the cache answers %d rows, the store %d (or they differ)", what, len(got), len(want))
	}
	return got
}

func (e *env) checkValues(t *testing.T, what string, c costs.Querier, dim costs.Dim) []costs.DimValue {
	t.Helper()
	got, err := c.Values(e.ctx, e.org, dim, "", jan1, jan1.AddDate(0, 0, 60), 50)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	want, err := e.st.ReadCosts().Values(e.ctx, e.org, dim, "", jan1, jan1.AddDate(0, 0, 60), 50)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: the cache lists %v, the store %v", what, got, want)
	}
	return got
}

func total(rows []costs.AggRow) int64 {
	var n int64
	for _, r := range rows {
		n += r.Lines
	}
	return n
}

func TestCacheAnswersRepeatsAndNeverServesAChangedInput(t *testing.T) {
	a1, b, a2 := gen(t, 1500, 1, 45), gen(t, 700, 2, 45), gen(t, 900, 3, 45)
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.mustImport(t, a1, "a")
		cnt := &counting{Querier: e.st.ReadCosts()}
		c := costcache.Wrap(cnt, e.st.ReadCosts(), 64<<20)
		first := e.check(t, "first", c, byService)
		e.check(t, "by tag", c, byTag)
		vals := e.checkValues(t, "values", c, costs.DimService)
		if cnt.aggs.Load() != 2 || cnt.vals.Load() != 1 {
			t.Fatalf("%d aggregates, %d value lists reached the store", cnt.aggs.Load(), cnt.vals.Load())
		}
		// Asked again, and with filters and values in another order: no
		// scan. A caller changing its copy changes nobody else's.
		first[0].Lines, vals[0].Lines = -1, -1
		reordered := byService
		reordered.Filters = []costs.Filter{{Dim: costs.DimChargeCategory, Values: []string{"Purchase", "Usage"}}}
		e.check(t, "again", c, byService)
		e.check(t, "reordered", c, reordered)
		e.check(t, "by tag again", c, byTag)
		e.checkValues(t, "values again", c, costs.DimService)
		if cnt.aggs.Load() != 2 || cnt.vals.Load() != 1 {
			t.Fatalf("repeats reached the store: %d aggregates, %d value lists", cnt.aggs.Load(), cnt.vals.Load())
		}
		if s := c.Stats(); s.Hits != 4 || s.Misses != 3 {
			t.Fatalf("stats %+v", s)
		}
		before := total(first)

		// A failed import changes no answer and no stamp: still no scan.
		bad := bytes.Replace(b, []byte("\n"), []byte("\nnot,a,focus,line\n"), 1)
		if _, err := e.importData(t, bad, "a"); err == nil {
			t.Fatal("the bad file imported")
		}
		e.check(t, "after a failed import", c, byService)
		if cnt.aggs.Load() != 2 {
			t.Fatalf("a failed import changed the stamp")
		}

		// A new import of another source.
		e.mustImport(t, b, "b")
		if got := total(e.check(t, "after a new import", c, byService)); got <= before {
			t.Fatalf("lines %d after the import, %d before", got, before)
		}
		e.check(t, "by tag after a new import", c, byTag)
		e.checkValues(t, "values after a new import", c, costs.DimService)

		// A new copy of source a replaces the first.
		mid := total(e.check(t, "before the re-import", c, byService))
		if res := e.mustImport(t, a2, "a"); res.Replaced == "" {
			t.Fatal("the re-import replaced nothing")
		}
		if got := total(e.check(t, "after the re-import", c, byService)); got == mid {
			t.Fatalf("the re-import left %d lines", got)
		}
		e.check(t, "by tag after the re-import", c, byTag)
		e.checkValues(t, "values after the re-import", c, costs.DimResource)

		if db.Engine != store.Postgres {
			return
		}
		// One organisation's January dropped; then February for everyone.
		if _, err := e.st.Costs().DropMonth(e.ctx, jan1, e.org, false); err != nil {
			t.Fatal(err)
		}
		jan := costs.Query{From: jan1, To: jan1.AddDate(0, 1, 0), GroupBy: costs.DimService}
		if rows := e.check(t, "after dropping January", c, byService); rows[0].Day.Before(jan1.AddDate(0, 1, 0)) {
			t.Fatalf("January still answered: %v", rows[0].Day)
		}
		if rows := e.check(t, "January", c, jan); len(rows) != 0 {
			t.Fatalf("%d January rows", len(rows))
		}
		e.checkValues(t, "values after dropping January", c, costs.DimService)
		if _, err := e.st.Costs().DropMonth(e.ctx, jan1.AddDate(0, 1, 0), "", false); err != nil {
			t.Fatal(err)
		}
		if rows := e.check(t, "after dropping February", c, byService); len(rows) != 0 {
			t.Fatalf("%d rows after dropping both months", len(rows))
		}
		if vals := e.checkValues(t, "values after dropping February", c, costs.DimService); len(vals) != 0 {
			t.Fatalf("values %v", vals)
		}
	})
}

// Two processes on one database, each with its own cache: a change made
// through one is answered by the other at once.
func TestCachesOfTwoNodesSeeEachOthersChanges(t *testing.T) {
	a, b := gen(t, 1200, 4, 45), gen(t, 600, 5, 45)
	for _, eng := range storetest.Engines(t) {
		t.Run(string(eng), func(t *testing.T) {
			dsn := storetest.DSN(t, eng)
			open := func() *store.DB {
				db, err := store.Open(context.Background(), dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				return db
			}
			db1 := open()
			if err := db1.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			db2 := open()
			e1 := newEnv(t, db1)
			e2 := &env{ctx: e1.ctx, st: store.New(db2), org: e1.org}
			e1.mustImport(t, a, "a")
			c1 := costcache.New(e1.st.ReadCosts(), 64<<20)
			c2 := costcache.New(e2.st.ReadCosts(), 64<<20)
			x1, x2 := total(e1.check(t, "node 1", c1, byService)), total(e2.check(t, "node 2", c2, byService))
			e2.check(t, "node 2 again", c2, byService)
			if x1 != x2 {
				t.Fatalf("node 1 %d lines, node 2 %d", x1, x2)
			}
			e1.mustImport(t, b, "b") // through node 1
			if got := total(e2.check(t, "node 2 after node 1's import", c2, byService)); got == x2 {
				t.Fatal("node 2 answered the old total")
			}
			e2.mustImport(t, a, "b") // node 2 replaces b with a copy of a
			e1.check(t, "node 1 after node 2's re-import", c1, byService)
			e1.checkValues(t, "node 1 values", c1, costs.DimRegion)
			if eng != store.Postgres {
				return
			}
			if _, err := e2.st.Costs().DropMonth(e2.ctx, jan1, e2.org, false); err != nil {
				t.Fatal(err)
			}
			e1.check(t, "node 1 after node 2 dropped January", c1, byService)
			if _, err := e2.st.Costs().DropMonth(e2.ctx, jan1.AddDate(0, 1, 0), "", false); err != nil {
				t.Fatal(err)
			}
			if rows := e1.check(t, "node 1 after node 2 dropped February", c1, byService); len(rows) != 0 {
				t.Fatalf("%d rows", len(rows))
			}
		})
	}
}

func TestCacheStaysWithinItsBound(t *testing.T) {
	data := gen(t, 1500, 6, 45)
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.mustImport(t, data, "a")
		cnt := &counting{Querier: e.st.ReadCosts()}
		const bound = 256 << 10
		c := costcache.Wrap(cnt, e.st.ReadCosts(), bound)
		ask := func(days int) costs.Query {
			return costs.Query{From: jan1, To: jan1.AddDate(0, 0, days), GroupBy: costs.DimService}
		}
		for d := 1; d <= 40; d++ {
			e.check(t, "range", c, ask(d))
			if s := c.Stats(); s.Bytes > bound {
				t.Fatalf("%d bytes cached, bound %d", s.Bytes, bound)
			}
		}
		s := c.Stats()
		if s.Evictions == 0 || s.Entries == 0 || s.Entries >= 40 {
			t.Fatalf("stats %+v: the bound evicted nothing", s)
		}
		// The latest answers are kept, the first were evicted.
		n := cnt.aggs.Load()
		e.check(t, "latest", c, ask(40))
		if cnt.aggs.Load() != n {
			t.Fatal("the latest answer was evicted")
		}
		e.check(t, "first", c, ask(1))
		if cnt.aggs.Load() != n+1 {
			t.Fatal("the first answer was kept beyond the bound")
		}
		// An answer larger than the whole bound is answered, not kept.
		tiny := costcache.Wrap(cnt, e.st.ReadCosts(), 100)
		e.check(t, "too large", tiny, ask(40))
		e.check(t, "too large again", tiny, ask(40))
		if s := tiny.Stats(); s.Entries != 0 || s.Bytes != 0 || s.Misses != 2 {
			t.Fatalf("stats %+v", s)
		}
	})
}

func TestCacheKeepsNoErrors(t *testing.T) {
	data := gen(t, 800, 7, 30)
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.mustImport(t, data, "a")
		cnt := &counting{Querier: e.st.ReadCosts()}
		c := costcache.Wrap(cnt, e.st.ReadCosts(), 64<<20)
		boom := errors.New("connection reset")
		cnt.fail.Store(&boom)
		if _, err := c.Aggregate(e.ctx, e.org, byService); !errors.Is(err, boom) {
			t.Fatalf("got %v", err)
		}
		if _, err := c.Values(e.ctx, e.org, costs.DimService, "", jan1, jan1.AddDate(0, 0, 60), 50); !errors.Is(err, boom) {
			t.Fatalf("got %v", err)
		}
		cnt.fail.Store(nil)
		e.check(t, "after the error", c, byService)
		e.checkValues(t, "values after the error", c, costs.DimService)
		if cnt.aggs.Load() != 2 || cnt.vals.Load() != 2 {
			t.Fatalf("%d aggregates, %d value lists: an error was kept", cnt.aggs.Load(), cnt.vals.Load())
		}
		// A caller whose context has ended gets its error; the next
		// caller the answer.
		ctx, cancel := context.WithCancel(e.ctx)
		cancel()
		q := byService
		q.GroupBy = costs.DimRegion
		if _, err := c.Aggregate(ctx, e.org, q); err == nil {
			t.Fatal("a cancelled call answered")
		}
		e.check(t, "after a cancelled call", c, q)
		// An invalid query is refused every time.
		bad := costs.Query{From: jan1, To: jan1}
		for range 2 {
			if _, err := c.Aggregate(e.ctx, e.org, bad); domain.ErrorCode(err) != domain.CodeInvalid {
				t.Fatalf("got %v", err)
			}
		}
		if s := c.Stats(); s.Entries != 3 {
			t.Fatalf("stats %+v", s)
		}
	})
}

// waitFor yields until cond holds (no timing: it only waits for
// goroutines to reach a point).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for !cond() {
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
}

func TestConcurrentMissesRunTheQueryOnce(t *testing.T) {
	data := gen(t, 800, 8, 30)
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.mustImport(t, data, "a")
		want, err := e.st.ReadCosts().Aggregate(e.ctx, e.org, byService)
		if err != nil {
			t.Fatal(err)
		}
		cnt := &counting{Querier: e.st.ReadCosts(), gate: make(chan struct{}), started: make(chan struct{}, 16)}
		c := costcache.Wrap(cnt, e.st.ReadCosts(), 64<<20)

		// The first caller's context ends while 7 others wait: one of
		// them runs the query again, and all 7 get the answer.
		leaderCtx, cancelLeader := context.WithCancel(e.ctx)
		leaderErr := make(chan error, 1)
		go func() {
			_, err := c.Aggregate(leaderCtx, e.org, byService)
			leaderErr <- err
		}()
		<-cnt.started
		const waiters = 7
		var wg sync.WaitGroup
		results := make([][]costs.AggRow, waiters)
		errs := make([]error, waiters)
		for i := range waiters {
			wg.Go(func() { results[i], errs[i] = c.Aggregate(e.ctx, e.org, byService) })
		}
		waitFor(t, func() bool { return c.Stats().Waiting == waiters })
		cancelLeader()
		if err := <-leaderErr; !errors.Is(err, context.Canceled) {
			t.Fatalf("the cancelled caller got %v", err)
		}
		<-cnt.started // a waiter took over
		waitFor(t, func() bool { return c.Stats().Waiting == waiters-1 })
		close(cnt.gate)
		wg.Wait()
		for i := range waiters {
			if errs[i] != nil || !reflect.DeepEqual(results[i], want) {
				t.Fatalf("waiter %d: %v", i, errs[i])
			}
		}
		if n := cnt.aggs.Load(); n != 2 {
			t.Fatalf("the query ran %d times for 8 callers, one cancelled", n)
		}
		e.check(t, "cached", c, byService)
		if n := cnt.aggs.Load(); n != 2 {
			t.Fatalf("the query ran %d times", n)
		}
	})
}

// Freshness (on every Spend page) is answered from the cache until an
// import changes it, and then equals the store's again.
func TestFreshnessIsCachedUntilAnImport(t *testing.T) {
	a1, b := gen(t, 800, 4, 30), gen(t, 600, 5, 45)
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.mustImport(t, a1, "a")
		cnt := &counting{Querier: e.st.ReadCosts()}
		c := costcache.Wrap(cnt, e.st.ReadCosts(), 64<<20)
		check := func(what string) []costs.Freshness {
			t.Helper()
			got, err := c.Freshness(e.ctx, e.org)
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			want, err := e.st.ReadCosts().Freshness(e.ctx, e.org)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) || len(got) == 0 {
				t.Fatalf("%s: the cache says %+v, the store %+v", what, got, want)
			}
			return got
		}
		first := check("first")
		first[0].Lines = -1 // the caller's own copy
		check("again")
		if n := cnt.fresh.Load(); n != 1 {
			t.Fatalf("repeats reached the store: %d freshness queries", n)
		}
		e.mustImport(t, b, "b")
		after := check("after an import")
		if n := cnt.fresh.Load(); n != 2 || reflect.DeepEqual(after, first) {
			t.Fatalf("after an import: %d freshness queries, answer %+v", n, after)
		}
	})
}
