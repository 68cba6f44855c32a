// Package wsfedtest runs a WS-Federation security token service (ADFS's
// passive endpoints) on a loopback server for tests: federation metadata
// at /FederationMetadata/2007-06/FederationMetadata.xml (signed), and
// /adfs/ls/, whose sign-in form answers with a page that posts a signed
// SAML 1.1 token (wa, wresult, wctx) to wreply, and whose wsignout1.0
// ends the session like ADFS: a page loads each relying party signed in
// during the session with wa=wsignoutcleanup1.0 in a frame, then goes on
// to wreply. Tests control certificate
// rollover: Rollover announces a new certificate, SwitchSigning signs with
// it, RetireOld drops the others.
package wsfedtest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/canopyhq/canopy/internal/sso/saml/samltest"
)

// MetadataPath and SignInPath are ADFS's paths.
const (
	MetadataPath = "/FederationMetadata/2007-06/FederationMetadata.xml"
	SignInPath   = "/adfs/ls/"
)

type keyPair struct {
	key  *rsa.PrivateKey
	cert *x509.Certificate
}

// STS is a WS-Federation STS on loopback signing in one person.
type STS struct {
	URL string // base URL

	mu       sync.Mutex
	keys     []keyPair
	signing  int
	email    string
	attrs    []Attribute
	signOuts int
	// sessions: the relying parties (realm → reply URL) each browser
	// session (cookie SessionCookie) signed in to.
	sessions map[string]map[string]string
	// Now is the clock of issued tokens (tests of expiry move it).
	now func() time.Time
}

// New starts an STS that signs in email (given and family name, groups)
// with a fresh certificate; it stops at the end of the test.
func New(t testing.TB, email, given, family string, groups ...string) *STS {
	t.Helper()
	key, cert := KeyPair(t, "wsfedtest STS 1")
	s := &STS{keys: []keyPair{{key, cert}}, email: email, now: time.Now, sessions: map[string]map[string]string{}, attrs: []Attribute{
		{ClaimsNS, "emailaddress", []string{email}}, {ClaimsNS, "upn", []string{email}},
		{ClaimsNS, "givenname", []string{given}}, {ClaimsNS, "surname", []string{family}},
		{ClaimsNS, "name", []string{given + " " + family}}}}
	if len(groups) > 0 {
		s.attrs = append(s.attrs, Attribute{"http://schemas.xmlsoap.org/claims", "Group", groups})
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+MetadataPath, s.metadata)
	mux.HandleFunc(SignInPath, s.passive)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// MetadataURL is the federation metadata's URL.
func (s *STS) MetadataURL() string { return s.URL + MetadataPath }

// SignInURL is the passive requestor endpoint.
func (s *STS) SignInURL() string { return s.URL + SignInPath }

// EntityID is the STS's issuer, as ADFS names it.
func (s *STS) EntityID() string { return s.URL + "/adfs/services/trust" }

// Rollover announces a new certificate in the metadata (tokens are still
// signed with the current one) and returns it.
func (s *STS) Rollover(t testing.TB) *x509.Certificate {
	t.Helper()
	key, cert := KeyPair(t, "wsfedtest STS next")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = append(s.keys, keyPair{key, cert})
	return cert
}

// SwitchSigning signs tokens and metadata with the newest certificate.
func (s *STS) SwitchSigning() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.signing = len(s.keys) - 1
}

// RetireOld drops every certificate but the signing one from the metadata.
func (s *STS) RetireOld() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = []keyPair{s.keys[s.signing]}
	s.signing = 0
}

// SigningCert is the certificate tokens are signed with now.
func (s *STS) SigningCert() *x509.Certificate {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys[s.signing].cert
}

// CertPEM is the signing certificate in PEM.
func (s *STS) CertPEM() string { return CertPEM(s.SigningCert()) }

// SignOuts counts the wsignout1.0 requests served.
func (s *STS) SignOuts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.signOuts
}

// SetClock changes the clock of issued tokens.
func (s *STS) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// Issue signs a token for realm as the STS would, with the current key;
// tests change the token before issuing (another audience, no NameID, …).
func (s *STS) Issue(tok Token) (string, error) {
	s.mu.Lock()
	kp, now := s.keys[s.signing], s.now()
	s.mu.Unlock()
	if tok.Issuer == "" {
		tok.Issuer = s.EntityID()
	}
	return tok.Issue(kp.key, kp.cert, now)
}

// TokenFor is the token the STS issues to its person for realm.
func (s *STS) TokenFor(realm string) Token {
	return Token{Issuer: s.EntityID(), Audience: realm, NameID: s.email, Attributes: s.attrs}
}

func (s *STS) metadata(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	keys, signing := append([]keyPair(nil), s.keys...), s.signing
	s.mu.Unlock()
	ed := etree.NewElement("EntityDescriptor")
	ed.CreateAttr("xmlns", "urn:oasis:names:tc:SAML:2.0:metadata")
	ed.CreateAttr("ID", "_"+strings.ReplaceAll(time.Now().Format("20060102150405.000000000"), ".", ""))
	ed.CreateAttr("entityID", s.EntityID())
	rd := ed.CreateElement("RoleDescriptor")
	rd.CreateAttr("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance")
	rd.CreateAttr("xmlns:fed", "http://docs.oasis-open.org/wsfed/federation/200706")
	rd.CreateAttr("xsi:type", "fed:SecurityTokenServiceType")
	rd.CreateAttr("protocolSupportEnumeration", "http://docs.oasis-open.org/wsfed/federation/200706")
	for _, kp := range keys {
		kd := rd.CreateElement("KeyDescriptor")
		kd.CreateAttr("use", "signing")
		ki := kd.CreateElement("KeyInfo")
		ki.CreateAttr("xmlns", "http://www.w3.org/2000/09/xmldsig#")
		ki.CreateElement("X509Data").CreateElement("X509Certificate").SetText(base64.StdEncoding.EncodeToString(kp.cert.Raw))
	}
	ep := rd.CreateElement("fed:PassiveRequestorEndpoint")
	epr := ep.CreateElement("wsa:EndpointReference")
	epr.CreateAttr("xmlns:wsa", nsAddr)
	epr.CreateElement("wsa:Address").SetText(s.SignInURL())
	signed, err := Sign(ed, keys[signing].key, keys[signing].cert)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	out, err := Serialize(signed)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	_, _ = w.Write([]byte(out))
}

var signInPage = template.Must(template.New("signin").Parse(`<!doctype html>
<html><head><title>wsfedtest STS</title></head><body>
<h1>Sign in to the test STS</h1>{{if .Error}}<p id="error">{{.Error}}</p>{{end}}
<form method="post" action="` + SignInPath + `">
<input type="hidden" name="wa" value="wsignin1.0">
<input type="hidden" name="wtrealm" value="{{.Realm}}">
<input type="hidden" name="wreply" value="{{.Reply}}">
<input type="hidden" name="wctx" value="{{.Context}}">
<label>User name <input id="username" name="username" value="{{.Username}}"></label>
<button id="sts-signin" type="submit">Sign in</button>
</form></body></html>`))

var postPage = template.Must(template.New("post").Parse(`<!doctype html>
<html><head><title>Working...</title></head><body onload="document.forms[0].submit()">
<form method="post" action="{{.Reply}}">
<input type="hidden" name="wa" value="wsignin1.0">
<input type="hidden" name="wresult" value="{{.Result}}">
{{if .Context}}<input type="hidden" name="wctx" value="{{.Context}}">{{end}}
<noscript><button type="submit">Continue</button></noscript>
</form></body></html>`))

type signInView struct{ Realm, Reply, Context, Username, Error, Result string }

// passive serves /adfs/ls/: wsignin1.0 (GET shows the form, POST signs in
// and posts the token to wreply) and wsignout1.0.
func (s *STS) passive(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	v := signInView{Realm: r.Form.Get("wtrealm"), Reply: r.Form.Get("wreply"), Context: r.Form.Get("wctx"),
		Username: r.Form.Get("username")}
	switch r.Form.Get("wa") {
	case "wsignout1.0":
		s.signOut(w, r, v.Reply)
		return
	case "wsignin1.0":
	default:
		http.Error(w, "MSIS7042: unknown wa", http.StatusBadRequest)
		return
	}
	if v.Realm == "" || !absolute(v.Reply) {
		http.Error(w, "MSIS7007: wtrealm and an absolute wreply are required", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if r.Method != http.MethodPost {
		_ = signInPage.Execute(w, v)
		return
	}
	if !strings.EqualFold(strings.TrimSpace(v.Username), s.email) {
		v.Error = "Unknown user name."
		_ = signInPage.Execute(w, v)
		return
	}
	res, err := s.Issue(s.TokenFor(v.Realm))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	v.Result = res
	s.remember(w, r, v.Realm, v.Reply)
	_ = postPage.Execute(w, v)
}

// SessionCookie is the STS's session cookie.
const SessionCookie = "wsfedtest_session"

// remember notes that the browser's STS session signed in to a relying
// party, starting the session when there is none.
func (s *STS) remember(w http.ResponseWriter, r *http.Request, realm, reply string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := ""
	if c, err := r.Cookie(SessionCookie); err == nil && s.sessions[c.Value] != nil {
		id = c.Value
	} else {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		id = base64.RawURLEncoding.EncodeToString(b)
		s.sessions[id] = map[string]string{}
		http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: id, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	}
	s.sessions[id][realm] = reply
}

var signedOutPage = template.Must(template.New("signedout").Parse(`<!doctype html>
<html><head><title>Signed out</title></head><body>
<h1 id="sts-signed-out">You have signed out</h1>
{{range .Cleanups}}<iframe class="sts-cleanup" src="{{.}}" width="1" height="1" title="sign-out"></iframe>
{{end}}{{if .Reply}}<p><a id="sts-continue" href="{{.Reply}}">Continue</a></p>
<script>window.addEventListener("load", function () { location.replace(document.getElementById("sts-continue").href); });</script>
{{end}}</body></html>`))

// signOut ends the browser's STS session as ADFS does: its page loads
// each relying party's reply URL with wa=wsignoutcleanup1.0 in a frame
// and, once they have loaded, goes on to wreply (when absolute).
func (s *STS) signOut(w http.ResponseWriter, r *http.Request, reply string) {
	s.mu.Lock()
	s.signOuts++
	var cleanups []string
	if c, err := r.Cookie(SessionCookie); err == nil {
		for _, rp := range s.sessions[c.Value] {
			if u, err := url.Parse(rp); err == nil {
				q := u.Query()
				q.Set("wa", "wsignoutcleanup1.0")
				u.RawQuery = q.Encode()
				cleanups = append(cleanups, u.String())
			}
		}
		delete(s.sessions, c.Value)
	}
	s.mu.Unlock()
	sort.Strings(cleanups)
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1})
	if !absolute(reply) {
		reply = ""
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = signedOutPage.Execute(w, struct {
		Cleanups []string
		Reply    string
	}{cleanups, reply})
}

// absolute accepts the wreply of any http(s) relying party: the test STS
// trusts every realm.
func absolute(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// KeyPair (an RSA key and a self-signed certificate for it) and CertPEM
// (a certificate as PEM) are samltest's.
var (
	KeyPair = samltest.KeyPair
	CertPEM = samltest.CertPEM
)
