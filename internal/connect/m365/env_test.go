package m365

import (
	"context"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/connect/msapi/msapitest"
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
	*msapitest.Env
	g      *graph.Graph
	clock  *sbx.Clock
	faults *sbx.Faults
	rec    recorder
}

func newEnv(t *testing.T, users int) *env {
	t.Helper()
	base := msapitest.New(t, time.Date(2026, 11, 25, 12, 0, 30, 0, time.UTC))
	g := graph.New(graph.Options{Seed: 42, Clock: base.Clock, Issuer: base.Issuer})
	g.AddTenant(testTenant, "Contoso Ltd", "contoso.example", users)
	base.Serve("graph", graph.ErrorWriter, g.Handler())
	return &env{Env: base, g: g, clock: base.Clock, faults: base.Faults}
}

// token signs an Entra v2 app-only Graph token; over replaces claims.
func (e *env) token(over sbx.Claims) string {
	return e.Sign(sbx.Claims{
		"aud": "https://graph.microsoft.com", "iss": "https://login.microsoftonline.com/" + testTenant + "/v2.0",
		"tid": testTenant, "oid": "9d8c7b6a-3333-4ccc-8ddd-1e2f3a4b5c6d", "appid": testApp, "azp": testApp,
		"idtyp": "app", "roles": allRoles, "ver": "2.0", "exp": e.clock.Now().Add(time.Hour).Unix(),
	}, over)
}

// tokenFunc adapts a function to TokenSource.
type tokenFunc = msapitest.TokenFunc

// client returns a Client whose tokens carry over and whose waits move
// the sandbox clock instead of sleeping (and are recorded).
func (e *env) client(over sbx.Claims) *Client {
	return e.clientWith(tokenFunc(func(context.Context) (string, error) { return e.token(over), nil }))
}

func (e *env) clientWith(tokens TokenSource) *Client {
	hc, rec := e.HTTPClient()
	e.rec = recorder{rec}
	return New(Config{BaseURL: e.URL, HTTPClient: hc, Tokens: tokens, Now: e.clock.Now, Sleep: e.Sleep})
}

func (e *env) recordedWaits() []time.Duration { return e.Waits() }

// sent is one request as it left the client.
type sent struct {
	method, path, rawQuery string
	bearer                 bool
}

// recorder notes every request the latest client sends.
type recorder struct{ *msapitest.Recorder }

func (r recorder) sent() []sent {
	var out []sent
	for _, s := range r.Sent() {
		out = append(out, sent{s.Method, s.Path, s.RawQuery, s.Header.Get("Authorization") != ""})
	}
	return out
}
