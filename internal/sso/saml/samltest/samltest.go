// Package samltest runs crewjam/saml's identity provider on a loopback
// server for tests of SAML sign-in: it signs in one person, knows one
// service provider (registered from its metadata document) and can send
// IdP-initiated responses.
package samltest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"encoding/xml"
	"html/template"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	crewsaml "github.com/crewjam/saml"
)

// IdP is a SAML identity provider on loopback.
type IdP struct {
	URL string // base URL; metadata at URL+"/metadata", sign-in at URL+"/sso"
	// Key and Cert sign the responses (Cert is in the metadata).
	Key  *rsa.PrivateKey
	Cert *x509.Certificate

	idp *crewsaml.IdentityProvider

	mu           sync.Mutex
	spMeta       *crewsaml.EntityDescriptor
	session      crewsaml.Session
	participants []crewsaml.SessionParticipant
	loggedOut    []string // NameIDs of LogoutRequests the IdP accepted
}

// GetServiceProvider implements crewsaml.ServiceProviderProvider.
func (p *IdP) GetServiceProvider(_ *http.Request, id string) (*crewsaml.EntityDescriptor, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.spMeta == nil || p.spMeta.EntityID != id {
		return nil, os.ErrNotExist
	}
	return p.spMeta, nil
}

// GetSession implements crewsaml.SessionProvider: the person is signed in.
func (p *IdP) GetSession(http.ResponseWriter, *http.Request, *crewsaml.IdpAuthnRequest) *crewsaml.Session {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.session
	s.CreateTime, s.ExpireTime = time.Now().Add(-time.Minute), time.Now().Add(time.Hour)
	return &s
}

// InvalidateSession implements crewsaml.SessionInvalidator: a service
// provider's LogoutRequest, validated by crewjam (signature by the SP's
// metadata key, destination, issuer), ends the session.
func (p *IdP) InvalidateSession(_ http.ResponseWriter, _ *http.Request, req *crewsaml.IdpLogoutRequest) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if req.Request.NameID != nil {
		p.loggedOut = append(p.loggedOut, req.Request.NameID.Value)
	}
	p.participants = nil
	return nil
}

// AddSessionParticipant implements crewsaml.SessionParticipantTracker.
func (p *IdP) AddSessionParticipant(_ *http.Request, _ *crewsaml.Session, sp crewsaml.SessionParticipant) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.participants = append(p.participants, sp)
	return nil
}

// SessionParticipants implements crewsaml.SessionParticipantTracker.
func (p *IdP) SessionParticipants(_ *http.Request, match func(*crewsaml.Session) bool) ([]crewsaml.SessionParticipant, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !match(&p.session) {
		return nil, nil
	}
	return append([]crewsaml.SessionParticipant(nil), p.participants...), nil
}

// LoggedOut lists the NameIDs whose sessions service providers ended.
func (p *IdP) LoggedOut() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.loggedOut...)
}

// StartLogout (also at URL+"/logout-start") is an IdP-initiated logout of
// the session: crewjam sends a signed LogoutRequest to each service
// provider the session signed in to and, once they answered, shows a page
// saying "IdP logout complete" or naming those that failed.
func (p *IdP) StartLogout(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	s := p.session
	p.mu.Unlock()
	p.idp.StartLogout(w, r, &s, "")
}

// New starts an identity provider that signs in email (given and family
// name, groups) with a fresh key; it stops at the end of the test.
func New(t testing.TB, email, given, family string, groups ...string) *IdP {
	t.Helper()
	key, cert := KeyPair(t, "samltest IdP")
	p := &IdP{Key: key, Cert: cert, session: crewsaml.Session{ID: "idp-session", Index: "idx-1", NameID: email,
		NameIDFormat: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress", UserEmail: email, UserGivenName: given,
		UserSurname: family, UserCommonName: given + " " + family, Groups: groups}}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	at := func(path string) url.URL {
		u, _ := url.Parse(srv.URL + path)
		return *u
	}
	p.idp = &crewsaml.IdentityProvider{Key: key, Certificate: cert, Logger: log.New(io.Discard, "", 0),
		MetadataURL: at("/metadata"), SSOURL: at("/sso"), LogoutURL: at("/slo"),
		ServiceProviderProvider: p, SessionProvider: p, WantAuthnRequestsSigned: true,
		NameIDFormats:          []crewsaml.NameIDFormat{crewsaml.EmailAddressNameIDFormat},
		LogoutBindings:         []string{crewsaml.HTTPRedirectBinding, crewsaml.HTTPPostBinding},
		LogoutCompleteTemplate: logoutComplete}
	mux.Handle("/", p.idp.Handler())
	mux.HandleFunc("/idp-initiated", p.IdPInitiated)
	mux.HandleFunc("/logout-start", p.StartLogout)
	return p
}

var logoutComplete = template.Must(template.New("").Parse(
	`<p>{{if .Failed}}IdP logout failed at:{{range .Failed}} {{.}}{{end}}{{else}}IdP logout complete{{end}}</p>`))

// Register makes the IdP know the service provider from its metadata.
func (p *IdP) Register(t testing.TB, spMetadata []byte) {
	t.Helper()
	var ed crewsaml.EntityDescriptor
	if err := xml.Unmarshal(spMetadata, &ed); err != nil {
		t.Fatalf("samltest: SP metadata: %v\n%s", err, spMetadata)
	}
	p.mu.Lock()
	p.spMeta = &ed
	p.mu.Unlock()
}

// IdPInitiated (also at URL+"/idp-initiated") answers like the IdP's portal link for the registered
// service provider: an auto-posting form with an unsolicited response.
func (p *IdP) IdPInitiated(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	id := ""
	if p.spMeta != nil {
		id = p.spMeta.EntityID
	}
	p.mu.Unlock()
	p.idp.ServeIDPInitiated(w, r, id, "")
}

// CertPEM is the IdP's signing certificate in PEM.
func (p *IdP) CertPEM() string { return CertPEM(p.Cert) }

// KeyPair makes an RSA key and a self-signed certificate for it.
func KeyPair(t testing.TB, name string) (*rsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return key, cert
}

// CertPEM encodes a certificate as PEM.
func CertPEM(c *x509.Certificate) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
}

// SetGroups changes the groups of the person the IdP signs in.
func (p *IdP) SetGroups(groups ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.session.Groups = groups
}
