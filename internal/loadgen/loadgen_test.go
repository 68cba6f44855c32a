package loadgen

import (
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/spend"
)

// Every explorer question the users ask is one the explorer accepts, with
// its range inside the data.
func TestExplorerQueriesAreValid(t *testing.T) {
	from := time.Date(2026, 8, 28, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 0, 90)
	r := rand.New(rand.NewPCG(1, 2))
	groups := map[string]bool{}
	for range 2000 {
		q, err := url.ParseQuery(explorerQuery(r, from, to))
		if err != nil {
			t.Fatal(err)
		}
		req, err := spend.ParseRequest(q, to)
		if err != nil {
			t.Fatalf("%s: %v", q.Encode(), err)
		}
		if req.Query.From.Before(from) || req.Query.To.After(to) {
			t.Fatalf("%s: range [%s, %s) outside the data [%s, %s)", q.Encode(), req.Query.From, req.Query.To, from, to)
		}
		groups[q.Get("group_by")] = true
	}
	for _, g := range groupBys {
		if !groups[g] {
			t.Errorf("group_by %q never asked", g)
		}
	}
}

// The line views ask for at most a week.
func TestConsumptionRangeCapped(t *testing.T) {
	from := time.Date(2026, 8, 28, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 0, 90)
	r := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		q := rangeQuery(r, from, to, 7)
		a, _ := time.Parse(time.DateOnly, q.Get("from"))
		b, _ := time.Parse(time.DateOnly, q.Get("to"))
		if d := b.Sub(a); d != 6*24*time.Hour {
			t.Fatalf("range %s..%s is %v, want 7 days", q.Get("from"), q.Get("to"), d+24*time.Hour)
		}
	}
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 100; i >= 1; i-- {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	sortDurations(d)
	for p, want := range map[float64]time.Duration{50: 50 * time.Millisecond, 95: 95 * time.Millisecond, 99: 99 * time.Millisecond, 100: 100 * time.Millisecond} {
		if got := Percentile(d, p); got != want {
			t.Errorf("p%v = %v, want %v", p, got, want)
		}
	}
	if Percentile(nil, 99) != 0 || Percentile(d[:1], 99) != time.Millisecond {
		t.Error("empty or single-sample percentiles")
	}
}

// The report counts failed requests with their class and keeps sign-ins
// out of the run's throughput.
func TestMergeCountsErrorsAndSignIns(t *testing.T) {
	a, b := newRecorder(), newRecorder()
	now := time.Now()
	a.began, b.began = now, now
	a.ok(signInClass, time.Second)
	a.ok("web /budgets", 10*time.Millisecond)
	b.fail("web /budgets", now.Add(time.Second), 20*time.Millisecond, "GET /budgets: status 500")
	b.fail("api /me", now.Add(2*time.Second), 0, "connection reset")
	b.shed["api /costs/explore"]++
	b.fail("api /costs/explore", now, time.Millisecond, "GET /api/v1/costs/explore: status 503")
	b.signedOut(now)
	rep := merge([]*recorder{a, b}, 10*time.Second, 1)
	if rep.Requests != 4 || rep.Errors != 3 || rep.Shed != 1 || rep.SignedOut != 1 || rep.Failovers != 1 {
		t.Fatalf("requests %d errors %d shed %d signed out %d failovers %d", rep.Requests, rep.Errors, rep.Shed, rep.SignedOut, rep.Failovers)
	}
	if c := rep.Class("api /costs/explore"); c.Errors != 1 || c.Shed != 1 {
		t.Errorf("explore class %+v", c)
	}
	if c := rep.Class("web /budgets"); c.Requests != 2 || c.Errors != 1 || c.Max != 20*time.Millisecond {
		t.Errorf("budgets class %+v", c)
	}
	if c := rep.Class("api /me"); c.Requests != 1 || c.Errors != 1 {
		t.Errorf("me class %+v", c)
	}
	if !rep.LastError.Equal(now.Add(2*time.Second)) || len(rep.Samples) != 3 || !strings.Contains(rep.Samples[1], "+2.0s connection reset") {
		t.Errorf("last error %v samples %q", rep.LastError, rep.Samples)
	}
}
