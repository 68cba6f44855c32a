package saml

import (
	"bytes"
	"compress/flate"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/russellhaering/gosaml2/types"
	dsig "github.com/russellhaering/goxmldsig"
)

func TestSPMetadataDocument(t *testing.T) {
	sp := newSP(t, nil)
	md, err := sp.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	var ed types.EntityDescriptor
	if err := xml.Unmarshal(md, &ed); err != nil {
		t.Fatal(err)
	}
	if ed.EntityID != "urn:canopy:acme" {
		t.Fatalf("entity ID %q", ed.EntityID)
	}
	d := ed.SPSSODescriptor
	if d == nil || !d.AuthnRequestsSigned || !d.WantAssertionsSigned {
		t.Fatalf("descriptor %+v", d)
	}
	if len(d.AssertionConsumerServices) != 1 || d.AssertionConsumerServices[0].Binding != BindingHTTPPost ||
		d.AssertionConsumerServices[0].Location != "https://canopy.example.test/login/callback?connection=acme" {
		t.Fatalf("ACS %+v", d.AssertionConsumerServices)
	}
	if len(d.SingleLogoutServices) != 2 || d.SingleLogoutServices[0].Location != "https://canopy.example.test/logout/callback?connection=acme" {
		t.Fatalf("SLO %+v", d.SingleLogoutServices)
	}
	if strings.Join(d.NameIDFormats, " ") != NameIDFormatEmail+" "+NameIDFormatPersistent+" "+NameIDFormatUnspecified {
		t.Fatalf("NameID formats %v", d.NameIDFormats)
	}
	if len(d.KeyDescriptors) != 1 || d.KeyDescriptors[0].Use != "signing" {
		t.Fatalf("keys %+v", d.KeyDescriptors)
	}
	der, _ := base64.StdEncoding.DecodeString(d.KeyDescriptors[0].KeyInfo.X509Data.X509Certificates[0].Data)
	if !bytes.Equal(der, spKeys.cert.Raw) {
		t.Fatal("metadata does not carry the SP signing certificate")
	}
	if !strings.Contains(string(md), "<?xml") {
		t.Fatal("no XML declaration")
	}
}

func inflate(t *testing.T, b64 string) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(flate.NewReader(bytes.NewReader(raw)))
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// The redirect binding: deflated request, and a query signature that
// verifies with the SP certificate over SAMLRequest, RelayState, SigAlg.
func TestAuthnRequestRedirectSignature(t *testing.T) {
	for _, alg := range []string{SigAlgRSASHA256, SigAlgRSASHA1} {
		sp := newSP(t, func(c *Config) { c.SignatureAlgorithm = alg })
		out, err := sp.AuthnRequest(BindingHTTPRedirect, "rs 1&2")
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(out.RedirectURL)
		if u.Host != "idp.example.test" || u.Path != "/sso" {
			t.Fatalf("redirect to %s", u)
		}
		q := u.Query()
		if q.Get("SigAlg") != alg || q.Get("RelayState") != "rs 1&2" {
			t.Fatalf("query %v", q)
		}
		sig, _ := base64.StdEncoding.DecodeString(q.Get("Signature"))
		signed := []byte(redirectSignedString(q, "SAMLRequest"))
		var hashErr error
		if alg == SigAlgRSASHA1 {
			h := sha1.Sum(signed)
			hashErr = rsa.VerifyPKCS1v15(&spKeys.key.PublicKey, crypto.SHA1, h[:], sig)
		} else {
			h := sha256.Sum256(signed)
			hashErr = rsa.VerifyPKCS1v15(&spKeys.key.PublicKey, crypto.SHA256, h[:], sig)
		}
		if hashErr != nil {
			t.Fatalf("%s: query signature does not verify: %v", alg, hashErr)
		}
		doc := etree.NewDocument()
		if err := doc.ReadFromString(inflate(t, q.Get("SAMLRequest"))); err != nil {
			t.Fatal(err)
		}
		r := doc.Root()
		if r.Tag != "AuthnRequest" || r.SelectAttrValue("ID", "") != out.ID ||
			r.SelectAttrValue("AssertionConsumerServiceURL", "") != sp.ACSURL() ||
			r.SelectAttrValue("Destination", "") != "https://idp.example.test/sso" ||
			r.SelectAttrValue("ProtocolBinding", "") != BindingHTTPPost {
			t.Fatalf("AuthnRequest %s", inflate(t, q.Get("SAMLRequest")))
		}
		if r.FindElement("./Issuer").Text() != "urn:canopy:acme" {
			t.Fatal("issuer")
		}
		if r.FindElement("./Signature") != nil {
			t.Fatal("redirect request carries an XML signature too")
		}
	}
}

// The POST binding: an enveloped signature that verifies with the SP
// certificate, and the form fields.
func TestAuthnRequestPostSignature(t *testing.T) {
	for _, alg := range []string{SigAlgRSASHA256, SigAlgRSASHA1} {
		sp := newSP(t, func(c *Config) { c.SignatureAlgorithm = alg })
		out, err := sp.AuthnRequest(BindingHTTPPost, "rs")
		if err != nil {
			t.Fatal(err)
		}
		if out.PostURL != "https://idp.example.test/sso" || out.Fields["RelayState"] != "rs" || out.RedirectURL != "" {
			t.Fatalf("%+v", out)
		}
		raw, _ := base64.StdEncoding.DecodeString(out.Fields["SAMLRequest"])
		doc := etree.NewDocument()
		if err := doc.ReadFromBytes(raw); err != nil {
			t.Fatal(err)
		}
		if got := doc.Root().FindElement("./Signature/SignedInfo/SignatureMethod").SelectAttrValue("Algorithm", ""); got != alg {
			t.Fatalf("SignatureMethod %q, want %q", got, alg)
		}
		vc := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{spKeys.cert}})
		vc.Clock = dsig.NewFakeClockAt(testNow)
		if _, err := vc.Validate(doc.Root()); err != nil {
			t.Fatalf("%s: enveloped signature: %v", alg, err)
		}
		if doc.Root().SelectAttrValue("ID", "") != out.ID {
			t.Fatal("ID")
		}
	}
}

func TestAuthnRequestDefaultBindingAndErrors(t *testing.T) {
	sp := newSP(t, func(c *Config) { c.IdP.SSORedirectURL = "" })
	out, err := sp.AuthnRequest("", "")
	if err != nil || out.Binding != BindingHTTPPost {
		t.Fatalf("%+v %v", out, err)
	}
	if _, err := sp.AuthnRequest(BindingHTTPRedirect, ""); err == nil {
		t.Fatal("redirect without a redirect URL")
	}
	if _, err := sp.AuthnRequest("urn:bogus", ""); err == nil {
		t.Fatal("bogus binding")
	}
	a, _ := newSP(t, nil).AuthnRequest("", "")
	b, _ := newSP(t, nil).AuthnRequest("", "")
	if a.ID == b.ID {
		t.Fatal("request IDs repeat")
	}
}

func idpMetadataXML(certs ...*x509.Certificate) string {
	var kd strings.Builder
	for _, c := range certs {
		kd.WriteString(`<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>` +
			base64.StdEncoding.EncodeToString(c.Raw) + `</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`)
	}
	return `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://pf.example.test">
<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">` + kd.String() + `
<md:KeyDescriptor use="encryption"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>` +
		base64.StdEncoding.EncodeToString(other.cert.Raw) + `</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://pf.example.test/idp/SLO.saml2"/>
<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://pf.example.test/idp/SSO.saml2?r=1"/>
<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://pf.example.test/idp/SSO.saml2"/>
</md:IDPSSODescriptor></md:EntityDescriptor>`
}

func TestParseIdPMetadata(t *testing.T) {
	s, err := ParseIdPMetadata([]byte(idpMetadataXML(idpKeys.cert, idpKeys2.cert)))
	if err != nil {
		t.Fatal(err)
	}
	if s.EntityID != "https://pf.example.test" || s.SSORedirectURL != "https://pf.example.test/idp/SSO.saml2?r=1" ||
		s.SSOPostURL != "https://pf.example.test/idp/SSO.saml2" || s.SLOPostURL != "https://pf.example.test/idp/SLO.saml2" || s.SLORedirectURL != "" {
		t.Fatalf("%+v", s)
	}
	// Both signing certificates; the encryption one is not trusted for signatures.
	if len(s.Certificates) != 2 || !s.Certificates[0].Equal(idpKeys.cert) || !s.Certificates[1].Equal(idpKeys2.cert) {
		t.Fatalf("%d certificates", len(s.Certificates))
	}

	wrapped := `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">` +
		strings.TrimPrefix(idpMetadataXML(idpKeys.cert), "") + `</md:EntitiesDescriptor>`
	if s, err := ParseIdPMetadata([]byte(wrapped)); err != nil || s.EntityID != "https://pf.example.test" {
		t.Fatalf("EntitiesDescriptor: %+v %v", s, err)
	}
}

func TestParseIdPMetadataRejects(t *testing.T) {
	cases := map[string]string{
		"no certificate": idpMetadataXML(),
		"two idps": `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">` +
			idpMetadataXML(idpKeys.cert) + idpMetadataXML(idpKeys.cert) + `</md:EntitiesDescriptor>`,
		"doctype":    `<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>` + idpMetadataXML(idpKeys.cert),
		"not xml":    "{}",
		"wrong root": `<x xmlns="urn:oasis:names:tc:SAML:2.0:metadata"/>`,
		"bad cert":   strings.Replace(idpMetadataXML(idpKeys.cert), "<ds:X509Certificate>", "<ds:X509Certificate>AAAA", 1),
		"no sso":     `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"><md:IDPSSODescriptor/></md:EntityDescriptor>`,
	}
	for name, in := range cases {
		if _, err := ParseIdPMetadata([]byte(in)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := ParseIdPMetadata(bytes.Repeat([]byte(" "), MaxMetadataSize+1)); ReasonOf(err) != ReasonTooLarge {
		t.Errorf("oversized: %v", err)
	}
}

func TestFetchIdPMetadataLimits(t *testing.T) {
	release := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, idpMetadataXML(idpKeys.cert))
	})
	mux.HandleFunc("/huge", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\">"))
		w.Write(bytes.Repeat([]byte("<!-- padding -->"), MaxMetadataSize/8))
	})
	mux.HandleFunc("/missing", http.NotFound)
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer close(release)
	ctx := context.Background()
	if s, err := FetchIdPMetadata(ctx, nil, srv.URL+"/ok", 5*time.Second); err != nil || s.EntityID != "https://pf.example.test" {
		t.Fatalf("%+v %v", s, err)
	}
	if _, err := FetchIdPMetadata(ctx, nil, srv.URL+"/huge", 5*time.Second); ReasonOf(err) != ReasonTooLarge {
		t.Fatalf("huge: %v", err)
	}
	if _, err := FetchIdPMetadata(ctx, nil, srv.URL+"/missing", 5*time.Second); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("missing: %v", err)
	}
	if _, err := FetchIdPMetadata(ctx, nil, srv.URL+"/slow", 200*time.Millisecond); err == nil {
		t.Fatal("slow server: no timeout error")
	}
	if _, err := FetchIdPMetadata(ctx, nil, "file:///etc/passwd", time.Second); err == nil {
		t.Fatal("file URL accepted")
	}
}

func TestManualIdPAndPEM(t *testing.T) {
	pems := idpKeys.pem() + "\n" + idpKeys2.pem()
	s, err := ManualIdP(" https://idp.test ", "https://idp.test/sso", "https://idp.test/slo", pems)
	if err != nil {
		t.Fatal(err)
	}
	if s.EntityID != "https://idp.test" || s.SSORedirectURL != "https://idp.test/sso" || s.SSOPostURL != "https://idp.test/sso" ||
		s.SLORedirectURL != "https://idp.test/slo" || len(s.Certificates) != 2 {
		t.Fatalf("%+v", s)
	}
	bad := map[string][3]string{
		"no url":        {"", "", pems},
		"bad url":       {"ftp://idp.test/sso", "", pems},
		"no pem":        {"https://idp.test/sso", "", ""},
		"garbage":       {"https://idp.test/sso", "", "hello"},
		"key not cert":  {"https://idp.test/sso", "", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"},
		"trailing junk": {"https://idp.test/sso", "", idpKeys.pem() + "junk"},
	}
	for name, c := range bad {
		if _, err := ManualIdP("", c[0], c[1], c[2]); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	pf, err := PingFederateIdP("https://pf.example.test/", "pf", idpKeys.pem())
	if err != nil {
		t.Fatal(err)
	}
	if pf.SSORedirectURL != "https://pf.example.test/idp/SSO.saml2" || pf.SLOPostURL != "https://pf.example.test/idp/SLO.saml2" {
		t.Fatalf("%+v", pf)
	}
}

// metadataCerts returns the signing certificates a metadata document
// publishes, in order.
func metadataCerts(t *testing.T, md []byte) [][]byte {
	t.Helper()
	var ed types.EntityDescriptor
	if err := xml.Unmarshal(md, &ed); err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, k := range ed.SPSSODescriptor.KeyDescriptors {
		if k.Use != "signing" || len(k.KeyInfo.X509Data.X509Certificates) != 1 {
			t.Fatalf("key descriptor %+v", k)
		}
		der, err := base64.StdEncoding.DecodeString(k.KeyInfo.X509Data.X509Certificates[0].Data)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, der)
	}
	return out
}

// SP metadata from the service provider's side alone (no IdP yet) is the
// document the full service provider publishes; rotation certificates
// follow the one in use.
func TestSPMetadataWithoutIdP(t *testing.T) {
	keys()
	clock := func() time.Time { return testNow }
	md, err := SPMetadata(SPMetadataConfig{Connection: testConn, BaseURL: testBase + "/", Certificates: []*x509.Certificate{spKeys.cert}, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	full, err := newSP(t, nil).Metadata()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(md, full) {
		t.Fatalf("standalone metadata differs from the service provider's:\n%s\n---\n%s", md, full)
	}
	certs := metadataCerts(t, md)
	if len(certs) != 1 || !bytes.Equal(certs[0], spKeys.cert.Raw) {
		t.Fatalf("%d certificates", len(certs))
	}

	rotating := newSP(t, func(c *Config) { c.OtherCertificates = []*x509.Certificate{other.cert, idpKeys2.cert} })
	md, err = rotating.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	certs = metadataCerts(t, md)
	if len(certs) != 3 || !bytes.Equal(certs[0], spKeys.cert.Raw) || !bytes.Equal(certs[1], other.cert.Raw) ||
		!bytes.Equal(certs[2], idpKeys2.cert.Raw) {
		t.Fatalf("rotation metadata lists %d certificates in the wrong order", len(certs))
	}

	for name, c := range map[string]SPMetadataConfig{
		"no certificate":  {Connection: testConn, BaseURL: testBase},
		"nil certificate": {Connection: testConn, BaseURL: testBase, Certificates: []*x509.Certificate{nil}},
		"bad connection":  {Connection: "a/b", BaseURL: testBase, Certificates: []*x509.Certificate{spKeys.cert}},
		"relative base":   {Connection: testConn, BaseURL: "/canopy", Certificates: []*x509.Certificate{spKeys.cert}},
	} {
		if _, err := SPMetadata(c); err == nil {
			t.Errorf("%s: metadata built", name)
		}
	}
}
