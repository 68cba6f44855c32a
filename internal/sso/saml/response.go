package saml

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/russellhaering/gosaml2/types"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"
)

const (
	statusSuccess = "urn:oasis:names:tc:SAML:2.0:status:Success"
	bearer        = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
)

// Assertion is what a valid response says about the user.
type Assertion struct {
	ID           string
	Issuer       string
	NameID       string
	NameIDFormat string
	// NameQualifier and SPNameQualifier qualify the NameID; a LogoutRequest
	// repeats them (saml-core §3.7.1).
	NameQualifier, SPNameQualifier string
	// SessionIndex identifies the IdP session, for single logout.
	SessionIndex string
	// Attributes by Name; FriendlyName is added as a second key when set.
	Attributes map[string][]string
	// InResponseTo is empty for an IdP-initiated response.
	InResponseTo string
	IdPInitiated bool
	// NotOnOrAfter is when the assertion stops being acceptable.
	NotOnOrAfter time.Time
	// ResponseSigned and AssertionSigned tell which signatures were present
	// (and valid).
	ResponseSigned  bool
	AssertionSigned bool
}

// decode undoes the HTTP-POST encoding (base64) within the size limit.
func (sp *ServiceProvider) decode(encoded string) ([]byte, error) {
	max := sp.cfg.MaxMessageSize
	// base64 grows data by 4/3; allow line breaks some IdPs insert.
	if len(encoded) > base64.StdEncoding.EncodedLen(max)+max/32+64 {
		return nil, fail(ReasonTooLarge, "encoded message is %d bytes", len(encoded))
	}
	compact := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, encoded)
	raw, err := base64.StdEncoding.DecodeString(compact)
	if err != nil {
		return nil, failErr(ReasonMalformed, err, "not base64")
	}
	if len(raw) > max {
		return nil, fail(ReasonTooLarge, "decoded message is %d bytes, limit %d", len(raw), max)
	}
	if len(raw) == 0 {
		return nil, fail(ReasonMalformed, "empty message")
	}
	return raw, nil
}

// verifyEnveloped checks the enveloped signature of el (a ds:Signature that
// is a direct child of el and references it) against each configured IdP
// certificate in turn. It returns the signed content as verified (never the
// original element), or errNoSignature when el has no direct signature.
func (sp *ServiceProvider) verifyEnveloped(el *etree.Element) (*etree.Element, error) {
	sigs := children(el, nsDSig, "Signature")
	switch {
	case len(sigs) == 0:
		return nil, errNoSignature
	case len(sigs) > 1:
		return nil, fail(ReasonWrapping, "<%s> carries %d signatures", el.Tag, len(sigs))
	}
	var lastErr error
	for _, cert := range sp.cfg.IdP.Certificates {
		ctx := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{cert}})
		ctx.Clock = sp.dsigClock()
		verified, err := ctx.Validate(el)
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

func detach(el *etree.Element) (*etree.Element, error) {
	ctx, err := etreeutils.NSBuildParentContext(el)
	if err != nil {
		return nil, err
	}
	return etreeutils.NSDetatch(ctx, el)
}

// checkIDs refuses documents where an ID attribute value appears twice,
// which signature wrapping relies on.
func checkIDs(root *etree.Element) error {
	return CheckUniqueIDs(root, func(a etree.Attr) bool { return a.Key == "ID" && a.Space == "" })
}

// CheckUniqueIDs refuses (ReasonWrapping) a document where a value of an
// attribute isID accepts appears twice; package wsfed passes its own ID
// attributes (SAML 1.1's AssertionID, XML Signature's Id).
func CheckUniqueIDs(root *etree.Element, isID func(etree.Attr) bool) error {
	seen := map[string]bool{}
	var walk func(*etree.Element) error
	walk = func(e *etree.Element) error {
		for _, a := range e.Attr {
			if isID(a) {
				if seen[a.Value] {
					return fail(ReasonWrapping, "ID %q appears twice", a.Value)
				}
				seen[a.Value] = true
			}
		}
		for _, c := range e.ChildElements() {
			if err := walk(c); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(root)
}

// ValidateResponse validates the SAMLResponse form field posted to the ACS
// URL. requestID is the ID of the AuthnRequest this browser was sent with
// (kept in its session), or "" when there is none. Every rejection is an
// *Error whose Reason the caller should audit.
//
// Checks, in order: size, base64, XML (no DTD, round-trip safe), shape
// (one Assertion, a direct child of Response; no encrypted assertions;
// unique IDs; no comments in the assertion), signatures (Response and/or
// Assertion, against the configured certificates only, with at least the
// Assertion covered), status, issuer, destination and recipient, audience,
// time window with clock skew, InResponseTo / IdP-initiated policy, and last
// the replay cache.
func (sp *ServiceProvider) ValidateResponse(ctx context.Context, samlResponse, requestID string) (*Assertion, error) {
	raw, err := sp.decode(samlResponse)
	if err != nil {
		return nil, err
	}
	doc, err := parseXML(raw)
	if err != nil {
		return nil, err
	}
	root := doc.Root()
	if root.Tag != "Response" || root.NamespaceURI() != nsProtocol {
		return nil, fail(ReasonMalformed, "root element is <%s>, not a samlp:Response", root.Tag)
	}
	if len(findAll(root, nsAssertion, "EncryptedAssertion")) > 0 {
		return nil, fail(ReasonUnsupported, "encrypted assertions are not supported")
	}
	if err := checkIDs(root); err != nil {
		return nil, err
	}
	all := findAll(root, nsAssertion, "Assertion")
	direct := children(root, nsAssertion, "Assertion")
	switch {
	case len(all) == 0:
		// A failed sign-in carries no assertion; report the status first.
		if st := statusOf(root); st != "" && st != statusSuccess {
			return nil, fail(ReasonStatus, "IdP status %s", st)
		}
		return nil, fail(ReasonMalformed, "response has no assertion")
	case len(all) > 1:
		return nil, fail(ReasonWrapping, "response has %d assertions, want exactly 1", len(all))
	case len(direct) != 1:
		return nil, fail(ReasonWrapping, "the assertion is not a direct child of the response")
	}
	if hasComment(direct[0]) {
		return nil, fail(ReasonComment, "XML comments inside the assertion (NameID truncation attack)")
	}

	// Signatures. The Response signature, when present, must verify; the
	// Assertion signature, when present, must verify; at least one must be
	// present. Only the verified content is used from here on.
	var (
		resp            = root
		assertionEl     = direct[0]
		responseSigned  bool
		assertionSigned bool
	)
	if v, err := sp.verifyEnveloped(root); err == nil {
		resp, responseSigned = v, true
		inner := children(v, nsAssertion, "Assertion")
		if len(inner) != 1 {
			return nil, fail(ReasonWrapping, "signed response holds %d assertions", len(inner))
		}
		assertionEl = inner[0]
	} else if err != errNoSignature {
		return nil, err
	}
	detached, err := detach(assertionEl)
	if err != nil {
		return nil, failErr(ReasonMalformed, err, "assertion namespaces")
	}
	if v, err := sp.verifyEnveloped(detached); err == nil {
		assertionEl, assertionSigned = v, true
	} else if err != errNoSignature {
		return nil, err
	} else if !responseSigned {
		return nil, fail(ReasonSignatureMissing, "neither the response nor the assertion is signed")
	} else {
		assertionEl = detached
	}

	var r types.Response
	if err := unmarshalElement(resp, &r); err != nil {
		return nil, err
	}
	var a types.Assertion
	if err := unmarshalElement(assertionEl, &a); err != nil {
		return nil, err
	}
	out, err := sp.checkResponse(&r, &a)
	if err != nil {
		return nil, err
	}
	out.ResponseSigned, out.AssertionSigned = responseSigned, assertionSigned
	if err := sp.checkInResponseTo(&r, &a, requestID, out); err != nil {
		return nil, err
	}
	if err := CheckReplay(ctx, sp.cfg.Replay, out.ID, out.NotOnOrAfter.Add(sp.cfg.ClockSkew)); err != nil {
		return nil, err
	}
	return out, nil
}

func statusOf(root *etree.Element) string {
	for _, st := range children(root, nsProtocol, "Status") {
		for _, c := range children(st, nsProtocol, "StatusCode") {
			return c.SelectAttrValue("Value", "")
		}
	}
	return ""
}

// UnmarshalElement decodes one element of a parsed document with
// encoding/xml (ReasonMalformed when it does not fit v); package wsfed
// reads its tokens with it.
func UnmarshalElement(el *etree.Element, v any) error { return unmarshalElement(el, v) }

func unmarshalElement(el *etree.Element, v any) error {
	doc := etree.NewDocument()
	doc.SetRoot(el.Copy())
	b, err := doc.WriteToBytes()
	if err != nil {
		return failErr(ReasonMalformed, err, "serialising <%s>", el.Tag)
	}
	if err := xml.Unmarshal(b, v); err != nil {
		return failErr(ReasonMalformed, err, "<%s>", el.Tag)
	}
	return nil
}

func parseTime(attr, v string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, failErr(ReasonMalformed, err, "%s %q", attr, v)
	}
	return t, nil
}

func (sp *ServiceProvider) checkResponse(r *types.Response, a *types.Assertion) (*Assertion, error) {
	if r.Version != "2.0" || a.Version != "2.0" {
		return nil, fail(ReasonMalformed, "SAML version is not 2.0")
	}
	if r.Status == nil || r.Status.StatusCode == nil {
		return nil, fail(ReasonMalformed, "response has no status")
	}
	if r.Status.StatusCode.Value != statusSuccess {
		return nil, fail(ReasonStatus, "IdP status %s", r.Status.StatusCode.Value)
	}
	if a.ID == "" {
		return nil, fail(ReasonMalformed, "assertion has no ID")
	}
	if a.Issuer == nil || strings.TrimSpace(a.Issuer.Value) == "" {
		return nil, fail(ReasonMalformed, "assertion has no issuer")
	}
	if want := sp.cfg.IdP.EntityID; want != "" {
		if strings.TrimSpace(a.Issuer.Value) != want {
			return nil, fail(ReasonIssuer, "assertion issuer %q, want %q", a.Issuer.Value, want)
		}
		if r.Issuer != nil && strings.TrimSpace(r.Issuer.Value) != want {
			return nil, fail(ReasonIssuer, "response issuer %q, want %q", r.Issuer.Value, want)
		}
	}
	// Destination is optional for unsigned responses in the spec, but when
	// present it must name us.
	if r.Destination != "" && r.Destination != sp.ACSURL() {
		return nil, fail(ReasonRecipient, "response destination %q, want %q", r.Destination, sp.ACSURL())
	}
	if a.Subject == nil || a.Subject.NameID == nil || strings.TrimSpace(a.Subject.NameID.Value) == "" {
		return nil, fail(ReasonMalformed, "assertion has no subject NameID")
	}
	sc := a.Subject.SubjectConfirmation
	if sc == nil || sc.Method != bearer || sc.SubjectConfirmationData == nil {
		return nil, fail(ReasonMalformed, "assertion has no bearer subject confirmation")
	}
	scd := sc.SubjectConfirmationData
	if scd.Recipient != sp.ACSURL() {
		return nil, fail(ReasonRecipient, "recipient %q, want %q", scd.Recipient, sp.ACSURL())
	}
	now, skew := sp.now(), sp.cfg.ClockSkew
	if scd.NotOnOrAfter == "" {
		return nil, fail(ReasonMalformed, "subject confirmation has no NotOnOrAfter")
	}
	scdEnd, err := parseTime("NotOnOrAfter", scd.NotOnOrAfter)
	if err != nil {
		return nil, err
	}
	if !now.Before(scdEnd.Add(skew)) {
		return nil, fail(ReasonExpired, "subject confirmation expired at %s", scd.NotOnOrAfter)
	}
	end := scdEnd
	c := a.Conditions
	if c == nil {
		return nil, fail(ReasonMalformed, "assertion has no conditions")
	}
	if c.NotBefore != "" {
		nb, err := parseTime("NotBefore", c.NotBefore)
		if err != nil {
			return nil, err
		}
		if now.Add(skew).Before(nb) {
			return nil, fail(ReasonNotYetValid, "assertion valid from %s", c.NotBefore)
		}
	}
	if c.NotOnOrAfter != "" {
		na, err := parseTime("NotOnOrAfter", c.NotOnOrAfter)
		if err != nil {
			return nil, err
		}
		if !now.Before(na.Add(skew)) {
			return nil, fail(ReasonExpired, "assertion expired at %s", c.NotOnOrAfter)
		}
		if na.After(end) {
			end = na
		}
	}
	if len(c.AudienceRestrictions) == 0 {
		return nil, fail(ReasonAudience, "assertion has no audience restriction")
	}
	for _, ar := range c.AudienceRestrictions {
		ok := false
		for _, au := range ar.Audiences {
			if strings.TrimSpace(au.Value) == sp.EntityID() {
				ok = true
			}
		}
		if !ok {
			return nil, fail(ReasonAudience, "assertion is not for %s", sp.EntityID())
		}
	}
	out := &Assertion{
		ID:            a.ID,
		Issuer:        strings.TrimSpace(a.Issuer.Value),
		NameID:        strings.TrimSpace(a.Subject.NameID.Value),
		NameIDFormat:  a.Subject.NameID.Format,
		NameQualifier: a.Subject.NameID.NameQualifier, SPNameQualifier: a.Subject.NameID.SPNameQualifier,
		Attributes:   map[string][]string{},
		NotOnOrAfter: end,
	}
	if a.AuthnStatement != nil {
		out.SessionIndex = a.AuthnStatement.SessionIndex
	}
	if a.AttributeStatement != nil {
		for _, at := range a.AttributeStatement.Attributes {
			var vals []string
			for _, v := range at.Values {
				if v.NameID != nil {
					vals = append(vals, strings.TrimSpace(v.NameID.Value))
				} else {
					vals = append(vals, strings.TrimSpace(v.Value))
				}
			}
			out.Attributes[at.Name] = append(out.Attributes[at.Name], vals...)
			if at.FriendlyName != "" && at.FriendlyName != at.Name {
				out.Attributes[at.FriendlyName] = append(out.Attributes[at.FriendlyName], vals...)
			}
		}
	}
	return out, nil
}

func (sp *ServiceProvider) checkInResponseTo(r *types.Response, a *types.Assertion, requestID string, out *Assertion) error {
	scdIRT := a.Subject.SubjectConfirmation.SubjectConfirmationData.InResponseTo
	if r.InResponseTo != "" && scdIRT != "" && r.InResponseTo != scdIRT {
		return fail(ReasonInResponseTo, "response and assertion answer different requests")
	}
	// The SubjectConfirmationData value is covered by the assertion
	// signature; the Response attribute only counts when the Response
	// itself is signed.
	irt := scdIRT
	if irt == "" && out.ResponseSigned {
		irt = r.InResponseTo
	}
	if irt == "" {
		if !sp.cfg.AllowIdPInitiated {
			return fail(ReasonUnsolicited, "IdP-initiated sign-in is not allowed for this connection")
		}
		out.IdPInitiated = true
		return nil
	}
	if requestID == "" || irt != requestID {
		return fail(ReasonInResponseTo, "response answers request %q, expected %q", irt, requestID)
	}
	out.InResponseTo = irt
	return nil
}
