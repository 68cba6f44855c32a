package saml

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
)

func TestValidateResponseAcceptsSignedAssertion(t *testing.T) {
	sp := newSP(t, nil)
	a, err := sp.ValidateResponse(bg, signedResponse(t, defaultSpec()), "_req1")
	if err != nil {
		t.Fatal(err)
	}
	if a.NameID != "ada@example.com" || a.SessionIndex != "sess-1" || a.ID != "_a1" || a.InResponseTo != "_req1" {
		t.Fatalf("assertion %+v", a)
	}
	if !a.AssertionSigned || a.ResponseSigned || a.IdPInitiated {
		t.Fatalf("flags %+v", a)
	}
	if got := a.Attributes["mail"]; len(got) != 1 || got[0] != "Ada@Example.com" {
		t.Fatalf("mail %v", got)
	}
}

func TestValidateResponseAcceptsSignedResponseOnly(t *testing.T) {
	sp := newSP(t, nil)
	s := defaultSpec()
	r := sign(t, responseElement("_req1", testACS(), s.element()), idpKeys)
	a, err := sp.ValidateResponse(bg, encode(t, r), "_req1")
	if err != nil {
		t.Fatal(err)
	}
	if !a.ResponseSigned || a.AssertionSigned {
		t.Fatalf("flags %+v", a)
	}
}

func TestSignatureMissing(t *testing.T) {
	sp := newSP(t, nil)
	s := defaultSpec()
	_, err := sp.ValidateResponse(bg, encode(t, responseElement("_req1", testACS(), s.element())), "_req1")
	wantReason(t, err, ReasonSignatureMissing)
}

func TestSignatureFromUntrustedCertificate(t *testing.T) {
	sp := newSP(t, nil)
	s := defaultSpec()
	// Signed by a key whose certificate travels in KeyInfo but is not
	// configured: the certificate in the message must not be trusted.
	_, err := sp.ValidateResponse(bg, encode(t, responseElement("_req1", testACS(), sign(t, s.element(), other))), "_req1")
	wantReason(t, err, ReasonSignatureInvalid)
}

func TestSignatureRolloverSeveralCertificates(t *testing.T) {
	keys()
	sp := newSP(t, func(c *Config) { c.IdP.Certificates = []*x509.Certificate{idpKeys2.cert, idpKeys.cert} })
	if _, err := sp.ValidateResponse(bg, signedResponse(t, defaultSpec()), "_req1"); err != nil {
		t.Fatal(err)
	}
	s := defaultSpec()
	s.ID = "_a2"
	if _, err := sp.ValidateResponse(bg, encode(t, responseElement("_req1", testACS(), sign(t, s.element(), idpKeys2))), "_req1"); err != nil {
		t.Fatal("next certificate:", err)
	}
}

func TestSignatureInvalidAfterTampering(t *testing.T) {
	sp := newSP(t, nil)
	s := defaultSpec()
	signed := sign(t, s.element(), idpKeys)
	nid := signed.FindElement("./Subject/NameID")
	nid.SetText("admin@example.com")
	_, err := sp.ValidateResponse(bg, encode(t, responseElement("_req1", testACS(), signed)), "_req1")
	wantReason(t, err, ReasonSignatureInvalid)
}

func TestSignatureTamperedInsideSignedResponse(t *testing.T) {
	sp := newSP(t, nil)
	s := defaultSpec()
	r := sign(t, responseElement("_req1", testACS(), s.element()), idpKeys)
	r.FindElement("./Assertion/Subject/NameID").SetText("admin@example.com")
	_, err := sp.ValidateResponse(bg, encode(t, r), "_req1")
	wantReason(t, err, ReasonSignatureInvalid)
}

// The signed assertion is moved into an Extensions element and an evil
// unsigned assertion takes its place.
func TestWrappingSignedAssertionMoved(t *testing.T) {
	sp := newSP(t, nil)
	good := sign(t, defaultSpec().element(), idpKeys)
	evilSpec := defaultSpec()
	evilSpec.NameID = "admin@example.com"
	evil := evilSpec.element()
	r := responseElement("_req1", testACS(), evil)
	ext := etree.NewElement("samlp:Extensions")
	ext.AddChild(good)
	r.InsertChildAt(1, ext)
	_, err := sp.ValidateResponse(bg, encode(t, r), "_req1")
	wantReason(t, err, ReasonWrapping)
}

// The signed assertion is nested inside the evil assertion (the signature
// then references an element that is not the top-level assertion).
func TestWrappingSignedAssertionNestedInEvil(t *testing.T) {
	sp := newSP(t, nil)
	good := sign(t, defaultSpec().element(), idpKeys)
	evilSpec := defaultSpec()
	evilSpec.ID = "_evil"
	evilSpec.NameID = "admin@example.com"
	evil := evilSpec.element()
	// Steal the good signature and hang the good assertion below it.
	sig := good.SelectElement("Signature")
	evil.InsertChildAt(1, sig.Copy())
	sub := evil.SelectElement("Subject")
	sub.AddChild(good)
	_, err := sp.ValidateResponse(bg, encode(t, responseElement("_req1", testACS(), evil)), "_req1")
	wantReason(t, err, ReasonWrapping)
}

func TestWrappingSecondUnsignedAssertion(t *testing.T) {
	sp := newSP(t, nil)
	good := sign(t, defaultSpec().element(), idpKeys)
	evilSpec := defaultSpec()
	evilSpec.ID = "_evil"
	evilSpec.NameID = "admin@example.com"
	for _, order := range []string{"evil-first", "evil-last"} {
		t.Run(order, func(t *testing.T) {
			var r *etree.Element
			if order == "evil-first" {
				r = responseElement("_req1", testACS(), evilSpec.element(), good.Copy())
			} else {
				r = responseElement("_req1", testACS(), good.Copy(), evilSpec.element())
			}
			_, err := sp.ValidateResponse(bg, encode(t, r), "_req1")
			wantReason(t, err, ReasonWrapping)
		})
	}
}

func TestWrappingDuplicateID(t *testing.T) {
	sp := newSP(t, nil)
	good := sign(t, defaultSpec().element(), idpKeys)
	r := responseElement("_req1", testACS(), good)
	// An element elsewhere claims the assertion's ID.
	ext := etree.NewElement("samlp:Extensions")
	ext.CreateElement("x").CreateAttr("ID", "_a1")
	r.InsertChildAt(1, ext)
	_, err := sp.ValidateResponse(bg, encode(t, r), "_req1")
	wantReason(t, err, ReasonWrapping)
}

// A signature that is present on the assertion but covers another element
// (partly signed): it must not count as the assertion's signature.
func TestPartlySignedAssertion(t *testing.T) {
	sp := newSP(t, nil)
	s := defaultSpec()
	s.ID = "_other"
	signedOther := sign(t, s.element(), idpKeys)
	evilSpec := defaultSpec()
	evilSpec.NameID = "admin@example.com"
	evil := evilSpec.element()
	evil.InsertChildAt(1, signedOther.SelectElement("Signature").Copy())
	_, err := sp.ValidateResponse(bg, encode(t, responseElement("_req1", testACS(), evil)), "_req1")
	wantReason(t, err, ReasonSignatureInvalid)
}

func TestAudience(t *testing.T) {
	sp := newSP(t, nil)
	s := defaultSpec()
	s.Audience = "urn:canopy:other"
	_, err := sp.ValidateResponse(bg, signedResponse(t, s), "_req1")
	wantReason(t, err, ReasonAudience)
}

func TestRecipient(t *testing.T) {
	sp := newSP(t, nil)
	s := defaultSpec()
	s.Recipient = testBase + "/login/callback?connection=other"
	_, err := sp.ValidateResponse(bg, signedResponse(t, s), "_req1")
	wantReason(t, err, ReasonRecipient)
}

func TestDestination(t *testing.T) {
	sp := newSP(t, nil)
	r := responseElement("_req1", "https://elsewhere.test/acs", sign(t, defaultSpec().element(), idpKeys))
	_, err := sp.ValidateResponse(bg, encode(t, r), "_req1")
	wantReason(t, err, ReasonRecipient)
}

func TestIssuer(t *testing.T) {
	sp := newSP(t, nil)
	s := defaultSpec()
	s.Issuer = "https://other-idp.test"
	_, err := sp.ValidateResponse(bg, signedResponse(t, s), "_req1")
	wantReason(t, err, ReasonIssuer)
}

func TestExpiredAndNotYetValid(t *testing.T) {
	skew := 90 * time.Second
	cases := []struct {
		name       string
		nb, noa    time.Duration
		wantReason string
	}{
		{"expired", -10 * time.Minute, -5 * time.Minute, ReasonExpired},
		{"expired beyond skew", -10 * time.Minute, -skew - time.Second, ReasonExpired},
		{"expired within skew", -10 * time.Minute, -skew + time.Second, ""},
		{"not yet valid", 5 * time.Minute, 10 * time.Minute, ReasonNotYetValid},
		{"not yet valid within skew", skew - time.Second, 10 * time.Minute, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sp := newSP(t, func(cfg *Config) { cfg.ClockSkew = skew })
			s := defaultSpec()
			s.NotBefore, s.NotOnOrAfter = testNow.Add(c.nb), testNow.Add(c.noa)
			_, err := sp.ValidateResponse(bg, signedResponse(t, s), "_req1")
			if c.wantReason == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantReason(t, err, c.wantReason)
		})
	}
}

func TestReplayed(t *testing.T) {
	sp := newSP(t, nil)
	resp := signedResponse(t, defaultSpec())
	if _, err := sp.ValidateResponse(bg, resp, "_req1"); err != nil {
		t.Fatal(err)
	}
	_, err := sp.ValidateResponse(bg, resp, "_req1")
	wantReason(t, err, ReasonReplayed)
}

type failingCache struct{}

func (failingCache) Seen(context.Context, string, time.Time) (bool, error) {
	return false, errors.New("database down")
}

func TestReplayCacheFailureRefuses(t *testing.T) {
	sp := newSP(t, func(c *Config) { c.Replay = failingCache{} })
	_, err := sp.ValidateResponse(bg, signedResponse(t, defaultSpec()), "_req1")
	wantReason(t, err, ReasonReplayCache)
}

func TestMemoryReplayCacheForgetsExpired(t *testing.T) {
	now := testNow
	c := &MemoryReplayCache{Now: func() time.Time { return now }}
	if r, _ := c.Seen(bg, "x", now.Add(time.Minute)); r {
		t.Fatal("first sight replayed")
	}
	if r, _ := c.Seen(bg, "x", now.Add(time.Minute)); !r {
		t.Fatal("second sight not replayed")
	}
	now = now.Add(2 * time.Minute)
	if r, _ := c.Seen(bg, "x", now.Add(time.Minute)); r {
		t.Fatal("expired entry still remembered")
	}
}

func TestUnsolicited(t *testing.T) {
	s := defaultSpec()
	s.InResponseTo = ""
	resp := encode(t, responseElement("", testACS(), sign(t, s.element(), idpKeys)))
	_, err := newSP(t, nil).ValidateResponse(bg, resp, "")
	wantReason(t, err, ReasonUnsolicited)
	// Even with a request pending, a response that answers none is
	// unsolicited.
	_, err = newSP(t, nil).ValidateResponse(bg, resp, "_req1")
	wantReason(t, err, ReasonUnsolicited)

	// An unsigned Response wrapper cannot make a signed IdP-initiated
	// assertion look solicited.
	wrapped := encode(t, responseElement("_req1", testACS(), sign(t, s.element(), idpKeys)))
	_, err = newSP(t, nil).ValidateResponse(bg, wrapped, "_req1")
	wantReason(t, err, ReasonUnsolicited)

	a, err := newSP(t, func(c *Config) { c.AllowIdPInitiated = true }).ValidateResponse(bg, resp, "")
	if err != nil {
		t.Fatal(err)
	}
	if !a.IdPInitiated {
		t.Fatal("not marked IdP-initiated")
	}
}

func TestInResponseTo(t *testing.T) {
	sp := newSP(t, func(c *Config) { c.AllowIdPInitiated = true })
	_, err := sp.ValidateResponse(bg, signedResponse(t, defaultSpec()), "_another")
	wantReason(t, err, ReasonInResponseTo)
	// No request pending in this browser, but the response answers one.
	s := defaultSpec()
	s.ID = "_a2"
	_, err = sp.ValidateResponse(bg, signedResponse(t, s), "")
	wantReason(t, err, ReasonInResponseTo)
	// The (unsigned) Response says another request than the signed assertion.
	s.ID = "_a3"
	r := responseElement("_other", testACS(), sign(t, s.element(), idpKeys))
	_, err = sp.ValidateResponse(bg, encode(t, r), "_req1")
	wantReason(t, err, ReasonInResponseTo)
}

// The comment-truncation attack: the IdP signs
// "ada@example.com<!--x-->.evil.test" (comments are not signed); a parser that
// reads only the first text node would see ada@example.com.
func TestCommentInNameID(t *testing.T) {
	sp := newSP(t, nil)
	s := defaultSpec()
	s.NameID = "ada@example.com.evil.test"
	signed := sign(t, s.element(), idpKeys)
	// Comments are not covered by exclusive canonicalisation, so the
	// signature stays valid after this.
	nid := signed.FindElement("./Subject/NameID")
	nid.Child = nil
	nid.SetText("ada@example.com")
	nid.CreateComment("x")
	nid.CreateText(".evil.test")
	resp := encode(t, responseElement("_req1", testACS(), signed))
	_, err := sp.ValidateResponse(bg, resp, "_req1")
	wantReason(t, err, ReasonComment)

	// Without the comment the same signed assertion is accepted, and the
	// NameID is the full text: the signature really did stay valid.
	nid.Child = nil
	nid.SetText("ada@example.com.evil.test")
	a, err := sp.ValidateResponse(bg, encode(t, responseElement("_req1", testACS(), signed)), "_req1")
	if err != nil {
		t.Fatal(err)
	}
	if a.NameID != "ada@example.com.evil.test" {
		t.Fatalf("NameID %q", a.NameID)
	}
}

func TestStatusFailure(t *testing.T) {
	sp := newSP(t, nil)
	r := responseElement("_req1", testACS())
	r.FindElement("./Status/StatusCode").SelectAttr("Value").Value = "urn:oasis:names:tc:SAML:2.0:status:Responder"
	_, err := sp.ValidateResponse(bg, encode(t, r), "_req1")
	wantReason(t, err, ReasonStatus)
}

func TestEncryptedAssertionUnsupported(t *testing.T) {
	sp := newSP(t, nil)
	r := responseElement("_req1", testACS())
	r.CreateElement("saml:EncryptedAssertion")
	_, err := sp.ValidateResponse(bg, encode(t, r), "_req1")
	wantReason(t, err, ReasonUnsupported)
}

func TestTooLarge(t *testing.T) {
	sp := newSP(t, func(c *Config) { c.MaxMessageSize = 64 << 10 })
	s := defaultSpec()
	s.Attributes = map[string][]string{"junk": {strings.Repeat("A", 70<<10)}}
	_, err := sp.ValidateResponse(bg, signedResponse(t, s), "_req1")
	wantReason(t, err, ReasonTooLarge)
	// Far too large before decoding.
	_, err = sp.ValidateResponse(bg, strings.Repeat("QUFB", 1<<20), "_req1")
	wantReason(t, err, ReasonTooLarge)
}

func TestMalformed(t *testing.T) {
	sp := newSP(t, nil)
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	cases := map[string]string{
		"not base64":   "%%%not base64",
		"empty":        "",
		"not xml":      b64("hello"),
		"unclosed":     b64(`<samlp:Response xmlns:samlp="` + nsProtocol + `">`),
		"wrong root":   b64(`<saml:Assertion xmlns:saml="` + nsAssertion + `"/>`),
		"two roots":    b64(`<a/><b/>`),
		"doctype":      b64(`<!DOCTYPE r [<!ENTITY x "y">]><samlp:Response xmlns:samlp="` + nsProtocol + `">&x;</samlp:Response>`),
		"billion lols": b64(`<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><samlp:Response xmlns:samlp="` + nsProtocol + `">&lol2;</samlp:Response>`),
		"external":     b64(`<!DOCTYPE r SYSTEM "http://127.0.0.1:1/x.dtd"><samlp:Response xmlns:samlp="` + nsProtocol + `"/>`),
		"pi":           b64(`<?evil x?><samlp:Response xmlns:samlp="` + nsProtocol + `"/>`),
		"no assertion": encode(t, responseElement("_req1", testACS())),
		"deep":         b64(strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100)),
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := sp.ValidateResponse(bg, in, "_req1")
			wantReason(t, err, ReasonMalformed)
		})
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	keys()
	base := func() Config {
		return Config{
			Connection: "acme", BaseURL: testBase,
			IdP:        IdPSettings{SSORedirectURL: "https://idp.test/sso", Certificates: []*x509.Certificate{idpKeys.cert}},
			SigningKey: spKeys.key, SigningCert: spKeys.cert, Replay: &MemoryReplayCache{},
		}
	}
	if _, err := New(base()); err != nil {
		t.Fatal(err)
	}
	cases := map[string]func(*Config){
		"connection":  func(c *Config) { c.Connection = "a/b" },
		"base":        func(c *Config) { c.BaseURL = "canopy" },
		"key":         func(c *Config) { c.SigningKey = nil },
		"cert":        func(c *Config) { c.SigningCert = idpKeys.cert },
		"alg":         func(c *Config) { c.SignatureAlgorithm = "http://www.w3.org/2000/09/xmldsig#dsa-sha1" },
		"skew":        func(c *Config) { c.ClockSkew = time.Hour },
		"replay":      func(c *Config) { c.Replay = nil },
		"no sso":      func(c *Config) { c.IdP.SSORedirectURL = "" },
		"no certs":    func(c *Config) { c.IdP.Certificates = nil },
		"bad sso url": func(c *Config) { c.IdP.SSOPostURL = "javascript:alert(1)" },
	}
	for name, mod := range cases {
		c := base()
		mod(&c)
		if _, err := New(c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzParseResponse(f *testing.F) {
	sp := newSP(f, func(c *Config) { c.AllowIdPInitiated = true })
	f.Add(signedResponse(f, defaultSpec()))
	f.Add(base64.StdEncoding.EncodeToString([]byte(`<samlp:Response xmlns:samlp="` + nsProtocol + `" xmlns:saml="` + nsAssertion + `"><saml:Assertion ID="x"/></samlp:Response>`)))
	f.Add("")
	f.Fuzz(func(t *testing.T, in string) {
		a, err := sp.ValidateResponse(bg, in, "_req1")
		if err == nil && a == nil {
			t.Fatal("nil assertion without error")
		}
		if err != nil && ReasonOf(err) == "" {
			t.Fatalf("error without reason: %v", err)
		}
	})
}

// A signature without KeyInfo names no certificate; with several configured
// (rollover) each is tried.
func TestSignatureWithoutKeyInfoSeveralCertificates(t *testing.T) {
	sp := newSP(t, func(c *Config) { c.IdP.Certificates = []*x509.Certificate{idpKeys2.cert, idpKeys.cert} })
	signed := sign(t, defaultSpec().element(), idpKeys)
	sig := signed.SelectElement("Signature")
	sig.RemoveChild(sig.SelectElement("KeyInfo"))
	if _, err := sp.ValidateResponse(bg, encode(t, responseElement("_req1", testACS(), signed)), "_req1"); err != nil {
		t.Fatal(err)
	}
	s := defaultSpec()
	s.ID = "_a2"
	bad := sign(t, s.element(), other)
	sig = bad.SelectElement("Signature")
	sig.RemoveChild(sig.SelectElement("KeyInfo"))
	_, err := sp.ValidateResponse(bg, encode(t, responseElement("_req1", testACS(), bad)), "_req1")
	wantReason(t, err, ReasonSignatureInvalid)
}
