package partnercenter

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/sandbox/partner"
	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

const partnerTenant = "7c1e2d3f-4444-4a5b-8c6d-7e8f9a0b1c2d"

type env struct {
	t      *testing.T
	p      *partner.Partner
	clock  *sbx.Clock
	issuer *sbx.Issuer
	faults *sbx.Faults
	ca     *sbx.CA
	url    string
	rec    *recorder

	mu    sync.Mutex
	waits []time.Duration
}

func newEnv(t *testing.T, at time.Time) *env {
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
	p := partner.New(partner.Options{Seed: 7, Clock: clock, Issuer: issuer})
	p.AddPartner(partnerTenant, "Fabrikam CSP", 4)
	faults := sbx.NewFaults()
	srv, err := sbx.Serve(ca, faults, "partnercenter", partner.ErrorWriter, p.Handler())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return &env{t: t, p: p, clock: clock, issuer: issuer, faults: faults, ca: ca, url: srv.URL}
}

func (e *env) token(over sbx.Claims) string {
	c := sbx.Claims{"aud": "https://api.partnercenter.microsoft.com", "tid": partnerTenant,
		"oid": "0b1c2d3e-5555-4f6a-8b7c-9d0e1f2a3b4c", "appid": "app-1", "idtyp": "app",
		"exp": e.clock.Now().Add(time.Hour).Unix()}
	for k, v := range over {
		c[k] = v
	}
	tok, err := e.issuer.Sign(c)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

type tokenFunc func(ctx context.Context) (string, error)

func (f tokenFunc) Token(ctx context.Context) (string, error) { return f(ctx) }

// client returns a Client with pageSize lines a page whose waits move the
// sandbox clock (and are recorded).
func (e *env) client(pageSize int, over sbx.Claims) *Client {
	hc := e.ca.Client()
	e.rec = &recorder{next: hc.Transport}
	hc.Transport = e.rec
	return New(Config{BaseURL: e.url, HTTPClient: hc, PageSize: pageSize, Now: e.clock.Now, Sleep: e.sleep,
		Tokens: tokenFunc(func(context.Context) (string, error) { return e.token(over), nil })})
}

func (e *env) sleep(ctx context.Context, d time.Duration) error {
	e.mu.Lock()
	e.waits = append(e.waits, d)
	e.mu.Unlock()
	e.clock.Advance(d)
	return ctx.Err()
}

// recorder notes the continuation token header of every request.
type recorder struct {
	next   http.RoundTripper
	mu     sync.Mutex
	tokens []string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.tokens = append(r.tokens, req.Header.Get("MS-ContinuationToken"))
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

func (r *recorder) continuationTokens() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.tokens...)
}
