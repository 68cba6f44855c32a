package saml

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/russellhaering/gosaml2/types"
)

// IdPSettings are what the SP needs to know about the identity provider.
type IdPSettings struct {
	// EntityID is the IdP's issuer; when set, Issuer must match it.
	EntityID string
	// Sign-in URLs per binding; at least one is required.
	SSORedirectURL string
	SSOPostURL     string
	// Sign-out URLs per binding; optional.
	SLORedirectURL string
	SLOPostURL     string
	// Certificates that may sign responses. Several are allowed so that a
	// certificate rollover needs no downtime.
	Certificates []*x509.Certificate
}

func (s IdPSettings) check() error {
	if s.SSORedirectURL == "" && s.SSOPostURL == "" {
		return errors.New("saml: the IdP sign-in URL is required")
	}
	for _, u := range []string{s.SSORedirectURL, s.SSOPostURL, s.SLORedirectURL, s.SLOPostURL} {
		if u != "" {
			if err := checkHTTPURL(u); err != nil {
				return err
			}
		}
	}
	if len(s.Certificates) == 0 {
		return errors.New("saml: at least one IdP signing certificate is required")
	}
	return nil
}

func checkHTTPURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("saml: %q is not an absolute http(s) URL", s)
	}
	return nil
}

// ManualIdP builds IdP settings entered by hand: the sign-in URL (used for
// both bindings), the optional sign-out URL and one or more PEM certificates.
func ManualIdP(entityID, signInURL, signOutURL, certificatesPEM string) (IdPSettings, error) {
	if signInURL == "" {
		return IdPSettings{}, errors.New("saml: sign-in URL is required")
	}
	certs, err := ParseCertificatesPEM(certificatesPEM)
	if err != nil {
		return IdPSettings{}, err
	}
	s := IdPSettings{
		EntityID:       strings.TrimSpace(entityID),
		SSORedirectURL: signInURL,
		SSOPostURL:     signInURL,
		SLORedirectURL: signOutURL,
		SLOPostURL:     signOutURL,
		Certificates:   certs,
	}
	return s, s.check()
}

// ParseCertificatesPEM reads every CERTIFICATE block of s. Anything else
// (private keys, garbage, no certificate) is an error.
func ParseCertificatesPEM(s string) ([]*x509.Certificate, error) {
	rest := []byte(strings.TrimSpace(s))
	var certs []*x509.Certificate
	for len(bytes.TrimSpace(rest)) > 0 {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, errors.New("saml: the certificates are not PEM (-----BEGIN CERTIFICATE-----)")
		}
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("saml: PEM block %q is not a certificate", block.Type)
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("saml: certificate %d: %w", len(certs)+1, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, errors.New("saml: no certificate given")
	}
	return certs, nil
}

// MaxMetadataSize caps IdP metadata documents.
const MaxMetadataSize = 1 << 20

type entitiesDescriptor struct {
	XMLName  xml.Name                 `xml:"urn:oasis:names:tc:SAML:2.0:metadata EntitiesDescriptor"`
	Entities []types.EntityDescriptor `xml:"EntityDescriptor"`
	Nested   []entitiesDescriptor     `xml:"EntitiesDescriptor"`
}

func (e entitiesDescriptor) all() []types.EntityDescriptor {
	out := append([]types.EntityDescriptor(nil), e.Entities...)
	for _, n := range e.Nested {
		out = append(out, n.all()...)
	}
	return out
}

// ParseIdPMetadata reads IdP metadata XML (an EntityDescriptor, or an
// EntitiesDescriptor holding exactly one identity provider): entity ID, SSO
// and SLO URLs per binding and every signing certificate.
func ParseIdPMetadata(data []byte) (IdPSettings, error) {
	if len(data) > MaxMetadataSize {
		return IdPSettings{}, fail(ReasonTooLarge, "metadata is larger than %d bytes", MaxMetadataSize)
	}
	doc, err := parseXML(data)
	if err != nil {
		return IdPSettings{}, err
	}
	var entities []types.EntityDescriptor
	switch root := doc.Root(); {
	case root.Tag == "EntityDescriptor" && root.NamespaceURI() == nsMetadata:
		var ed types.EntityDescriptor
		if err := xml.Unmarshal(data, &ed); err != nil {
			return IdPSettings{}, failErr(ReasonMalformed, err, "metadata")
		}
		entities = []types.EntityDescriptor{ed}
	case root.Tag == "EntitiesDescriptor" && root.NamespaceURI() == nsMetadata:
		var eds entitiesDescriptor
		if err := xml.Unmarshal(data, &eds); err != nil {
			return IdPSettings{}, failErr(ReasonMalformed, err, "metadata")
		}
		entities = eds.all()
	default:
		return IdPSettings{}, fail(ReasonMalformed, "metadata root is <%s>, not an EntityDescriptor", root.Tag)
	}
	var idps []types.EntityDescriptor
	for _, e := range entities {
		if e.IDPSSODescriptor != nil {
			idps = append(idps, e)
		}
	}
	if len(idps) != 1 {
		return IdPSettings{}, fail(ReasonMalformed, "metadata describes %d identity providers, want exactly 1", len(idps))
	}
	ed := idps[0]
	d := ed.IDPSSODescriptor
	s := IdPSettings{EntityID: ed.EntityID}
	for _, svc := range d.SingleSignOnServices {
		switch svc.Binding {
		case BindingHTTPRedirect:
			if s.SSORedirectURL == "" {
				s.SSORedirectURL = svc.Location
			}
		case BindingHTTPPost:
			if s.SSOPostURL == "" {
				s.SSOPostURL = svc.Location
			}
		}
	}
	for _, svc := range d.SingleLogoutServices {
		switch svc.Binding {
		case BindingHTTPRedirect:
			if s.SLORedirectURL == "" {
				s.SLORedirectURL = svc.Location
			}
		case BindingHTTPPost:
			if s.SLOPostURL == "" {
				s.SLOPostURL = svc.Location
			}
		}
	}
	for _, kd := range d.KeyDescriptors {
		if kd.Use != "" && kd.Use != "signing" {
			continue
		}
		for _, xc := range kd.KeyInfo.X509Data.X509Certificates {
			if s.Certificates, err = AddMetadataCertificate(s.Certificates, xc.Data); err != nil {
				return IdPSettings{}, err
			}
		}
	}
	if err := s.check(); err != nil {
		return IdPSettings{}, &Error{Reason: ReasonMalformed, Detail: "metadata", Err: err}
	}
	return s, nil
}

// AddMetadataCertificate decodes the base64 text of a metadata
// X509Certificate element and appends the certificate to list unless it is
// there already; a bad one is ReasonMalformed. Package wsfed reads its
// federation metadata's certificates with it too.
func AddMetadataCertificate(list []*x509.Certificate, text string) ([]*x509.Certificate, error) {
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(text), ""))
	if err != nil {
		return list, failErr(ReasonMalformed, err, "metadata certificate")
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return list, failErr(ReasonMalformed, err, "metadata certificate")
	}
	if !containsCert(list, c) {
		list = append(list, c)
	}
	return list, nil
}

func containsCert(list []*x509.Certificate, c *x509.Certificate) bool {
	for _, x := range list {
		if x.Equal(c) {
			return true
		}
	}
	return false
}

// FetchIdPMetadata downloads and parses IdP metadata. client may be nil
// (a client with a 10 s timeout is used); the body is capped at
// MaxMetadataSize and a deadline of timeout (10 s if 0) applies.
func FetchIdPMetadata(ctx context.Context, client *http.Client, metadataURL string, timeout time.Duration) (IdPSettings, error) {
	if err := checkHTTPURL(metadataURL); err != nil {
		return IdPSettings{}, err
	}
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	if client == nil {
		client = &http.Client{Timeout: timeout}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, metadataURL, nil)
	if err != nil {
		return IdPSettings{}, err
	}
	req.Header.Set("Accept", "application/samlmetadata+xml, application/xml, text/xml")
	res, err := client.Do(req)
	if err != nil {
		return IdPSettings{}, fmt.Errorf("saml: fetching metadata: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return IdPSettings{}, fmt.Errorf("saml: fetching metadata: HTTP %d", res.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, MaxMetadataSize+1))
	if err != nil {
		return IdPSettings{}, fmt.Errorf("saml: reading metadata: %w", err)
	}
	return ParseIdPMetadata(body)
}
