package wsfed_test

import (
	"context"
	"crypto/x509"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/canopyhq/canopy/internal/sso/saml"
	"github.com/canopyhq/canopy/internal/sso/wsfed"
	"github.com/canopyhq/canopy/internal/sso/wsfed/wsfedtest"
)

func TestSAML11TokenAcceptedOnceWithClaims(t *testing.T) {
	f := newFixture(t)
	wresult := f.issue(f.token())
	a := f.accepted(wresult)
	if a.Version != "1.1" || a.NameID != email || a.Issuer != issuer || a.Subject() != email {
		t.Fatalf("assertion %+v", a)
	}
	claims := a.Claims()
	if got := claims[wsfed.ClaimEmail]; !slices.Equal(got.([]string), []string{email}) {
		t.Fatalf("email claim %v in %v", got, claims)
	}
	if got := claims["http://schemas.xmlsoap.org/claims/Group"]; !slices.Equal(got.([]string), []string{"finance", "it"}) {
		t.Fatalf("groups %v", got)
	}
	if claims[wsfed.ClaimNameID] != email {
		t.Fatalf("NameID claim %v", claims[wsfed.ClaimNameID])
	}
	f.refused(wresult, wsfed.ReasonReplayed)
}

func TestSAML20TokenAccepted(t *testing.T) {
	f := newFixture(t)
	tok := f.token()
	tok.SAML2, tok.Recipient = true, f.rp.ReplyURL()
	a := f.accepted(f.issue(tok))
	if a.Version != "2.0" || a.NameID != email || a.Attributes[wsfed.ClaimEmail][0] != email {
		t.Fatalf("assertion %+v", a)
	}
	tok.ID, tok.Recipient = "", "https://canopy.example.com/login/callback?connection=other"
	f.refused(f.issue(tok), wsfed.ReasonRecipient)
}

func TestTrust13CollectionAccepted(t *testing.T) {
	f := newFixture(t)
	rstr, _ := f.build(f.token())
	coll := etree.NewElement("t:RequestSecurityTokenResponseCollection")
	coll.CreateAttr("xmlns:t", wsfed.NSTrust13)
	rstr.Space = "t13"
	rstr.CreateAttr("xmlns:t13", wsfed.NSTrust13)
	for _, c := range rstr.ChildElements() {
		if c.Space == "t" {
			c.Space = "t13"
		}
	}
	coll.AddChild(rstr)
	f.accepted(serialize(t, coll))

	// Two responses in one collection: which one counts is ambiguous.
	f2 := newFixture(t)
	a, _ := f2.build(f2.token())
	b, _ := f2.build(wsfedtest.Token{ID: "_other", Issuer: issuer, Audience: realm, NameID: "eve@example.com"})
	c2 := etree.NewElement("t:RequestSecurityTokenResponseCollection")
	c2.CreateAttr("xmlns:t", "http://schemas.xmlsoap.org/ws/2005/02/trust")
	c2.AddChild(a)
	c2.AddChild(b)
	f2.refused(serialize(t, c2), wsfed.ReasonWrapping)
}

func TestNoNameIDTakesUPN(t *testing.T) {
	f := newFixture(t)
	tok := f.token()
	tok.NoNameID = true
	a := f.accepted(f.issue(tok))
	if a.NameID != "" || a.Subject() != "ada@corp.example.com" {
		t.Fatalf("subject %q (NameID %q)", a.Subject(), a.NameID)
	}
	if _, ok := a.Claims()[wsfed.ClaimNameID]; ok {
		t.Fatal("NameID claim without a NameIdentifier")
	}
	tok.ID, tok.Attributes = "", nil
	f.refused(f.issue(tok), wsfed.ReasonMalformed)
}

func TestSignatureRequiredAndCheckedAgainstConfiguredCertificatesOnly(t *testing.T) {
	f := newFixture(t)
	tok := f.token()
	tok.ID = "_unsigned"
	f.refused(serialize(t, tok.RSTR(tok.Assertion(f.now), f.now)), wsfed.ReasonSignatureMissing)

	// Signed by another key whose certificate is in KeyInfo.
	key, cert := wsfedtest.KeyPair(t, "attacker")
	s, err := f.token().Issue(key, cert, f.now)
	if err != nil {
		t.Fatal(err)
	}
	f.refused(s, wsfed.ReasonSignatureInvalid)

	// The same token is accepted by a relying party that also trusts that
	// certificate (rollover: several certificates).
	f.rp = f.relyingParty([]*x509.Certificate{f.cert, cert}, &saml.MemoryReplayCache{})
	f.accepted(s)
}

func TestTamperedTokenRefused(t *testing.T) {
	f := newFixture(t)
	s := f.issue(f.token())
	f.refused(replaceOnce(t, s, ">"+email+"<", ">eve@example.com<"), wsfed.ReasonSignatureInvalid)
	f.refused(replaceOnce(t, s, ">finance<", ">admins<"), wsfed.ReasonSignatureInvalid)
}

func TestCommentInNameIdentifierRefused(t *testing.T) {
	f := newFixture(t)
	tok := f.token()
	tok.NameID = "ada@example.com.evil.test"
	s := f.issue(tok)
	// Exclusive canonicalisation drops comments, so the signature still
	// verifies: the comment itself must be refused.
	f.refused(replaceOnce(t, s, ">ada@example.com.evil.test<", ">ada@example.com<!---->.evil.test<"), wsfed.ReasonComment)
}

func TestWrappingRefused(t *testing.T) {
	t.Run("second assertion in another RequestedSecurityToken", func(t *testing.T) {
		f := newFixture(t)
		rstr, _ := f.build(f.token())
		evil := wsfedtest.Token{ID: "_evil", Issuer: issuer, Audience: realm, NameID: "eve@example.com"}
		rst := rstr.CreateElement("t:RequestedSecurityToken")
		rst.AddChild(evil.Assertion(f.now))
		f.refused(serialize(t, rstr), wsfed.ReasonWrapping)
	})
	t.Run("signed assertion moved, evil one in its place", func(t *testing.T) {
		f := newFixture(t)
		rstr, signed := f.build(f.token())
		rst := signed.Parent()
		rst.RemoveChild(signed)
		rst.AddChild(wsfedtest.Token{ID: "_evil", Issuer: issuer, Audience: realm, NameID: "eve@example.com"}.Assertion(f.now))
		rstr.CreateElement("t:Extensions").AddChild(signed)
		f.refused(serialize(t, rstr), wsfed.ReasonWrapping)
	})
	t.Run("signed assertion nested in an evil one", func(t *testing.T) {
		f := newFixture(t)
		rstr, signed := f.build(f.token())
		rst := signed.Parent()
		rst.RemoveChild(signed)
		evil := wsfedtest.Token{ID: "_evil", Issuer: issuer, Audience: realm, NameID: "eve@example.com"}.Assertion(f.now)
		evil.AddChild(signed)
		rst.AddChild(evil)
		f.refused(serialize(t, rstr), wsfed.ReasonWrapping)
	})
	t.Run("assertion outside RequestedSecurityToken", func(t *testing.T) {
		f := newFixture(t)
		rstr, signed := f.build(f.token())
		rst := signed.Parent()
		rst.RemoveChild(signed)
		rstr.RemoveChild(rst)
		rstr.AddChild(signed)
		f.refused(serialize(t, rstr), wsfed.ReasonWrapping)
	})
	t.Run("duplicate ID", func(t *testing.T) {
		f := newFixture(t)
		rstr, _ := f.build(f.token())
		rstr.CreateElement("t:Extra").CreateAttr("ID", "_signed")
		f.refused(serialize(t, rstr), wsfed.ReasonWrapping)
	})
	t.Run("two signatures", func(t *testing.T) {
		f := newFixture(t)
		_, signed := f.build(f.token())
		twice, err := wsfedtest.Sign(signed.Copy(), f.key, f.cert)
		if err != nil {
			t.Fatal(err)
		}
		tok := f.token()
		f.refused(serialize(t, tok.RSTR(twice, f.now)), wsfed.ReasonWrapping)
	})
}

func TestAudienceRefused(t *testing.T) {
	f := newFixture(t)
	tok := f.token()
	tok.Audience, tok.AppliesTo = "urn:canopy:other", realm
	f.refused(f.issue(tok), wsfed.ReasonAudience)
	tok = f.token()
	tok.Audience, tok.AppliesTo = "", realm
	f.refused(f.issue(tok), wsfed.ReasonAudience)
	tok = f.token()
	tok.AppliesTo = "urn:canopy:other"
	f.refused(f.issue(tok), wsfed.ReasonAudience)
}

func TestIssuerRefused(t *testing.T) {
	f := newFixture(t)
	tok := f.token()
	tok.Issuer = "http://other.example.test/adfs/services/trust"
	f.refused(f.issue(tok), wsfed.ReasonIssuer)
}

func TestValidityWindowWithSkew(t *testing.T) {
	for _, c := range []struct {
		name   string
		edit   func(*wsfedtest.Token, time.Time)
		reason string
	}{
		{"expired beyond skew", func(tok *wsfedtest.Token, now time.Time) {
			tok.NotBefore, tok.NotOnOrAfter = now.Add(-time.Hour), now.Add(-2*time.Minute)
		}, wsfed.ReasonExpired},
		{"expired within skew", func(tok *wsfedtest.Token, now time.Time) {
			tok.NotBefore, tok.NotOnOrAfter = now.Add(-time.Hour), now.Add(-time.Minute)
		}, ""},
		{"not yet valid beyond skew", func(tok *wsfedtest.Token, now time.Time) {
			tok.NotBefore, tok.Created = now.Add(2*time.Minute), now
		}, wsfed.ReasonNotYetValid},
		{"not yet valid within skew", func(tok *wsfedtest.Token, now time.Time) {
			tok.NotBefore, tok.Created = now.Add(time.Minute), now
		}, ""},
		{"RST lifetime expired", func(tok *wsfedtest.Token, now time.Time) {
			tok.Created, tok.Expires = now.Add(-time.Hour), now.Add(-5*time.Minute)
		}, wsfed.ReasonExpired},
		{"RST lifetime in the future", func(tok *wsfedtest.Token, now time.Time) {
			tok.Created = now.Add(10 * time.Minute)
		}, wsfed.ReasonNotYetValid},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			tok := f.token()
			c.edit(&tok, f.now)
			if c.reason == "" {
				f.accepted(f.issue(tok))
				return
			}
			f.refused(f.issue(tok), c.reason)
		})
	}
}

func TestReplayCacheFailureRefuses(t *testing.T) {
	f := newFixture(t)
	f.rp = f.relyingParty([]*x509.Certificate{f.cert}, failingCache{})
	f.refused(f.issue(f.token()), wsfed.ReasonReplayCache)
}

func TestMalformedAndOversizedRefused(t *testing.T) {
	f := newFixture(t)
	good := f.issue(f.token())
	for name, c := range map[string]struct{ in, reason string }{
		"empty":           {"", wsfed.ReasonMalformed},
		"not XML":         {"wresult=<<", wsfed.ReasonMalformed},
		"DTD":             {`<!DOCTYPE x [<!ENTITY a "b">]>` + good, wsfed.ReasonMalformed},
		"billion laughs":  {`<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><t:RequestSecurityTokenResponse xmlns:t="http://schemas.xmlsoap.org/ws/2005/02/trust">&lol2;</t:RequestSecurityTokenResponse>`, wsfed.ReasonMalformed},
		"external entity": {`<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>`, wsfed.ReasonMalformed},
		"PI":              {`<?evil x?>` + good, wsfed.ReasonMalformed},
		"wrong root":      {`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>`, wsfed.ReasonMalformed},
		"no assertion":    {`<t:RequestSecurityTokenResponse xmlns:t="http://schemas.xmlsoap.org/ws/2005/02/trust"><t:RequestedSecurityToken/></t:RequestSecurityTokenResponse>`, wsfed.ReasonMalformed},
		"deep":            {strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100), wsfed.ReasonMalformed},
		"too large":       {good + strings.Repeat(" ", wsfed.DefaultMaxMessageSize), wsfed.ReasonTooLarge},
		"encrypted":       {`<t:RequestSecurityTokenResponse xmlns:t="http://schemas.xmlsoap.org/ws/2005/02/trust"><t:RequestedSecurityToken><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"/></t:RequestedSecurityToken></t:RequestSecurityTokenResponse>`, wsfed.ReasonUnsupported},
	} {
		t.Run(name, func(t *testing.T) { f.refused(c.in, c.reason) })
	}
	// The good one is still fine (none of the above was recorded).
	f.accepted(good)
}

func TestWrongVersionRefused(t *testing.T) {
	f := newFixture(t)
	tok := f.token()
	el := tok.Assertion(f.now)
	el.CreateAttr("MinorVersion", "0")
	signed, err := wsfedtest.Sign(el, f.key, f.cert)
	if err != nil {
		t.Fatal(err)
	}
	f.refused(serialize(t, tok.RSTR(signed, f.now)), wsfed.ReasonMalformed)
}

func FuzzValidateResponse(f *testing.F) {
	fx := newFixture(f)
	f.Add(fx.issue(fx.token()))
	tok := fx.token()
	tok.SAML2 = true
	f.Add(fx.issue(tok))
	f.Add(`<t:RequestSecurityTokenResponse xmlns:t="http://schemas.xmlsoap.org/ws/2005/02/trust"/>`)
	f.Fuzz(func(t *testing.T, in string) {
		a, err := fx.rp.ValidateResponse(context.Background(), in)
		if err != nil && wsfed.ReasonOf(err) == "" {
			t.Fatalf("error without a reason: %v", err)
		}
		if err == nil && a.Subject() == "" {
			t.Fatal("accepted without a subject")
		}
	})
}
