package saml

import (
	"bytes"
	"compress/flate"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
)

func idpLogoutRequest(id string, issued time.Time) *etree.Element {
	r := etree.NewElement("samlp:LogoutRequest")
	r.CreateAttr("xmlns:samlp", nsProtocol)
	r.CreateAttr("xmlns:saml", nsAssertion)
	r.CreateAttr("ID", id)
	r.CreateAttr("Version", "2.0")
	r.CreateAttr("IssueInstant", ts(issued))
	r.CreateAttr("Destination", testBase+"/logout/callback?connection="+testConn)
	r.CreateElement("saml:Issuer").SetText(testIdPEntity)
	r.CreateElement("saml:NameID").SetText("ada@example.com")
	r.CreateElement("samlp:SessionIndex").SetText("sess-1")
	return r
}

// redirectQuery encodes el for the HTTP-Redirect binding, signed by kp.
func redirectQuery(t testing.TB, param string, el *etree.Element, kp keyPair, relayState string) string {
	t.Helper()
	doc := etree.NewDocument()
	doc.SetRoot(el)
	b, _ := doc.WriteToBytes()
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.BestCompression)
	fw.Write(b)
	fw.Close()
	q := url.Values{}
	q.Set(param, base64.StdEncoding.EncodeToString(buf.Bytes()))
	if relayState != "" {
		q.Set("RelayState", relayState)
	}
	q.Set("SigAlg", SigAlgRSASHA256)
	signed := redirectSignedString(q, param)
	h := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, kp.key, crypto.SHA256, h[:])
	if err != nil {
		t.Fatal(err)
	}
	return signed + "&Signature=" + url.QueryEscape(base64.StdEncoding.EncodeToString(sig))
}

func TestValidateLogoutRequestPOST(t *testing.T) {
	sp := newSP(t, nil)
	info, err := sp.ValidateLogoutRequest(bg, BindingHTTPPost, encode(t, sign(t, idpLogoutRequest("_lr1", testNow), idpKeys)))
	if err != nil {
		t.Fatal(err)
	}
	if info.ID != "_lr1" || info.NameID != "ada@example.com" || len(info.SessionIndexes) != 1 || info.SessionIndexes[0] != "sess-1" {
		t.Fatalf("%+v", info)
	}
	_, err = sp.ValidateLogoutRequest(bg, BindingHTTPPost, encode(t, sign(t, idpLogoutRequest("_lr1", testNow), idpKeys)))
	wantReason(t, err, ReasonReplayed)

	_, err = sp.ValidateLogoutRequest(bg, BindingHTTPPost, encode(t, idpLogoutRequest("_lr2", testNow)))
	wantReason(t, err, ReasonSignatureMissing)
	_, err = sp.ValidateLogoutRequest(bg, BindingHTTPPost, encode(t, sign(t, idpLogoutRequest("_lr3", testNow), other)))
	wantReason(t, err, ReasonSignatureInvalid)
	_, err = sp.ValidateLogoutRequest(bg, BindingHTTPPost, encode(t, sign(t, idpLogoutRequest("_lr4", testNow.Add(-time.Hour)), idpKeys)))
	wantReason(t, err, ReasonExpired)
	_, err = sp.ValidateLogoutRequest(bg, BindingHTTPPost, encode(t, sign(t, idpLogoutRequest("_lr5", testNow.Add(time.Hour)), idpKeys)))
	wantReason(t, err, ReasonNotYetValid)
	wrongDest := idpLogoutRequest("_lr6", testNow)
	wrongDest.SelectAttr("Destination").Value = "https://elsewhere.test/slo"
	_, err = sp.ValidateLogoutRequest(bg, BindingHTTPPost, encode(t, sign(t, wrongDest, idpKeys)))
	wantReason(t, err, ReasonRecipient)
	tampered := sign(t, idpLogoutRequest("_lr7", testNow), idpKeys)
	tampered.FindElement("./NameID").SetText("eve@example.com")
	_, err = sp.ValidateLogoutRequest(bg, BindingHTTPPost, encode(t, tampered))
	wantReason(t, err, ReasonSignatureInvalid)
}

func TestValidateLogoutRequestRedirect(t *testing.T) {
	sp := newSP(t, nil)
	q := redirectQuery(t, "SAMLRequest", idpLogoutRequest("_lr1", testNow), idpKeys, "back here")
	info, err := sp.ValidateLogoutRequest(bg, BindingHTTPRedirect, q)
	if err != nil {
		t.Fatal(err)
	}
	if info.NameID != "ada@example.com" || info.RelayState != "back here" {
		t.Fatalf("%+v", info)
	}
	q = redirectQuery(t, "SAMLRequest", idpLogoutRequest("_lr2", testNow), other, "")
	_, err = sp.ValidateLogoutRequest(bg, BindingHTTPRedirect, q)
	wantReason(t, err, ReasonSignatureInvalid)
	// Changing the RelayState breaks the signature.
	q = redirectQuery(t, "SAMLRequest", idpLogoutRequest("_lr3", testNow), idpKeys, "a")
	_, err = sp.ValidateLogoutRequest(bg, BindingHTTPRedirect, strings.Replace(q, "RelayState=a", "RelayState=b", 1))
	wantReason(t, err, ReasonSignatureInvalid)
	// Without a signature.
	q = redirectQuery(t, "SAMLRequest", idpLogoutRequest("_lr4", testNow), idpKeys, "")
	_, err = sp.ValidateLogoutRequest(bg, BindingHTTPRedirect, q[:strings.Index(q, "&SigAlg=")])
	wantReason(t, err, ReasonSignatureMissing)
	// A deflate bomb beyond the size limit.
	big := idpLogoutRequest("_lr5", testNow)
	big.CreateElement("samlp:Extensions").SetText(strings.Repeat("A", DefaultMaxMessageSize+1))
	_, err = sp.ValidateLogoutRequest(bg, BindingHTTPRedirect, redirectQuery(t, "SAMLRequest", big, idpKeys, ""))
	wantReason(t, err, ReasonTooLarge)
}

func TestLogoutResponseWeSend(t *testing.T) {
	sp := newSP(t, nil)
	out, err := sp.LogoutResponse(BindingHTTPRedirect, "_lr1", "rs")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(out.RedirectURL)
	if u.Host != "idp.example.test" || u.Path != "/slo" {
		t.Fatalf("to %s", u)
	}
	q := u.Query()
	if q.Get("SigAlg") != SigAlgRSASHA256 || q.Get("Signature") == "" || q.Get("RelayState") != "rs" {
		t.Fatalf("query %v", q)
	}
	body := inflate(t, q.Get("SAMLResponse"))
	for _, want := range []string{`InResponseTo="_lr1"`, statusSuccess, "urn:canopy:acme", `Destination="https://idp.example.test/slo"`} {
		if !strings.Contains(body, want) {
			t.Fatalf("LogoutResponse lacks %s: %s", want, body)
		}
	}
	post, err := sp.LogoutResponse(BindingHTTPPost, "_lr1", "")
	if err != nil {
		t.Fatal(err)
	}
	if post.Fields["SAMLResponse"] == "" || post.Fields["SAMLRequest"] != "" || post.PostURL != "https://idp.example.test/slo" {
		t.Fatalf("%+v", post)
	}
}

func TestLogoutRequestWeSend(t *testing.T) {
	sp := newSP(t, nil)
	out, err := sp.LogoutRequest("", "ada@example.com", NameIDFormatEmail, "sess-1", "")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(out.RedirectURL)
	body := inflate(t, u.Query().Get("SAMLRequest"))
	for _, want := range []string{out.ID, "ada@example.com", "sess-1", NameIDFormatEmail, "urn:canopy:acme"} {
		if !strings.Contains(body, want) {
			t.Fatalf("LogoutRequest lacks %s: %s", want, body)
		}
	}
	if _, err := sp.LogoutRequest("", "", "", "", ""); err == nil {
		t.Fatal("logout without NameID")
	}
	noSLO := newSP(t, func(c *Config) { c.IdP.SLORedirectURL, c.IdP.SLOPostURL = "", "" })
	if _, err := noSLO.LogoutRequest("", "ada@example.com", "", "", ""); err == nil {
		t.Fatal("logout without an IdP sign-out URL")
	}
}

func idpLogoutResponse(inResponseTo string, codes ...string) *etree.Element {
	r := etree.NewElement("samlp:LogoutResponse")
	r.CreateAttr("xmlns:samlp", nsProtocol)
	r.CreateAttr("xmlns:saml", nsAssertion)
	r.CreateAttr("ID", "_resp-"+inResponseTo)
	r.CreateAttr("Version", "2.0")
	r.CreateAttr("IssueInstant", ts(testNow))
	r.CreateAttr("Destination", testBase+"/logout/callback?connection="+testConn)
	r.CreateAttr("InResponseTo", inResponseTo)
	r.CreateElement("saml:Issuer").SetText(testIdPEntity)
	parent := r.CreateElement("samlp:Status")
	for _, c := range codes {
		parent = parent.CreateElement("samlp:StatusCode")
		parent.CreateAttr("Value", c)
	}
	return r
}

// The IdP's answer to our LogoutRequest: Success validates; a partial
// logout (Success with the second-level PartialLogout) and a failure are
// refused with their own reasons, so the person is told.
func TestValidateLogoutResponseStatus(t *testing.T) {
	sp := newSP(t, nil)
	ok := "urn:oasis:names:tc:SAML:2.0:status:Success"
	if err := sp.ValidateLogoutResponse(BindingHTTPPost, encode(t, sign(t, idpLogoutResponse("_q1", ok), idpKeys)), "_q1"); err != nil {
		t.Fatal(err)
	}
	partial := idpLogoutResponse("_q2", ok, "urn:oasis:names:tc:SAML:2.0:status:PartialLogout")
	wantReason(t, sp.ValidateLogoutResponse(BindingHTTPPost, encode(t, sign(t, partial, idpKeys)), "_q2"), ReasonPartialLogout)
	failed := idpLogoutResponse("_q3", "urn:oasis:names:tc:SAML:2.0:status:Responder")
	wantReason(t, sp.ValidateLogoutResponse(BindingHTTPPost, encode(t, sign(t, failed, idpKeys)), "_q3"), ReasonStatus)
	wantReason(t, sp.ValidateLogoutResponse(BindingHTTPPost, encode(t, idpLogoutResponse("_q4", ok)), "_q4"), ReasonSignatureMissing)
}
