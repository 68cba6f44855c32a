package wsfed

import (
	"context"
	"crypto/x509"
	"strings"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/canopyhq/canopy/internal/sso/saml"
)

// Namespaces of the messages.
const (
	NSTrust2005 = "http://schemas.xmlsoap.org/ws/2005/02/trust"
	NSTrust13   = "http://docs.oasis-open.org/ws-sx/ws-trust/200512"
	NSSAML11    = "urn:oasis:names:tc:SAML:1.0:assertion"
	NSSAML20    = "urn:oasis:names:tc:SAML:2.0:assertion"
	NSUtility   = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
	NSPolicy    = "http://schemas.xmlsoap.org/ws/2004/09/policy"
	NSDSig      = "http://www.w3.org/2000/09/xmldsig#"
	nsXMLEnc    = "http://www.w3.org/2001/04/xmlenc#"

	// ClaimNameID is the claim holding the assertion's NameIdentifier / NameID.
	ClaimNameID = "NameID"
)

var addressingNS = []string{"http://www.w3.org/2005/08/addressing", "http://schemas.xmlsoap.org/ws/2004/08/addressing"}

// Assertion is what a valid token says about the user.
type Assertion struct {
	ID      string
	Version string // "1.1" or "2.0"
	Issuer  string
	// NameID is the NameIdentifier (SAML 1.1) or NameID (SAML 2.0); empty
	// when the STS sends none (ADFS without a NameID claim rule).
	NameID       string
	NameIDFormat string
	// Attributes by claim URI: SAML 1.1 AttributeNamespace + "/" +
	// AttributeName (http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress),
	// SAML 2.0 Name (and FriendlyName as a second key).
	Attributes map[string][]string
	// NotOnOrAfter is when the token stops being acceptable.
	NotOnOrAfter time.Time
}

// Subject is who the assertion is about: the NameID, else the UPN or the
// email address claim (ADFS sends no NameIdentifier without a rule for it).
func (a *Assertion) Subject() string {
	if a.NameID != "" {
		return a.NameID
	}
	for _, c := range []string{ClaimUPN, ClaimEmail} {
		if v := a.Attributes[c]; len(v) > 0 && v[0] != "" {
			return v[0]
		}
	}
	return ""
}

// Claims are the attributes plus the NameID, as package sso maps them.
func (a *Assertion) Claims() map[string]any {
	out := map[string]any{}
	for k, v := range a.Attributes {
		out[k] = append([]string(nil), v...)
	}
	if a.NameID != "" {
		out[ClaimNameID] = a.NameID
	}
	return out
}

// Claim URIs ADFS sends by default.
const (
	ClaimEmail = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
	ClaimUPN   = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"
)

// ValidateResponse validates wresult, the RequestSecurityTokenResponse the
// STS posted. Every rejection is an *Error whose Reason the caller audits.
//
// Checks, in order: size, XML safety (package saml's parser), shape (one
// RSTR, exactly one assertion in the whole document, inside its
// RequestedSecurityToken; no encrypted tokens; unique IDs; no comments in
// the assertion), the assertion's enveloped signature against the
// configured certificates (only the verified content is read afterwards),
// version, issuer, subject, validity window with skew, audience = realm,
// the RSTR's Lifetime and AppliesTo, and last the replay cache.
func (rp *RelyingParty) ValidateResponse(ctx context.Context, wresult string) (*Assertion, error) {
	if len(wresult) > rp.cfg.MaxMessageSize {
		return nil, fail(ReasonTooLarge, "wresult is %d bytes, limit %d", len(wresult), rp.cfg.MaxMessageSize)
	}
	if strings.TrimSpace(wresult) == "" {
		return nil, fail(ReasonMalformed, "empty wresult")
	}
	doc, err := saml.ParseUntrustedXML([]byte(wresult))
	if err != nil {
		return nil, fromSAML(err)
	}
	rstr, err := findRSTR(doc.Root())
	if err != nil {
		return nil, err
	}
	assertionEl, err := locateAssertion(doc.Root(), rstr)
	if err != nil {
		return nil, err
	}
	verified, err := rp.verify(assertionEl)
	if err != nil {
		return nil, err
	}
	var out *Assertion
	if verified.NamespaceURI() == NSSAML11 {
		out, err = rp.checkSAML11(verified)
	} else {
		out, err = rp.checkSAML20(verified)
	}
	if err != nil {
		return nil, err
	}
	if err := rp.checkRSTR(rstr); err != nil {
		return nil, err
	}
	if err := saml.CheckReplay(ctx, rp.cfg.Replay, out.ID, out.NotOnOrAfter.Add(rp.cfg.ClockSkew)); err != nil {
		return nil, fromSAML(err)
	}
	return out, nil
}

func isTrust(el *etree.Element, tag string) bool {
	ns := el.NamespaceURI()
	return el.Tag == tag && (ns == NSTrust2005 || ns == NSTrust13)
}

// findRSTR returns the RequestSecurityTokenResponse: the root, or the only
// one in a (WS-Trust 1.3) RequestSecurityTokenResponseCollection.
func findRSTR(root *etree.Element) (*etree.Element, error) {
	if isTrust(root, "RequestSecurityTokenResponse") {
		return root, nil
	}
	if !isTrust(root, "RequestSecurityTokenResponseCollection") {
		return nil, fail(ReasonMalformed, "root element is <%s>, not a RequestSecurityTokenResponse", root.Tag)
	}
	var list []*etree.Element
	for _, c := range root.ChildElements() {
		if isTrust(c, "RequestSecurityTokenResponse") {
			list = append(list, c)
		}
	}
	if len(list) != 1 {
		return nil, fail(ReasonWrapping, "the collection holds %d responses, want exactly 1", len(list))
	}
	return list[0], nil
}

// locateAssertion finds the one assertion of the document, which must sit
// in the RSTR's RequestedSecurityToken. Anything else (a second assertion
// anywhere, the signed one moved elsewhere, duplicate IDs) is refused as
// signature wrapping before any signature is looked at.
func locateAssertion(root, rstr *etree.Element) (*etree.Element, error) {
	for _, ns := range []string{NSSAML20, NSSAML11, nsXMLEnc} {
		for _, tag := range []string{"EncryptedAssertion", "EncryptedData"} {
			if len(saml.FindAll(root, ns, tag)) > 0 {
				return nil, fail(ReasonUnsupported, "encrypted tokens are not supported")
			}
		}
	}
	if err := checkIDs(root); err != nil {
		return nil, err
	}
	all := append(saml.FindAll(root, NSSAML11, "Assertion"), saml.FindAll(root, NSSAML20, "Assertion")...)
	switch len(all) {
	case 0:
		return nil, fail(ReasonMalformed, "the response holds no SAML 1.1 or 2.0 assertion")
	case 1:
	default:
		return nil, fail(ReasonWrapping, "the response holds %d assertions, want exactly 1", len(all))
	}
	a := all[0]
	p := a.Parent()
	if p == nil || !isTrust(p, "RequestedSecurityToken") || p.Parent() != rstr || len(p.ChildElements()) != 1 {
		return nil, fail(ReasonWrapping, "the assertion is not the RequestedSecurityToken of the response")
	}
	if saml.HasComment(a) {
		return nil, fail(ReasonComment, "XML comments inside the assertion (NameIdentifier truncation attack)")
	}
	return a, nil
}

// checkIDs refuses a document where an ID value (ID, AssertionID) appears
// twice, which signature wrapping relies on.
func checkIDs(root *etree.Element) error {
	err := saml.CheckUniqueIDs(root, func(a etree.Attr) bool {
		return a.Space == "" && (a.Key == "ID" || a.Key == "AssertionID") || a.Key == "Id"
	})
	if err != nil {
		return fromSAML(err)
	}
	return nil
}

// verify checks the assertion's enveloped signature with each configured
// certificate in turn (the certificate in KeyInfo is never trusted on its
// own) and returns the content as verified.
func (rp *RelyingParty) verify(el *etree.Element) (*etree.Element, error) {
	sigs := saml.Children(el, NSDSig, "Signature")
	switch {
	case len(sigs) == 0:
		return nil, fail(ReasonSignatureMissing, "the assertion is not signed")
	case len(sigs) > 1:
		return nil, fail(ReasonWrapping, "the assertion carries %d signatures", len(sigs))
	}
	detached, err := saml.Detach(el)
	if err != nil {
		return nil, failErr(ReasonMalformed, err, "assertion namespaces")
	}
	idAttr := "ID"
	if el.NamespaceURI() == NSSAML11 {
		idAttr = "AssertionID"
	}
	return verifyWith(detached, idAttr, rp.cfg.STS.Certificates, rp.now())
}

func verifyWith(el *etree.Element, idAttr string, certs []*x509.Certificate, now time.Time) (*etree.Element, error) {
	var lastErr error
	for _, cert := range certs {
		vc := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{cert}})
		vc.IdAttribute = idAttr
		vc.Clock = dsig.NewFakeClockAt(now)
		verified, err := vc.Validate(el)
		if err == nil {
			if verified.Tag != el.Tag || verified.NamespaceURI() != el.NamespaceURI() {
				return nil, fail(ReasonWrapping, "signed content is <%s>, not <%s>", verified.Tag, el.Tag)
			}
			return verified, nil
		}
		lastErr = err
	}
	return nil, failErr(ReasonSignatureInvalid, lastErr, "<%s> signature does not verify with any configured certificate", el.Tag)
}

// checkTimes checks NotBefore / NotOnOrAfter (either may be empty) against
// the clock with skew.
func (rp *RelyingParty) checkTimes(what, notBefore, notOnOrAfter string) (time.Time, error) {
	now, skew := rp.now(), rp.cfg.ClockSkew
	if notBefore != "" {
		nb, err := parseTime(what+" NotBefore", notBefore)
		if err != nil {
			return time.Time{}, err
		}
		if now.Add(skew).Before(nb) {
			return time.Time{}, fail(ReasonNotYetValid, "%s valid from %s", what, notBefore)
		}
	}
	if notOnOrAfter == "" {
		return time.Time{}, nil
	}
	na, err := parseTime(what+" NotOnOrAfter", notOnOrAfter)
	if err != nil {
		return time.Time{}, err
	}
	if !now.Before(na.Add(skew)) {
		return time.Time{}, fail(ReasonExpired, "%s expired at %s", what, notOnOrAfter)
	}
	return na, nil
}

func parseTime(what, v string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(v))
	if err != nil {
		return time.Time{}, failErr(ReasonMalformed, err, "%s %q", what, v)
	}
	return t, nil
}

func (rp *RelyingParty) checkIssuer(issuer string) error {
	if issuer == "" {
		return fail(ReasonMalformed, "the assertion has no issuer")
	}
	if want := rp.cfg.STS.EntityID; want != "" && issuer != want {
		return fail(ReasonIssuer, "assertion issuer %q, want %q", issuer, want)
	}
	return nil
}

func (rp *RelyingParty) checkAudiences(restrictions [][]string) error {
	if len(restrictions) == 0 {
		return fail(ReasonAudience, "the assertion has no audience restriction")
	}
	for _, list := range restrictions {
		ok := false
		for _, a := range list {
			if strings.TrimSpace(a) == rp.Realm() {
				ok = true
			}
		}
		if !ok {
			return fail(ReasonAudience, "the assertion is not for %s", rp.Realm())
		}
	}
	return nil
}

// checkRSTR checks the (unsigned) envelope: its Lifetime and AppliesTo,
// when present, must agree with the clock and the realm. They only ever
// narrow what the signed assertion allows.
func (rp *RelyingParty) checkRSTR(rstr *etree.Element) error {
	for _, lt := range childrenTrust(rstr, "Lifetime") {
		created := text(saml.Children(lt, NSUtility, "Created"))
		expires := text(saml.Children(lt, NSUtility, "Expires"))
		if _, err := rp.checkTimes("token lifetime", created, expires); err != nil {
			return err
		}
	}
	for _, at := range saml.Children(rstr, NSPolicy, "AppliesTo") {
		for _, ns := range addressingNS {
			for _, epr := range saml.Children(at, ns, "EndpointReference") {
				if addr := text(saml.Children(epr, ns, "Address")); addr != "" && addr != rp.Realm() {
					return fail(ReasonAudience, "the response applies to %q, not %s", addr, rp.Realm())
				}
			}
		}
	}
	return nil
}

func childrenTrust(el *etree.Element, tag string) []*etree.Element {
	return append(saml.Children(el, NSTrust2005, tag), saml.Children(el, NSTrust13, tag)...)
}

func text(list []*etree.Element) string {
	if len(list) == 0 {
		return ""
	}
	return strings.TrimSpace(list[0].Text())
}
