package wsfed

import (
	"encoding/xml"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/russellhaering/gosaml2/types"

	"github.com/canopyhq/canopy/internal/sso/saml"
)

const (
	bearer11 = "urn:oasis:names:tc:SAML:1.0:cm:bearer"
	bearer20 = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
)

type nameIdentifier11 struct {
	Format string `xml:"Format,attr"`
	Value  string `xml:",chardata"`
}

type subject11 struct {
	NameIdentifier *nameIdentifier11 `xml:"NameIdentifier"`
	Methods        []string          `xml:"SubjectConfirmation>ConfirmationMethod"`
}

type attribute11 struct {
	Name      string   `xml:"AttributeName,attr"`
	Namespace string   `xml:"AttributeNamespace,attr"`
	Values    []string `xml:"AttributeValue"`
}

// assertion11 is a SAML 1.1 assertion, ADFS's default token.
type assertion11 struct {
	XMLName      xml.Name `xml:"urn:oasis:names:tc:SAML:1.0:assertion Assertion"`
	MajorVersion string   `xml:"MajorVersion,attr"`
	MinorVersion string   `xml:"MinorVersion,attr"`
	AssertionID  string   `xml:"AssertionID,attr"`
	Issuer       string   `xml:"Issuer,attr"`
	Conditions   *struct {
		NotBefore    string     `xml:"NotBefore,attr"`
		NotOnOrAfter string     `xml:"NotOnOrAfter,attr"`
		Audiences    []audience `xml:"AudienceRestrictionCondition"`
	} `xml:"Conditions"`
	AttributeStatements []struct {
		Subject    subject11     `xml:"Subject"`
		Attributes []attribute11 `xml:"Attribute"`
	} `xml:"AttributeStatement"`
	AuthenticationStatements []struct {
		Subject subject11 `xml:"Subject"`
	} `xml:"AuthenticationStatement"`
}

type audience struct {
	Audiences []string `xml:"Audience"`
}

func unmarshalElement(el *etree.Element, v any) error {
	if err := saml.UnmarshalElement(el, v); err != nil {
		return fromSAML(err)
	}
	return nil
}

// ClaimURI joins a SAML 1.1 attribute's namespace and name as the claim
// URI ADFS means (namespace http://schemas.xmlsoap.org/ws/2005/05/identity/claims,
// name emailaddress).
func ClaimURI(namespace, name string) string {
	namespace, name = strings.TrimSpace(namespace), strings.TrimSpace(name)
	if namespace == "" {
		return name
	}
	return strings.TrimRight(namespace, "/") + "/" + name
}

func (rp *RelyingParty) checkSAML11(el *etree.Element) (*Assertion, error) {
	var a assertion11
	if err := unmarshalElement(el, &a); err != nil {
		return nil, err
	}
	if a.MajorVersion != "1" || a.MinorVersion != "1" {
		return nil, fail(ReasonMalformed, "SAML version %s.%s, want 1.1", a.MajorVersion, a.MinorVersion)
	}
	if a.AssertionID == "" {
		return nil, fail(ReasonMalformed, "the assertion has no AssertionID")
	}
	if err := rp.checkIssuer(strings.TrimSpace(a.Issuer)); err != nil {
		return nil, err
	}
	if a.Conditions == nil {
		return nil, fail(ReasonMalformed, "the assertion has no conditions")
	}
	end, err := rp.checkTimes("assertion", a.Conditions.NotBefore, a.Conditions.NotOnOrAfter)
	if err != nil {
		return nil, err
	}
	if end.IsZero() {
		return nil, fail(ReasonMalformed, "the assertion has no NotOnOrAfter")
	}
	var audiences [][]string
	for _, r := range a.Conditions.Audiences {
		audiences = append(audiences, r.Audiences)
	}
	if err := rp.checkAudiences(audiences); err != nil {
		return nil, err
	}
	out := &Assertion{ID: a.AssertionID, Version: "1.1", Issuer: strings.TrimSpace(a.Issuer),
		Attributes: map[string][]string{}, NotOnOrAfter: end}
	var subjects []subject11
	for _, st := range a.AttributeStatements {
		subjects = append(subjects, st.Subject)
		for _, at := range st.Attributes {
			uri := ClaimURI(at.Namespace, at.Name)
			for _, v := range at.Values {
				out.Attributes[uri] = append(out.Attributes[uri], strings.TrimSpace(v))
			}
		}
	}
	for _, st := range a.AuthenticationStatements {
		subjects = append(subjects, st.Subject)
	}
	if err := subject11Of(subjects, out); err != nil {
		return nil, err
	}
	return out, nil
}

// subject11Of takes the NameIdentifier (every statement must name the same
// one) and requires a bearer confirmation.
func subject11Of(subjects []subject11, out *Assertion) error {
	bearerOK := false
	for _, s := range subjects {
		for _, m := range s.Methods {
			if strings.TrimSpace(m) == bearer11 {
				bearerOK = true
			}
		}
		if s.NameIdentifier == nil {
			continue
		}
		v := strings.TrimSpace(s.NameIdentifier.Value)
		if out.NameID != "" && v != out.NameID {
			return fail(ReasonMalformed, "the statements name different subjects")
		}
		out.NameID, out.NameIDFormat = v, s.NameIdentifier.Format
	}
	if !bearerOK {
		return fail(ReasonMalformed, "the assertion has no bearer subject confirmation")
	}
	if out.Subject() == "" {
		return fail(ReasonMalformed, "the assertion names no subject (no NameIdentifier, UPN or email claim)")
	}
	return nil
}

func (rp *RelyingParty) checkSAML20(el *etree.Element) (*Assertion, error) {
	var a types.Assertion
	if err := unmarshalElement(el, &a); err != nil {
		return nil, err
	}
	if a.Version != "2.0" {
		return nil, fail(ReasonMalformed, "SAML version %q, want 2.0", a.Version)
	}
	if a.ID == "" {
		return nil, fail(ReasonMalformed, "the assertion has no ID")
	}
	issuer := ""
	if a.Issuer != nil {
		issuer = strings.TrimSpace(a.Issuer.Value)
	}
	if err := rp.checkIssuer(issuer); err != nil {
		return nil, err
	}
	if a.Subject == nil || a.Subject.SubjectConfirmation == nil || a.Subject.SubjectConfirmation.Method != bearer20 {
		return nil, fail(ReasonMalformed, "the assertion has no bearer subject confirmation")
	}
	end := time.Time{}
	if scd := a.Subject.SubjectConfirmation.SubjectConfirmationData; scd != nil {
		if scd.Recipient != "" && scd.Recipient != rp.ReplyURL() {
			return nil, fail(ReasonRecipient, "recipient %q, want %q", scd.Recipient, rp.ReplyURL())
		}
		var err error
		if end, err = rp.checkTimes("subject confirmation", "", scd.NotOnOrAfter); err != nil {
			return nil, err
		}
	}
	if a.Conditions == nil {
		return nil, fail(ReasonMalformed, "the assertion has no conditions")
	}
	cend, err := rp.checkTimes("assertion", a.Conditions.NotBefore, a.Conditions.NotOnOrAfter)
	if err != nil {
		return nil, err
	}
	if cend.After(end) {
		end = cend
	}
	if end.IsZero() {
		return nil, fail(ReasonMalformed, "the assertion has no NotOnOrAfter")
	}
	var audiences [][]string
	for _, r := range a.Conditions.AudienceRestrictions {
		var list []string
		for _, au := range r.Audiences {
			list = append(list, au.Value)
		}
		audiences = append(audiences, list)
	}
	if err := rp.checkAudiences(audiences); err != nil {
		return nil, err
	}
	out := &Assertion{ID: a.ID, Version: "2.0", Issuer: issuer, Attributes: map[string][]string{}, NotOnOrAfter: end}
	if a.Subject.NameID != nil {
		out.NameID, out.NameIDFormat = strings.TrimSpace(a.Subject.NameID.Value), a.Subject.NameID.Format
	}
	if a.AttributeStatement != nil {
		for _, at := range a.AttributeStatement.Attributes {
			for _, v := range at.Values {
				out.Attributes[at.Name] = append(out.Attributes[at.Name], strings.TrimSpace(v.Value))
				if at.FriendlyName != "" && at.FriendlyName != at.Name {
					out.Attributes[at.FriendlyName] = append(out.Attributes[at.FriendlyName], strings.TrimSpace(v.Value))
				}
			}
		}
	}
	if out.Subject() == "" {
		return nil, fail(ReasonMalformed, "the assertion names no subject (no NameID, UPN or email claim)")
	}
	return out, nil
}
