package partnercenter

import (
	"context"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/connect/msapi/msapitest"
	"github.com/canopyhq/canopy/internal/sandbox/partner"
	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

const partnerTenant = "7c1e2d3f-4444-4a5b-8c6d-7e8f9a0b1c2d"

type env struct {
	*msapitest.Env
	p      *partner.Partner
	clock  *sbx.Clock
	faults *sbx.Faults
	rec    recorder
}

func newEnv(t *testing.T, at time.Time) *env {
	t.Helper()
	base := msapitest.New(t, at)
	p := partner.New(partner.Options{Seed: 7, Clock: base.Clock, Issuer: base.Issuer})
	p.AddPartner(partnerTenant, "Fabrikam CSP", 4)
	base.Serve("partnercenter", partner.ErrorWriter, p.Handler())
	return &env{Env: base, p: p, clock: base.Clock, faults: base.Faults}
}

func (e *env) token(over sbx.Claims) string {
	return e.Sign(sbx.Claims{"aud": "https://api.partnercenter.microsoft.com", "tid": partnerTenant,
		"oid": "0b1c2d3e-5555-4f6a-8b7c-9d0e1f2a3b4c", "appid": "app-1", "idtyp": "app",
		"exp": e.clock.Now().Add(time.Hour).Unix()}, over)
}

// client returns a Client with pageSize lines a page whose waits move the
// sandbox clock (and are recorded).
func (e *env) client(pageSize int, over sbx.Claims) *Client {
	hc, rec := e.HTTPClient()
	e.rec = recorder{rec}
	return New(Config{BaseURL: e.URL, HTTPClient: hc, PageSize: pageSize, Now: e.clock.Now, Sleep: e.Sleep,
		Tokens: msapitest.TokenFunc(func(context.Context) (string, error) { return e.token(over), nil })})
}

// recorder notes the continuation token header of every request.
type recorder struct{ *msapitest.Recorder }

func (r recorder) continuationTokens() []string {
	var out []string
	for _, s := range r.Sent() {
		out = append(out, s.Header.Get("MS-ContinuationToken"))
	}
	return out
}
