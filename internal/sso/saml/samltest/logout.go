package samltest

import (
	"bytes"
	"compress/flate"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"net/url"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

// LogoutRequest is a LogoutRequest as an identity provider sends it to a
// service provider, built by hand so tests can also forge one: unsigned
// (Key nil), signed by another key, of another issuer, expired.
type LogoutRequest struct {
	ID, Issuer, Destination    string
	NameID, SessionIndex       string
	IssueInstant, NotOnOrAfter time.Time // NotOnOrAfter zero: none
	Key                        *rsa.PrivateKey
	Cert                       *x509.Certificate
}

// LogoutRequest is a valid LogoutRequest of this IdP for nameID, to the
// SLO URL dest.
func (p *IdP) LogoutRequest(dest, nameID, sessionIndex string) LogoutRequest {
	now := time.Now()
	return LogoutRequest{ID: "_lr" + base64.RawURLEncoding.EncodeToString(randomBytes(12)), Issuer: p.URL + "/metadata",
		Destination: dest, NameID: nameID, SessionIndex: sessionIndex, IssueInstant: now, NotOnOrAfter: now.Add(5 * time.Minute),
		Key: p.Key, Cert: p.Cert}
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func (lr LogoutRequest) element() *etree.Element {
	r := etree.NewElement("samlp:LogoutRequest")
	r.CreateAttr("xmlns:samlp", "urn:oasis:names:tc:SAML:2.0:protocol")
	r.CreateAttr("xmlns:saml", "urn:oasis:names:tc:SAML:2.0:assertion")
	r.CreateAttr("ID", lr.ID)
	r.CreateAttr("Version", "2.0")
	r.CreateAttr("IssueInstant", lr.IssueInstant.UTC().Format(time.RFC3339))
	r.CreateAttr("Destination", lr.Destination)
	if !lr.NotOnOrAfter.IsZero() {
		r.CreateAttr("NotOnOrAfter", lr.NotOnOrAfter.UTC().Format(time.RFC3339))
	}
	r.CreateElement("saml:Issuer").SetText(lr.Issuer)
	id := r.CreateElement("saml:NameID")
	id.CreateAttr("Format", "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress")
	id.SetText(lr.NameID)
	if lr.SessionIndex != "" {
		r.CreateElement("samlp:SessionIndex").SetText(lr.SessionIndex)
	}
	return r
}

func docBytes(t testing.TB, el *etree.Element) []byte {
	t.Helper()
	doc := etree.NewDocument()
	doc.SetRoot(el)
	b, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// RedirectQuery encodes the request for the HTTP-Redirect binding (deflate,
// base64, query signature RSA-SHA256 when Key is set).
func (lr LogoutRequest) RedirectQuery(t testing.TB, relayState string) string {
	t.Helper()
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.BestCompression)
	_, _ = fw.Write(docBytes(t, lr.element()))
	_ = fw.Close()
	q := "SAMLRequest=" + url.QueryEscape(base64.StdEncoding.EncodeToString(buf.Bytes()))
	if relayState != "" {
		q += "&RelayState=" + url.QueryEscape(relayState)
	}
	if lr.Key == nil {
		return q
	}
	q += "&SigAlg=" + url.QueryEscape("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256")
	h := sha256.Sum256([]byte(q))
	sig, err := rsa.SignPKCS1v15(rand.Reader, lr.Key, crypto.SHA256, h[:])
	if err != nil {
		t.Fatal(err)
	}
	return q + "&Signature=" + url.QueryEscape(base64.StdEncoding.EncodeToString(sig))
}

// PostValue encodes the request for the HTTP-POST binding (the SAMLRequest
// field; enveloped signature when Key is set).
func (lr LogoutRequest) PostValue(t testing.TB) string {
	t.Helper()
	el := lr.element()
	if lr.Key != nil {
		ctx := dsig.NewDefaultSigningContext(dsig.TLSCertKeyStore(tls.Certificate{Certificate: [][]byte{lr.Cert.Raw}, PrivateKey: lr.Key}))
		ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
		if err := ctx.SetSignatureMethod(dsig.RSASHA256SignatureMethod); err != nil {
			t.Fatal(err)
		}
		signed, err := ctx.SignEnveloped(el)
		if err != nil {
			t.Fatal(err)
		}
		el = signed
	}
	return base64.StdEncoding.EncodeToString(docBytes(t, el))
}
