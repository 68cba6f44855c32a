package wsfed

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/canopyhq/canopy/internal/sso/saml"
)

// Metadata namespaces.
const (
	NSMetadata   = "urn:oasis:names:tc:SAML:2.0:metadata"
	NSFederation = "http://docs.oasis-open.org/wsfed/federation/200706"
	nsXSI        = "http://www.w3.org/2001/XMLSchema-instance"
)

// MaxMetadataSize caps federation metadata documents.
const MaxMetadataSize = 1 << 20

// Metadata is what federation metadata says about the STS.
type Metadata struct {
	STSSettings
	// Signed tells whether the document carried a signature (which then
	// verified).
	Signed bool
}

// ParseMetadata reads FederationMetadata.xml: the EntityDescriptor's
// entityID, the RoleDescriptor of xsi:type fed:SecurityTokenServiceType
// (exactly one), its fed:PassiveRequestorEndpoint address and every
// use="signing" (or unqualified) certificate. A signature on the document
// must verify; it is checked against trusted when given (certificates the
// administrator pinned), else against the document's own signing
// certificates, which detects tampering but cannot prove who published it
// — the URL's TLS does that. Only the signed content is read then.
func ParseMetadata(data []byte, trusted []*x509.Certificate) (Metadata, error) {
	if len(data) > MaxMetadataSize {
		return Metadata{}, fail(ReasonTooLarge, "metadata is larger than %d bytes", MaxMetadataSize)
	}
	doc, err := saml.ParseUntrustedXML(data)
	if err != nil {
		return Metadata{}, fromSAML(err)
	}
	root := doc.Root()
	if root.Tag != "EntityDescriptor" || root.NamespaceURI() != NSMetadata {
		return Metadata{}, fail(ReasonMalformed, "metadata root is <%s>, not an EntityDescriptor", root.Tag)
	}
	if err := checkIDs(root); err != nil {
		return Metadata{}, err
	}
	md, err := readMetadata(root)
	if err != nil {
		return Metadata{}, err
	}
	sigs := saml.Children(root, NSDSig, "Signature")
	switch {
	case len(sigs) == 0:
		return md, nil
	case len(sigs) > 1:
		return Metadata{}, fail(ReasonWrapping, "the metadata carries %d signatures", len(sigs))
	}
	certs := trusted
	if len(certs) == 0 {
		certs = md.Certificates
	}
	verified, err := verifyWith(root, "ID", certs, time.Now())
	if err != nil {
		return Metadata{}, err
	}
	if md, err = readMetadata(verified); err != nil {
		return Metadata{}, err
	}
	md.Signed = true
	return md, nil
}

func readMetadata(root *etree.Element) (Metadata, error) {
	var roles []*etree.Element
	for _, rd := range saml.Children(root, NSMetadata, "RoleDescriptor") {
		if isSTSRole(rd) {
			roles = append(roles, rd)
		}
	}
	if len(roles) != 1 {
		return Metadata{}, fail(ReasonMalformed, "metadata describes %d security token services, want exactly 1", len(roles))
	}
	rd := roles[0]
	md := Metadata{STSSettings: STSSettings{EntityID: strings.TrimSpace(root.SelectAttrValue("entityID", ""))}}
	if md.EntityID == "" {
		// Required by the metadata schema; tokens are checked against it.
		return Metadata{}, fail(ReasonMalformed, "the metadata's EntityDescriptor has no entityID")
	}
	for _, ep := range saml.Children(rd, NSFederation, "PassiveRequestorEndpoint") {
		for _, ns := range addressingNS {
			for _, epr := range saml.Children(ep, ns, "EndpointReference") {
				if a := text(saml.Children(epr, ns, "Address")); a != "" && md.SignInURL == "" {
					md.SignInURL = a
				}
			}
		}
	}
	for _, kd := range saml.Children(rd, NSMetadata, "KeyDescriptor") {
		if use := kd.SelectAttrValue("use", ""); use != "" && use != "signing" {
			continue
		}
		for _, xc := range saml.FindAll(kd, NSDSig, "X509Certificate") {
			var err error
			if md.Certificates, err = saml.AddMetadataCertificate(md.Certificates, xc.Text()); err != nil {
				return Metadata{}, fromSAML(err)
			}
		}
	}
	if err := md.check(); err != nil {
		return Metadata{}, &Error{Reason: ReasonMalformed, Detail: "metadata", Err: err}
	}
	return md, nil
}

// isSTSRole tells a RoleDescriptor of xsi:type fed:SecurityTokenServiceType.
// The prefix is resolved where it is declared; canonicalised (signed)
// content may have moved the declaration to the children using it, so an
// unresolvable prefix falls back to the local name plus a federation
// PassiveRequestorEndpoint.
func isSTSRole(rd *etree.Element) bool {
	var typ string
	for _, a := range rd.Attr {
		if a.Key == "type" && (a.Space == "xsi" || resolvePrefix(rd, a.Space) == nsXSI) {
			typ = a.Value
		}
	}
	prefix, local, ok := strings.Cut(typ, ":")
	if !ok {
		prefix, local = "", typ
	}
	if local != "SecurityTokenServiceType" {
		return false
	}
	if ns := resolvePrefix(rd, prefix); ns != "" {
		return ns == NSFederation
	}
	return len(saml.Children(rd, NSFederation, "PassiveRequestorEndpoint")) > 0
}

func resolvePrefix(el *etree.Element, prefix string) string {
	for e := el; e != nil; e = e.Parent() {
		for _, a := range e.Attr {
			if (prefix != "" && a.Space == "xmlns" && a.Key == prefix) || (prefix == "" && a.Space == "" && a.Key == "xmlns") {
				return a.Value
			}
		}
	}
	return ""
}

// FetchMetadata downloads federation metadata: GET with a timeout (10 s
// if 0), only http(s), non-200 an error, the body capped at
// MaxMetadataSize. It returns the document as fetched (to cache) and what
// ParseMetadata read from it.
func FetchMetadata(ctx context.Context, client *http.Client, metadataURL string, timeout time.Duration,
	trusted []*x509.Certificate) ([]byte, Metadata, error) {
	if err := checkHTTPURL(metadataURL); err != nil {
		return nil, Metadata{}, err
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
		return nil, Metadata{}, err
	}
	req.Header.Set("Accept", "application/samlmetadata+xml, application/xml, text/xml")
	res, err := client.Do(req)
	if err != nil {
		return nil, Metadata{}, fmt.Errorf("wsfed: fetching metadata: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, Metadata{}, fmt.Errorf("wsfed: fetching metadata: HTTP %d", res.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, MaxMetadataSize+1))
	if err != nil {
		return nil, Metadata{}, fmt.Errorf("wsfed: reading metadata: %w", err)
	}
	md, err := ParseMetadata(body, trusted)
	return body, md, err
}

// ManualSTS builds STS settings entered by hand: the passive endpoint and
// one or more PEM certificates (package saml's reader: certificates only).
func ManualSTS(entityID, signInURL, certificatesPEM string) (STSSettings, error) {
	if strings.TrimSpace(signInURL) == "" {
		return STSSettings{}, fmt.Errorf("wsfed: the STS sign-in URL is required")
	}
	certs, err := saml.ParseCertificatesPEM(certificatesPEM)
	if err != nil {
		return STSSettings{}, fmt.Errorf("wsfed: %s", strings.TrimPrefix(err.Error(), "saml: "))
	}
	s := STSSettings{EntityID: strings.TrimSpace(entityID), SignInURL: strings.TrimSpace(signInURL), Certificates: certs}
	return s, s.check()
}
