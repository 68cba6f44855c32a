package m365

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/sandbox/graph"
	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

const (
	testTenant = "4f1c2a7e-1111-4c3d-9e8f-0a1b2c3d4e5f"
	testApp    = "a1b2c3d4-2222-4aaa-8bbb-0c1d2e3f4a5b"
)

var allRoles = []any{"User.Read.All", "Organization.Read.All", "Group.Read.All", "Reports.Read.All", "ReportSettings.ReadWrite.All"}

// env is the Graph sandbox behind a real TLS server, and what a test
// needs to drive a Client against it.
type env struct {
	t      *testing.T
	g      *graph.Graph
	clock  *sbx.Clock
	issuer *sbx.Issuer
	faults *sbx.Faults
	ca     *sbx.CA
	url    string
	rec    *recorder

	mu    sync.Mutex
	waits []time.Duration
}

func newEnv(t *testing.T, users int) *env {
	t.Helper()
	clock := &sbx.Clock{}
	clock.Set(time.Date(2026, 11, 25, 12, 0, 30, 0, time.UTC))
	issuer, err := sbx.NewIssuer(clock)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := sbx.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	g := graph.New(graph.Options{Seed: 42, Clock: clock, Issuer: issuer})
	g.AddTenant(testTenant, "Contoso Ltd", "contoso.example", users)
	faults := sbx.NewFaults()
	srv, err := sbx.Serve(ca, faults, "graph", graph.ErrorWriter, g.Handler())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return &env{t: t, g: g, clock: clock, issuer: issuer, faults: faults, ca: ca, url: srv.URL}
}

// token signs an Entra v2 app-only Graph token; over replaces claims.
func (e *env) token(over sbx.Claims) string {
	c := sbx.Claims{
		"aud": "https://graph.microsoft.com", "iss": "https://login.microsoftonline.com/" + testTenant + "/v2.0",
		"tid": testTenant, "oid": "9d8c7b6a-3333-4ccc-8ddd-1e2f3a4b5c6d", "appid": testApp, "azp": testApp,
		"idtyp": "app", "roles": allRoles, "ver": "2.0", "exp": e.clock.Now().Add(time.Hour).Unix(),
	}
	for k, v := range over {
		c[k] = v
	}
	tok, err := e.issuer.Sign(c)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// tokenFunc adapts a function to TokenSource.
type tokenFunc func(ctx context.Context) (string, error)

func (f tokenFunc) Token(ctx context.Context) (string, error) { return f(ctx) }

// client returns a Client whose tokens carry over and whose waits move
// the sandbox clock instead of sleeping (and are recorded).
func (e *env) client(over sbx.Claims) *Client {
	return e.clientWith(tokenFunc(func(context.Context) (string, error) { return e.token(over), nil }))
}

func (e *env) clientWith(tokens TokenSource) *Client {
	hc := e.ca.Client()
	e.rec = &recorder{next: hc.Transport}
	hc.Transport = e.rec
	return New(Config{BaseURL: e.url, HTTPClient: hc, Tokens: tokens, Now: e.clock.Now, Sleep: e.sleep})
}

func (e *env) sleep(ctx context.Context, d time.Duration) error {
	e.mu.Lock()
	e.waits = append(e.waits, d)
	e.mu.Unlock()
	e.clock.Advance(d)
	return ctx.Err()
}

func (e *env) recordedWaits() []time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]time.Duration(nil), e.waits...)
}

// sent is one request as it left the client.
type sent struct {
	method, path, rawQuery string
	bearer                 bool
}

// recorder is a RoundTripper that notes every request the client sends.
type recorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	reqs []sent
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, sent{req.Method, req.URL.Path, req.URL.RawQuery, req.Header.Get("Authorization") != ""})
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

func (r *recorder) sent() []sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sent(nil), r.reqs...)
}
