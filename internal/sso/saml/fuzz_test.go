package saml

import (
	"context"
	"testing"
)

// FuzzParseIdPMetadata: uploaded or fetched IdP metadata never panics the
// parser, every refusal has a reason, and what it accepts is usable (an
// entity ID, a sign-in URL and at least one certificate).
func FuzzParseIdPMetadata(f *testing.F) {
	keys()
	good := idpMetadataXML(idpKeys.cert, idpKeys2.cert)
	f.Add(good)
	f.Add(`<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"><md:EntitiesDescriptor>` + good + `</md:EntitiesDescriptor></md:EntitiesDescriptor>`)
	f.Add(`<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>` + good)
	f.Add(`<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"><md:IDPSSODescriptor/></md:EntityDescriptor>`)
	f.Add("")
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ParseIdPMetadata([]byte(in))
		if err != nil {
			if ReasonOf(err) == "" {
				t.Fatalf("error without a reason: %v", err)
			}
			return
		}
		if s.EntityID == "" || (s.SSORedirectURL == "" && s.SSOPostURL == "") || len(s.Certificates) == 0 {
			t.Fatalf("accepted unusable metadata: %+v", s)
		}
	})
}

// FuzzValidateLogoutRequest: an IdP-initiated LogoutRequest, by POST
// (base64 form field) or Redirect (raw query string), never panics; a
// refusal has a reason and an acceptance names whom to sign out.
func FuzzValidateLogoutRequest(f *testing.F) {
	sp := newSP(f, nil)
	f.Add(true, encode(f, sign(f, idpLogoutRequest("_fz1", testNow), idpKeys)))
	f.Add(true, encode(f, idpLogoutRequest("_fz2", testNow)))
	f.Add(false, redirectQuery(f, "SAMLRequest", idpLogoutRequest("_fz3", testNow), idpKeys, "relay"))
	f.Add(false, "SAMLRequest=%%&SigAlg=x&Signature=")
	f.Add(true, "")
	f.Fuzz(func(t *testing.T, post bool, in string) {
		binding := BindingHTTPRedirect
		if post {
			binding = BindingHTTPPost
		}
		info, err := sp.ValidateLogoutRequest(context.Background(), binding, in)
		if err != nil {
			if ReasonOf(err) == "" {
				t.Fatalf("error without a reason: %v", err)
			}
			return
		}
		if info == nil || info.ID == "" || info.NameID == "" {
			t.Fatalf("accepted a request naming nobody: %+v", info)
		}
	})
}

// FuzzValidateLogoutResponse: the IdP's answer to our LogoutRequest never
// panics and every refusal has a reason.
func FuzzValidateLogoutResponse(f *testing.F) {
	sp := newSP(f, nil)
	f.Add(true, encode(f, sign(f, idpLogoutResponse("_req1", statusSuccess), idpKeys)))
	f.Add(true, encode(f, sign(f, idpLogoutResponse("_req1", statusSuccess, statusPartialLogout), idpKeys)))
	f.Add(false, redirectQuery(f, "SAMLResponse", idpLogoutResponse("_req1"), idpKeys, ""))
	f.Add(false, "SAMLResponse=AAAA")
	f.Fuzz(func(t *testing.T, post bool, in string) {
		binding := BindingHTTPRedirect
		if post {
			binding = BindingHTTPPost
		}
		if err := sp.ValidateLogoutResponse(binding, in, "_req1"); err != nil && ReasonOf(err) == "" {
			t.Fatalf("error without a reason: %v", err)
		}
	})
}
