// Package saml is the SAML 2.0 service-provider side of Canopy's single
// sign-on: SP metadata, signed AuthnRequests (HTTP-Redirect and HTTP-POST),
// IdP settings from metadata or by hand, response validation with stable
// reason codes, claim mapping presets and single logout.
//
// It builds messages with github.com/russellhaering/gosaml2 and verifies XML
// signatures with github.com/russellhaering/goxmldsig. It knows nothing about
// the web layer or the database: the caller keeps the pending request ID in
// the browser session and supplies a ReplayCache.
package saml

import (
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	saml2 "github.com/russellhaering/gosaml2"
	dsig "github.com/russellhaering/goxmldsig"
)

// Bindings.
const (
	BindingHTTPPost     = saml2.BindingHttpPost
	BindingHTTPRedirect = saml2.BindingHttpRedirect
)

// Signature algorithms for AuthnRequests and LogoutRequests.
const (
	SigAlgRSASHA256 = dsig.RSASHA256SignatureMethod
	SigAlgRSASHA1   = dsig.RSASHA1SignatureMethod
)

// NameID formats.
const (
	NameIDFormatEmail       = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
	NameIDFormatUnspecified = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
	NameIDFormatPersistent  = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
	NameIDFormatTransient   = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
)

// Defaults.
const (
	DefaultMaxMessageSize = 256 << 10 // decoded bytes
	DefaultClockSkew      = 90 * time.Second
	MaxClockSkew          = 5 * time.Minute
)

// Config describes one SAML connection.
type Config struct {
	// Connection is the connection's identifier (URL-safe); it makes the
	// entity ID urn:canopy:{Connection} and the endpoint URLs.
	Connection string
	// BaseURL is Canopy's external URL, e.g. https://canopy.example.com.
	BaseURL string
	// SLOPath is the path of the single-logout endpoint; default
	// "/logout/callback". The ACS path is always "/login/callback".
	SLOPath string

	IdP IdPSettings

	// SigningKey and SigningCert sign AuthnRequests and LogoutRequests and
	// are published in the SP metadata. RSA keys only.
	SigningKey  crypto.Signer
	SigningCert *x509.Certificate
	// OtherCertificates are published in the SP metadata after SigningCert
	// without signing anything: during a key rotation the next certificate
	// (announced, so the IdP trusts it before it is used) and the previous
	// one (still honoured until the IdP has picked up the current one).
	OtherCertificates []*x509.Certificate
	// SignatureAlgorithm is SigAlgRSASHA256 (default) or SigAlgRSASHA1.
	SignatureAlgorithm string

	// NameIDFormat requested in AuthnRequests; default unspecified.
	NameIDFormat string
	// NameIDFormats published in SP metadata; default email, persistent,
	// unspecified.
	NameIDFormats []string

	// AllowIdPInitiated accepts responses without InResponseTo.
	AllowIdPInitiated bool
	// ClockSkew tolerated on every time check; 0 means DefaultClockSkew,
	// larger than MaxClockSkew is refused.
	ClockSkew time.Duration
	// MaxMessageSize caps decoded messages; 0 means DefaultMaxMessageSize.
	MaxMessageSize int
	// Replay is required: every accepted assertion ID is recorded in it.
	Replay ReplayCache
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// ServiceProvider is a validated Config, safe for concurrent use.
type ServiceProvider struct {
	cfg  Config
	base string
}

// New checks cfg and returns the service provider for one connection.
func New(cfg Config) (*ServiceProvider, error) {
	if err := checkEndpoints(cfg.Connection, cfg.BaseURL); err != nil {
		return nil, err
	}
	if cfg.SigningKey == nil || cfg.SigningCert == nil {
		return nil, errors.New("saml: SP signing key and certificate are required")
	}
	if _, ok := cfg.SigningKey.Public().(*rsa.PublicKey); !ok {
		return nil, errors.New("saml: SP signing key must be RSA")
	}
	if !publicKeysEqual(cfg.SigningKey.Public(), cfg.SigningCert.PublicKey) {
		return nil, errors.New("saml: SP signing certificate does not match the signing key")
	}
	switch cfg.SignatureAlgorithm {
	case "":
		cfg.SignatureAlgorithm = SigAlgRSASHA256
	case SigAlgRSASHA256, SigAlgRSASHA1:
	default:
		return nil, fmt.Errorf("saml: unsupported signature algorithm %q (RSA-SHA256 or RSA-SHA1)", cfg.SignatureAlgorithm)
	}
	if cfg.ClockSkew == 0 {
		cfg.ClockSkew = DefaultClockSkew
	}
	if cfg.ClockSkew < 0 || cfg.ClockSkew > MaxClockSkew {
		return nil, fmt.Errorf("saml: clock skew %s is outside 0..%s", cfg.ClockSkew, MaxClockSkew)
	}
	if cfg.MaxMessageSize <= 0 {
		cfg.MaxMessageSize = DefaultMaxMessageSize
	}
	if cfg.Replay == nil {
		return nil, errors.New("saml: a replay cache is required")
	}
	if cfg.NameIDFormat == "" {
		cfg.NameIDFormat = NameIDFormatUnspecified
	}
	if len(cfg.NameIDFormats) == 0 {
		cfg.NameIDFormats = []string{NameIDFormatEmail, NameIDFormatPersistent, NameIDFormatUnspecified}
	}
	if cfg.SLOPath == "" {
		cfg.SLOPath = "/logout/callback"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if err := cfg.IdP.check(); err != nil {
		return nil, err
	}
	return &ServiceProvider{
		cfg:  cfg,
		base: strings.TrimRight(cfg.BaseURL, "/"),
	}, nil
}

// checkEndpoints checks what the entity ID and the endpoint URLs are made of.
func checkEndpoints(connection, baseURL string) error {
	if connection == "" || strings.ContainsAny(connection, " /?#&") {
		return errors.New("saml: connection identifier is empty or not URL-safe")
	}
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("saml: base URL %q is not an absolute http(s) URL", baseURL)
	}
	return nil
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	ak, ok := a.(*rsa.PublicKey)
	if !ok {
		return false
	}
	return ak.Equal(b)
}

// EntityID is urn:canopy:{connection}.
func (sp *ServiceProvider) EntityID() string { return "urn:canopy:" + sp.cfg.Connection }

// ACSURL is {base}/login/callback?connection={connection}.
func (sp *ServiceProvider) ACSURL() string {
	return sp.base + "/login/callback?connection=" + url.QueryEscape(sp.cfg.Connection)
}

// SLOURL is {base}{SLOPath}?connection={connection}.
func (sp *ServiceProvider) SLOURL() string {
	return sp.base + sp.cfg.SLOPath + "?connection=" + url.QueryEscape(sp.cfg.Connection)
}

// IdP returns the IdP settings in use.
func (sp *ServiceProvider) IdP() IdPSettings { return sp.cfg.IdP }

func (sp *ServiceProvider) now() time.Time { return sp.cfg.Now() }

// dsigClock is a clock frozen at the current time of sp's clock, for
// gosaml2 and goxmldsig (certificate validity, IssueInstant).
func (sp *ServiceProvider) dsigClock() *dsig.Clock { return dsig.NewFakeClockAt(sp.now()) }

// gosaml2 returns a gosaml2 service provider configured for building
// messages to the IdP.
func (sp *ServiceProvider) gosaml2(ssoURL, sloURL string) (*saml2.SAMLServiceProvider, error) {
	s := &saml2.SAMLServiceProvider{
		IdentityProviderSSOURL:      ssoURL,
		IdentityProviderSLOURL:      sloURL,
		IdentityProviderIssuer:      sp.cfg.IdP.EntityID,
		AssertionConsumerServiceURL: sp.ACSURL(),
		ServiceProviderSLOURL:       sp.SLOURL(),
		ServiceProviderIssuer:       sp.EntityID(),
		SignAuthnRequests:           true,
		SignAuthnRequestsAlgorithm:  sp.cfg.SignatureAlgorithm,
		AudienceURI:                 sp.EntityID(),
		NameIdFormat:                sp.cfg.NameIDFormat,
		Clock:                       sp.dsigClock(),
	}
	if err := s.SetSPSigningKeyStore(&saml2.KeyStore{Signer: sp.cfg.SigningKey, Cert: sp.cfg.SigningCert.Raw}); err != nil {
		return nil, err
	}
	return s, nil
}
