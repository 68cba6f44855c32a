package saml

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/russellhaering/gosaml2/types"
	dsigtypes "github.com/russellhaering/goxmldsig/types"
)

// Outbound is a message to send the browser to the IdP with.
type Outbound struct {
	// ID of the request: keep it in the browser session and pass it to
	// ValidateResponse (or ValidateLogoutResponse) as the expected
	// InResponseTo.
	ID      string
	Binding string
	// RedirectURL is set for BindingHTTPRedirect: answer with a 302 to it.
	// It carries SAMLRequest (deflated, base64), RelayState, SigAlg and
	// Signature.
	RedirectURL string
	// PostURL and Fields are set for BindingHTTPPost: render an
	// auto-submitting form posting Fields (SAMLRequest with an enveloped
	// signature, and RelayState) to PostURL.
	PostURL string
	Fields  map[string]string
}

// Metadata is the SP metadata document of the connection: entity ID, the
// HTTP-POST assertion consumer service, the single logout service (both
// bindings), the signing certificate (then OtherCertificates) and the
// NameID formats.
func (sp *ServiceProvider) Metadata() ([]byte, error) {
	return SPMetadata(SPMetadataConfig{Connection: sp.cfg.Connection, BaseURL: sp.cfg.BaseURL, SLOPath: sp.cfg.SLOPath,
		Certificates:  append([]*x509.Certificate{sp.cfg.SigningCert}, sp.cfg.OtherCertificates...),
		NameIDFormats: sp.cfg.NameIDFormats, Now: sp.cfg.Now})
}

// SPMetadataConfig is what the SP metadata is made of: the service
// provider's own side only, so that it can be published before the
// identity provider is known (its administrator usually needs it first).
type SPMetadataConfig struct {
	Connection, BaseURL, SLOPath string // as in Config
	// Certificates are published as signing keys, in order: the one in
	// use first, then any announced or previous one. At least one.
	Certificates []*x509.Certificate
	// NameIDFormats; default email, persistent, unspecified.
	NameIDFormats []string
	// Now is the clock (validUntil is a week ahead); nil means time.Now.
	Now func() time.Time
}

// SPMetadata builds the SP metadata document from the service provider's
// side alone; ServiceProvider.Metadata gives the same document.
func SPMetadata(c SPMetadataConfig) ([]byte, error) {
	if err := checkEndpoints(c.Connection, c.BaseURL); err != nil {
		return nil, err
	}
	if len(c.Certificates) == 0 || slices.Contains(c.Certificates, nil) {
		return nil, errors.New("saml: SP metadata needs the SP signing certificate")
	}
	if c.SLOPath == "" {
		c.SLOPath = "/logout/callback"
	}
	if len(c.NameIDFormats) == 0 {
		c.NameIDFormats = []string{NameIDFormatEmail, NameIDFormatPersistent, NameIDFormatUnspecified}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	base := strings.TrimRight(c.BaseURL, "/")
	conn := url.QueryEscape(c.Connection)
	acs, slo := base+"/login/callback?connection="+conn, base+c.SLOPath+"?connection="+conn
	keys := make([]types.KeyDescriptor, 0, len(c.Certificates))
	for _, cert := range c.Certificates {
		keys = append(keys, types.KeyDescriptor{Use: "signing", KeyInfo: dsigtypes.KeyInfo{X509Data: dsigtypes.X509Data{
			X509Certificates: []dsigtypes.X509Certificate{{Data: base64.StdEncoding.EncodeToString(cert.Raw)}}}}})
	}
	ed := &types.EntityDescriptor{
		ValidUntil: c.Now().UTC().Add(7 * 24 * time.Hour).Truncate(time.Second),
		EntityID:   "urn:canopy:" + c.Connection,
		SPSSODescriptor: &types.SPSSODescriptor{
			AuthnRequestsSigned:        true,
			WantAssertionsSigned:       true,
			ProtocolSupportEnumeration: nsProtocol,
			KeyDescriptors:             keys,
			SingleLogoutServices: []types.Endpoint{
				{Binding: BindingHTTPRedirect, Location: slo},
				{Binding: BindingHTTPPost, Location: slo},
			},
			NameIDFormats: append([]string(nil), c.NameIDFormats...),
			AssertionConsumerServices: []types.IndexedEndpoint{{
				Binding: BindingHTTPPost, Location: acs, Index: 1,
			}},
		},
	}
	b, err := xml.MarshalIndent(ed, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), b...), nil
}

// AuthnRequest builds a signed AuthnRequest for binding (BindingHTTPRedirect
// or BindingHTTPPost; "" picks redirect when the IdP has a redirect URL).
func (sp *ServiceProvider) AuthnRequest(binding, relayState string) (*Outbound, error) {
	idp := sp.cfg.IdP
	if binding == "" {
		binding = BindingHTTPRedirect
		if idp.SSORedirectURL == "" {
			binding = BindingHTTPPost
		}
	}
	switch binding {
	case BindingHTTPRedirect:
		if idp.SSORedirectURL == "" {
			return nil, errors.New("saml: the IdP has no HTTP-Redirect sign-in URL")
		}
		s, err := sp.gosaml2(idp.SSORedirectURL, "")
		if err != nil {
			return nil, err
		}
		// The redirect binding signs the query string, not the XML.
		doc, err := s.BuildAuthRequestDocumentNoSig()
		if err != nil {
			return nil, err
		}
		u, err := s.BuildAuthURLRedirect(relayState, doc)
		if err != nil {
			return nil, err
		}
		return &Outbound{ID: docID(doc), Binding: binding, RedirectURL: u}, nil
	case BindingHTTPPost:
		if idp.SSOPostURL == "" {
			return nil, errors.New("saml: the IdP has no HTTP-POST sign-in URL")
		}
		s, err := sp.gosaml2(idp.SSOPostURL, "")
		if err != nil {
			return nil, err
		}
		doc, err := s.BuildAuthRequestDocument()
		if err != nil {
			return nil, err
		}
		return postMessage(doc, binding, idp.SSOPostURL, relayState)
	default:
		return nil, fmt.Errorf("saml: unsupported binding %q", binding)
	}
}

func docID(doc *etree.Document) string { return doc.Root().SelectAttrValue("ID", "") }

func postMessage(doc *etree.Document, binding, to, relayState string) (*Outbound, error) {
	b, err := doc.WriteToBytes()
	if err != nil {
		return nil, err
	}
	f := map[string]string{"SAMLRequest": base64.StdEncoding.EncodeToString(b)}
	if relayState != "" {
		f["RelayState"] = relayState
	}
	return &Outbound{ID: docID(doc), Binding: binding, PostURL: to, Fields: f}, nil
}

// NameID is the subject a LogoutRequest names, as the assertion gave it.
type NameID struct {
	Value, Format, NameQualifier, SPNameQualifier string
}

// LogoutRequest builds a signed LogoutRequest for the user's IdP session
// (nameID and sessionIndex from the Assertion). binding "" picks redirect
// when the IdP has a redirect sign-out URL.
func (sp *ServiceProvider) LogoutRequest(binding, nameID, nameIDFormat, sessionIndex, relayState string) (*Outbound, error) {
	return sp.LogoutRequestFor(binding, NameID{Value: nameID, Format: nameIDFormat}, sessionIndex, relayState)
}

// LogoutRequestFor is LogoutRequest with the NameID's qualifiers, which
// the IdP may need to find the session.
func (sp *ServiceProvider) LogoutRequestFor(binding string, id NameID, sessionIndex, relayState string) (*Outbound, error) {
	idp := sp.cfg.IdP
	if binding == "" {
		binding = BindingHTTPRedirect
		if idp.SLORedirectURL == "" {
			binding = BindingHTTPPost
		}
	}
	if id.Value == "" {
		return nil, errors.New("saml: logout needs the NameID")
	}
	var to string
	switch binding {
	case BindingHTTPRedirect:
		to = idp.SLORedirectURL
	case BindingHTTPPost:
		to = idp.SLOPostURL
	default:
		return nil, fmt.Errorf("saml: unsupported binding %q", binding)
	}
	if to == "" {
		return nil, errors.New("saml: the IdP has no sign-out URL for this binding")
	}
	s, err := sp.gosaml2("", to)
	if err != nil {
		return nil, err
	}
	if id.Format != "" {
		s.NameIdFormat = id.Format
	}
	doc, err := s.BuildLogoutRequestDocumentNoSig(id.Value, sessionIndex)
	if err != nil {
		return nil, err
	}
	if el := doc.Root().SelectElement("saml:NameID"); el != nil {
		if id.NameQualifier != "" {
			el.CreateAttr("NameQualifier", id.NameQualifier)
		}
		if id.SPNameQualifier != "" {
			el.CreateAttr("SPNameQualifier", id.SPNameQualifier)
		}
	}
	if binding == BindingHTTPRedirect {
		u, err := s.BuildLogoutURLRedirect(relayState, doc)
		if err != nil {
			return nil, err
		}
		return &Outbound{ID: docID(doc), Binding: binding, RedirectURL: u}, nil
	}
	signed, err := s.SignLogoutRequest(doc.Root())
	if err != nil {
		return nil, err
	}
	doc.SetRoot(signed)
	return postMessage(doc, binding, to, relayState)
}

// redirectSignedString is the string an HTTP-Redirect signature covers
// (saml-bindings §3.4.4.1): key, RelayState if any, SigAlg, in that order.
func redirectSignedString(q url.Values, key string) string {
	s := key + "=" + url.QueryEscape(q.Get(key))
	if q.Get("RelayState") != "" {
		s += "&RelayState=" + url.QueryEscape(q.Get("RelayState"))
	}
	return s + "&SigAlg=" + url.QueryEscape(q.Get("SigAlg"))
}
