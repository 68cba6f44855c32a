package wsfed_test

import (
	"crypto/x509"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/sso/wsfed"
	"github.com/canopyhq/canopy/internal/sso/wsfed/wsfedtest"
)

// FuzzParseMetadata: federation metadata (uploaded or fetched) never
// panics the parser; every refusal has a reason; what it accepts names an
// STS, its sign-in URL and a certificate, and a signed document verified.
func FuzzParseMetadata(f *testing.F) {
	sts := wsfedtest.New(f, email, "Ada", "Lovelace")
	res, err := http.Get(sts.MetadataURL())
	if err != nil {
		f.Fatal(err)
	}
	signed, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(signed), false)
	f.Add(string(signed), true)
	f.Add(strings.Replace(string(signed), sts.SignInURL(), "https://evil.example/adfs/ls/", 1), false)
	f.Add(`<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>`, false)
	f.Add(`<!DOCTYPE x [<!ENTITY e "e">]><x/>`, false)
	pinned := []*x509.Certificate{sts.SigningCert()}
	f.Fuzz(func(t *testing.T, in string, pin bool) {
		var trusted []*x509.Certificate
		if pin {
			trusted = pinned
		}
		md, err := wsfed.ParseMetadata([]byte(in), trusted)
		if err != nil {
			if wsfed.ReasonOf(err) == "" {
				t.Fatalf("error without a reason: %v", err)
			}
			return
		}
		if md.EntityID == "" || md.SignInURL == "" || len(md.Certificates) == 0 {
			t.Fatalf("accepted unusable metadata: %+v", md)
		}
	})
}

// FuzzReadSignInResponse: the form posted to the reply URL never panics
// the reader, a refusal has a reason and an acceptance carries a token.
func FuzzReadSignInResponse(f *testing.F) {
	f.Add("wa=wsignin1.0&wresult=%3Ct%2F%3E&wctx=abc")
	f.Add("wa=wsignin1.0&wresultptr=https://x")
	f.Add("wa=wsignoutcleanup1.0&wreply=https://x")
	f.Add("wa=%%")
	f.Fuzz(func(t *testing.T, raw string) {
		form, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		res, err := wsfed.ReadSignInResponse(form)
		if err != nil {
			if wsfed.ReasonOf(err) == "" {
				t.Fatalf("error without a reason: %v", err)
			}
		} else if strings.TrimSpace(res.Result) == "" {
			t.Fatal("accepted without a token")
		}
		if msg, ok := wsfed.ReadSignOut(form); ok && msg.Action != wsfed.ActionSignOut && msg.Action != wsfed.ActionSignOutCleanup {
			t.Fatalf("sign-out with action %q", msg.Action)
		}
	})
}
