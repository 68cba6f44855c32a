package wsfed_test

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/canopyhq/canopy/internal/sso/saml"
	"github.com/canopyhq/canopy/internal/sso/wsfed"
	"github.com/canopyhq/canopy/internal/sso/wsfed/wsfedtest"
)

const (
	issuer = "http://sts.example.test/adfs/services/trust"
	realm  = "urn:canopy:sso_test"
	email  = "ada@example.com"
)

// fixture is a relying party trusting one STS key, with a fixed clock.
type fixture struct {
	t    testing.TB
	now  time.Time
	key  *rsa.PrivateKey
	cert *x509.Certificate
	rp   *wsfed.RelyingParty
}

func newFixture(t testing.TB, extra ...*x509.Certificate) *fixture {
	t.Helper()
	key, cert := wsfedtest.KeyPair(t, "sts")
	f := &fixture{t: t, now: time.Now().UTC().Truncate(time.Second), key: key, cert: cert}
	f.rp = f.relyingParty(append([]*x509.Certificate{cert}, extra...), &saml.MemoryReplayCache{})
	return f
}

func (f *fixture) relyingParty(certs []*x509.Certificate, cache wsfed.ReplayCache) *wsfed.RelyingParty {
	f.t.Helper()
	rp, err := wsfed.New(wsfed.Config{Connection: "sso_test", BaseURL: "https://canopy.example.com",
		STS:    wsfed.STSSettings{EntityID: issuer, SignInURL: "https://sts.example.test/adfs/ls/", Certificates: certs},
		Replay: cache, Now: func() time.Time { return f.now }})
	if err != nil {
		f.t.Fatal(err)
	}
	return rp
}

func (f *fixture) token() wsfedtest.Token {
	return wsfedtest.Token{Issuer: issuer, Audience: realm, NameID: email, Attributes: []wsfedtest.Attribute{
		{Namespace: wsfedtest.ClaimsNS, Name: "emailaddress", Values: []string{email}},
		{Namespace: wsfedtest.ClaimsNS, Name: "upn", Values: []string{"ada@corp.example.com"}},
		{Namespace: "http://schemas.xmlsoap.org/claims", Name: "Group", Values: []string{"finance", "it"}}}}
}

// issue signs tok with the fixture's key.
func (f *fixture) issue(tok wsfedtest.Token) string {
	f.t.Helper()
	s, err := tok.Issue(f.key, f.cert, f.now)
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

// build returns the RSTR document with a signed assertion, for tests that
// rearrange it.
func (f *fixture) build(tok wsfedtest.Token) (*etree.Element, *etree.Element) {
	f.t.Helper()
	if tok.ID == "" {
		tok.ID = "_signed"
	}
	signed, err := wsfedtest.Sign(tok.Assertion(f.now), f.key, f.cert)
	if err != nil {
		f.t.Fatal(err)
	}
	return tok.RSTR(signed, f.now), signed
}

func serialize(t *testing.T, el *etree.Element) string {
	t.Helper()
	s, err := wsfedtest.Serialize(el)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// refused checks that wresult is refused with reason.
func (f *fixture) refused(wresult, reason string) {
	f.t.Helper()
	_, err := f.rp.ValidateResponse(context.Background(), wresult)
	if err == nil {
		f.t.Fatalf("accepted, want %s", reason)
	}
	if got := wsfed.ReasonOf(err); got != reason {
		f.t.Fatalf("reason %q (%v), want %q", got, err, reason)
	}
}

func (f *fixture) accepted(wresult string) *wsfed.Assertion {
	f.t.Helper()
	a, err := f.rp.ValidateResponse(context.Background(), wresult)
	if err != nil {
		f.t.Fatalf("refused: %v", err)
	}
	return a
}

type failingCache struct{}

func (failingCache) Seen(context.Context, string, time.Time) (bool, error) {
	return false, errors.New("database down")
}

func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	if !strings.Contains(s, old) {
		t.Fatalf("%q not in %s", old, s)
	}
	return strings.Replace(s, old, new, 1)
}
