// Package msapitest is the test setup the Microsoft API clients
// (internal/connect/m365, internal/connect/partnercenter) share: a
// sandbox service behind a real TLS server on loopback, its movable
// clock and token issuer, fault injection, a Sleep that moves the clock
// instead of waiting, and a RoundTripper that records what was sent.
package msapitest

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

// Env is one test's sandbox: create it with New, build the service on
// its Clock and Issuer, then Serve it.
type Env struct {
	T      *testing.T
	Clock  *sbx.Clock
	Issuer *sbx.Issuer
	Faults *sbx.Faults
	CA     *sbx.CA
	URL    string // the served root, set by Serve

	mu    sync.Mutex
	waits []time.Duration
}

// New returns an Env whose clock stands at at.
func New(t *testing.T, at time.Time) *Env {
	t.Helper()
	clock := &sbx.Clock{}
	clock.Set(at)
	issuer, err := sbx.NewIssuer(clock)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := sbx.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	return &Env{T: t, Clock: clock, Issuer: issuer, Faults: sbx.NewFaults(), CA: ca}
}

// Serve starts handler as service (the fault injection's name) on a TLS
// server that is closed when the test ends.
func (e *Env) Serve(service string, errw sbx.ErrorWriter, handler http.Handler) {
	e.T.Helper()
	srv, err := sbx.Serve(e.CA, e.Faults, service, errw, handler)
	if err != nil {
		e.T.Fatal(err)
	}
	e.T.Cleanup(func() { _ = srv.Close() })
	e.URL = srv.URL
}

// Sign signs claims, with over's claims replacing theirs.
func (e *Env) Sign(claims, over sbx.Claims) string {
	e.T.Helper()
	c := sbx.Claims{}
	for k, v := range claims {
		c[k] = v
	}
	for k, v := range over {
		c[k] = v
	}
	tok, err := e.Issuer.Sign(c)
	if err != nil {
		e.T.Fatal(err)
	}
	return tok
}

// HTTPClient returns a client trusting the sandbox CA whose requests the
// returned Recorder notes.
func (e *Env) HTTPClient() (*http.Client, *Recorder) {
	hc := e.CA.Client()
	rec := &Recorder{next: hc.Transport}
	hc.Transport = rec
	return hc, rec
}

// Sleep is a client's Sleep hook: it records d and moves the clock
// instead of waiting.
func (e *Env) Sleep(ctx context.Context, d time.Duration) error {
	e.mu.Lock()
	e.waits = append(e.waits, d)
	e.mu.Unlock()
	e.Clock.Advance(d)
	return ctx.Err()
}

// Waits returns every wait Sleep was asked for, in order.
func (e *Env) Waits() []time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]time.Duration(nil), e.waits...)
}

// TokenFunc adapts a function to a TokenSource.
type TokenFunc func(ctx context.Context) (string, error)

// Token calls f.
func (f TokenFunc) Token(ctx context.Context) (string, error) { return f(ctx) }

// Sent is one request as it left the client.
type Sent struct {
	Method, Path, RawQuery string
	Header                 http.Header
}

// Recorder is a RoundTripper that notes every request it passes on.
type Recorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	reqs []Sent
}

// RoundTrip notes req and sends it.
func (r *Recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, Sent{req.Method, req.URL.Path, req.URL.RawQuery, req.Header.Clone()})
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

// Sent returns the requests noted so far, in order.
func (r *Recorder) Sent() []Sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Sent(nil), r.reqs...)
}
