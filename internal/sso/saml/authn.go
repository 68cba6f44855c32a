package saml

import (
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
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
// bindings), the signing certificate and the NameID formats.
func (sp *ServiceProvider) Metadata() ([]byte, error) {
	ed := &types.EntityDescriptor{
		ValidUntil: sp.now().UTC().Add(7 * 24 * time.Hour).Truncate(time.Second),
		EntityID:   sp.EntityID(),
		SPSSODescriptor: &types.SPSSODescriptor{
			AuthnRequestsSigned:        true,
			WantAssertionsSigned:       true,
			ProtocolSupportEnumeration: nsProtocol,
			KeyDescriptors: []types.KeyDescriptor{{
				Use: "signing",
				KeyInfo: dsigtypes.KeyInfo{X509Data: dsigtypes.X509Data{X509Certificates: []dsigtypes.X509Certificate{{
					Data: base64.StdEncoding.EncodeToString(sp.cfg.SigningCert.Raw),
				}}}},
			}},
			SingleLogoutServices: []types.Endpoint{
				{Binding: BindingHTTPRedirect, Location: sp.SLOURL()},
				{Binding: BindingHTTPPost, Location: sp.SLOURL()},
			},
			NameIDFormats: append([]string(nil), sp.cfg.NameIDFormats...),
			AssertionConsumerServices: []types.IndexedEndpoint{{
				Binding: BindingHTTPPost, Location: sp.ACSURL(), Index: 1,
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
