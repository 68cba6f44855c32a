package saml

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

// testNow is the fixed clock of every test.
var testNow = time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC)

type keyPair struct {
	key  *rsa.PrivateKey
	cert *x509.Certificate
}

func (k keyPair) pem() string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: k.cert.Raw}))
}

var (
	keysOnce               sync.Once
	spKeys, idpKeys, other keyPair
	idpKeys2               keyPair
)

func newKeyPair(cn string) keyPair {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    testNow.Add(-24 * time.Hour),
		NotAfter:     testNow.Add(365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		panic(err)
	}
	return keyPair{key: key, cert: cert}
}

func keys() {
	keysOnce.Do(func() {
		spKeys = newKeyPair("canopy sp")
		idpKeys = newKeyPair("test idp")
		idpKeys2 = newKeyPair("test idp (next)")
		other = newKeyPair("attacker")
	})
}

const (
	testIdPEntity = "https://idp.example.test/metadata"
	testBase      = "https://canopy.example.test"
	testConn      = "acme"
)

func testACS() string { return testBase + "/login/callback?connection=" + testConn }

// newSP returns a service provider for connection "acme" trusting idpKeys.
func newSP(t testing.TB, mod func(*Config)) *ServiceProvider {
	t.Helper()
	keys()
	cfg := Config{
		Connection: testConn,
		BaseURL:    testBase,
		IdP: IdPSettings{
			EntityID:       testIdPEntity,
			SSORedirectURL: "https://idp.example.test/sso",
			SSOPostURL:     "https://idp.example.test/sso",
			SLORedirectURL: "https://idp.example.test/slo",
			SLOPostURL:     "https://idp.example.test/slo",
			Certificates:   []*x509.Certificate{idpKeys.cert},
		},
		SigningKey:  spKeys.key,
		SigningCert: spKeys.cert,
		Replay:      &MemoryReplayCache{Now: func() time.Time { return testNow }},
		Now:         func() time.Time { return testNow },
	}
	if mod != nil {
		mod(&cfg)
	}
	sp, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

// assertionSpec describes a hand-crafted assertion.
type assertionSpec struct {
	ID, Issuer, NameID, Audience, Recipient, InResponseTo, SessionIndex string
	NotBefore, NotOnOrAfter                                             time.Time
	Attributes                                                          map[string][]string
}

func defaultSpec() assertionSpec {
	return assertionSpec{
		ID:           "_a1",
		Issuer:       testIdPEntity,
		NameID:       "ada@example.com",
		Audience:     "urn:canopy:" + testConn,
		Recipient:    testACS(),
		InResponseTo: "_req1",
		SessionIndex: "sess-1",
		NotBefore:    testNow.Add(-time.Minute),
		NotOnOrAfter: testNow.Add(5 * time.Minute),
		Attributes:   map[string][]string{"mail": {"Ada@Example.com"}, "givenName": {"Ada"}},
	}
}

func ts(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

func (s assertionSpec) element() *etree.Element {
	a := etree.NewElement("saml:Assertion")
	a.CreateAttr("xmlns:saml", nsAssertion)
	a.CreateAttr("ID", s.ID)
	a.CreateAttr("Version", "2.0")
	a.CreateAttr("IssueInstant", ts(testNow))
	a.CreateElement("saml:Issuer").SetText(s.Issuer)
	sub := a.CreateElement("saml:Subject")
	nid := sub.CreateElement("saml:NameID")
	nid.CreateAttr("Format", NameIDFormatEmail)
	nid.SetText(s.NameID)
	sc := sub.CreateElement("saml:SubjectConfirmation")
	sc.CreateAttr("Method", bearer)
	scd := sc.CreateElement("saml:SubjectConfirmationData")
	scd.CreateAttr("NotOnOrAfter", ts(s.NotOnOrAfter))
	scd.CreateAttr("Recipient", s.Recipient)
	if s.InResponseTo != "" {
		scd.CreateAttr("InResponseTo", s.InResponseTo)
	}
	c := a.CreateElement("saml:Conditions")
	c.CreateAttr("NotBefore", ts(s.NotBefore))
	c.CreateAttr("NotOnOrAfter", ts(s.NotOnOrAfter))
	c.CreateElement("saml:AudienceRestriction").CreateElement("saml:Audience").SetText(s.Audience)
	as := a.CreateElement("saml:AuthnStatement")
	as.CreateAttr("AuthnInstant", ts(testNow))
	as.CreateAttr("SessionIndex", s.SessionIndex)
	as.CreateElement("saml:AuthnContext").CreateElement("saml:AuthnContextClassRef").SetText("urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport")
	if len(s.Attributes) > 0 {
		st := a.CreateElement("saml:AttributeStatement")
		for _, name := range sortedKeys(s.Attributes) {
			at := st.CreateElement("saml:Attribute")
			at.CreateAttr("Name", name)
			for _, v := range s.Attributes[name] {
				at.CreateElement("saml:AttributeValue").SetText(v)
			}
		}
	}
	return a
}

func sortedKeys(m map[string][]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// sign returns el with an enveloped RSA-SHA256 signature by kp.
func sign(t testing.TB, el *etree.Element, kp keyPair) *etree.Element {
	t.Helper()
	ctx := dsig.NewDefaultSigningContext(dsig.TLSCertKeyStore(tls.Certificate{
		Certificate: [][]byte{kp.cert.Raw}, PrivateKey: kp.key,
	}))
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	if err := ctx.SetSignatureMethod(dsig.RSASHA256SignatureMethod); err != nil {
		t.Fatal(err)
	}
	signed, err := ctx.SignEnveloped(el)
	if err != nil {
		t.Fatal(err)
	}
	return signed
}

// responseElement wraps assertions (already signed or not) in a Response.
func responseElement(inResponseTo, destination string, assertions ...*etree.Element) *etree.Element {
	r := etree.NewElement("samlp:Response")
	r.CreateAttr("xmlns:samlp", nsProtocol)
	r.CreateAttr("xmlns:saml", nsAssertion)
	r.CreateAttr("ID", "_r1")
	r.CreateAttr("Version", "2.0")
	r.CreateAttr("IssueInstant", ts(testNow))
	if destination != "" {
		r.CreateAttr("Destination", destination)
	}
	if inResponseTo != "" {
		r.CreateAttr("InResponseTo", inResponseTo)
	}
	r.CreateElement("saml:Issuer").SetText(testIdPEntity)
	r.CreateElement("samlp:Status").CreateElement("samlp:StatusCode").CreateAttr("Value", statusSuccess)
	for _, a := range assertions {
		r.AddChild(a)
	}
	return r
}

func encode(t testing.TB, el *etree.Element) string {
	t.Helper()
	doc := etree.NewDocument()
	doc.SetRoot(el)
	b, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// signedResponse is the usual good case: signed assertion in an unsigned
// response answering _req1.
func signedResponse(t testing.TB, s assertionSpec) string {
	return encode(t, responseElement(s.InResponseTo, testACS(), sign(t, s.element(), idpKeys)))
}

func wantReason(t *testing.T, err error, reason string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted, want rejection %q", reason)
	}
	if got := ReasonOf(err); got != reason {
		t.Fatalf("reason %q, want %q (%v)", got, reason, err)
	}
}

var bg = context.Background()

func init() { keys() }

func encodeString(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
