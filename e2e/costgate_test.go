package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"

	"github.com/canopyhq/canopy/internal/sandbox"
	awssandbox "github.com/canopyhq/canopy/internal/sandbox/aws"
	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

// costGate is a TLS proxy (signed by the sandbox CA) in front of the
// sandbox's AWS endpoint. It lets every request through except Cost
// Explorer cost reads of months from holdFrom on, which it holds while
// the gate is shut: a sync then stops deterministically between two
// months, with the earlier ones imported and checkpointed. It counts the
// cost reads per month, to show what a resumed sync read again.
type costGate struct {
	URL      string
	holdFrom string // "2006-01-02": the first month held

	mu     sync.Mutex
	open   bool
	reads  map[string]int // cost reads per TimePeriod.Start
	held   chan struct{}  // closed when the first read is held
	opened chan struct{}  // closed by release
	fail   []int          // statuses to answer the next cost reads with (fault suite)
}

const costTarget = "AWSInsightsIndexService.GetCostAndUsage"

func startCostGate(t *testing.T, cloud *sandbox.Cloud, holdFrom string) *costGate {
	t.Helper()
	g := &costGate{holdFrom: holdFrom, reads: map[string]int{}, held: make(chan struct{}), opened: make(chan struct{})}
	target, err := url.Parse(cloud.AWSURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := &httputil.ReverseProxy{
		// The client signed the gate's host; the sandbox checks the
		// signature against the Host it receives.
		Rewrite:   func(pr *httputil.ProxyRequest) { pr.SetURL(target); pr.Out.Host = pr.In.Host },
		Transport: cloud.CA.Client().Transport,
	}
	srv, err := sbx.Serve(cloud.CA, sbx.NewFaults(), "gate", func(w http.ResponseWriter, status int, _, msg string) {
		http.Error(w, msg, status)
	}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if status := g.nextFailure(r); status != 0 {
			if status == http.StatusTooManyRequests {
				w.Header().Set("Retry-After", "1")
			}
			awssandbox.ErrorWriter(w, status, "", "injected by the fault suite")
			return
		}
		if !g.pass(r) {
			return // the caller went away while held
		}
		proxy.ServeHTTP(w, r)
	}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.release(); srv.Close() })
	g.URL = srv.URL
	return g
}

// failCostReads makes the next cost reads answer these statuses, one each,
// in Cost Explorer's error format.
func (g *costGate) failCostReads(statuses ...int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.fail = append(g.fail, statuses...)
}

// failuresLeft is how many injected statuses were not served yet.
func (g *costGate) failuresLeft() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.fail)
}

func (g *costGate) nextFailure(r *http.Request) int {
	if r.Header.Get("X-Amz-Target") != costTarget {
		return 0
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.fail) == 0 {
		return 0
	}
	status := g.fail[0]
	g.fail = g.fail[1:]
	return status
}

// pass reads a cost request's month, counts it and holds it while the
// gate is shut; it reports false when the caller left while held.
func (g *costGate) pass(r *http.Request) bool {
	if r.Header.Get("X-Amz-Target") != costTarget {
		return true
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	var in struct{ TimePeriod struct{ Start string } }
	_ = json.Unmarshal(body, &in)
	start := in.TimePeriod.Start
	g.mu.Lock()
	g.reads[start]++
	hold := !g.open && start >= g.holdFrom
	if hold {
		select {
		case <-g.held:
		default:
			close(g.held)
		}
	}
	g.mu.Unlock()
	if !hold {
		return true
	}
	select {
	case <-g.opened:
		return true
	case <-r.Context().Done():
		return false
	}
}

// release opens the gate for good.
func (g *costGate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.open {
		g.open = true
		close(g.opened)
	}
}

// readsOf is how many cost reads asked for the month starting start.
func (g *costGate) readsOf(start string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.reads[start]
}
