package wsfedtest

import (
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/canopyhq/canopy/internal/domain"
)

// Namespaces of the tokens.
const (
	nsTrust   = "http://schemas.xmlsoap.org/ws/2005/02/trust"
	nsSAML11  = "urn:oasis:names:tc:SAML:1.0:assertion"
	nsSAML20  = "urn:oasis:names:tc:SAML:2.0:assertion"
	nsUtility = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
	nsPolicy  = "http://schemas.xmlsoap.org/ws/2004/09/policy"
	nsAddr    = "http://www.w3.org/2005/08/addressing"

	// ClaimsNS is the namespace of ADFS's claim URIs.
	ClaimsNS = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims"
	// GroupClaim is ADFS's group claim.
	GroupClaim = "http://schemas.xmlsoap.org/claims/Group"
)

// Attribute is one claim of a token: SAML 1.1 AttributeNamespace and
// AttributeName (SAML 2.0: Namespace + "/" + Name as the Name).
type Attribute struct {
	Namespace, Name string
	Values          []string
}

// Token describes an assertion to issue. Zero times take now − 1 min and
// now + 1 h; an empty ID a random one.
type Token struct {
	ID           string
	Issuer       string
	Audience     string // the realm
	NameID       string
	NoNameID     bool // no NameIdentifier (ADFS without a NameID rule)
	Attributes   []Attribute
	NotBefore    time.Time
	NotOnOrAfter time.Time
	SAML2        bool
	Recipient    string // SAML 2.0 SubjectConfirmationData Recipient
	// Lifetime of the RSTR; zero: the assertion's window.
	Created, Expires time.Time
	AppliesTo        string // default: Audience
}

func (t *Token) defaults(now time.Time) {
	if t.ID == "" {
		t.ID = "_" + domain.NewID("")
	}
	if t.NotBefore.IsZero() {
		t.NotBefore = now.Add(-time.Minute)
	}
	if t.NotOnOrAfter.IsZero() {
		t.NotOnOrAfter = now.Add(time.Hour)
	}
	if t.Created.IsZero() {
		t.Created = t.NotBefore
	}
	if t.Expires.IsZero() {
		t.Expires = t.NotOnOrAfter
	}
	if t.AppliesTo == "" {
		t.AppliesTo = t.Audience
	}
}

func ts(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// Assertion builds the unsigned assertion element of t.
func (t Token) Assertion(now time.Time) *etree.Element {
	t.defaults(now)
	if t.SAML2 {
		return t.assertion20(now)
	}
	a := etree.NewElement("saml:Assertion")
	a.CreateAttr("xmlns:saml", nsSAML11)
	a.CreateAttr("MajorVersion", "1")
	a.CreateAttr("MinorVersion", "1")
	a.CreateAttr("AssertionID", t.ID)
	a.CreateAttr("Issuer", t.Issuer)
	a.CreateAttr("IssueInstant", ts(now))
	c := a.CreateElement("saml:Conditions")
	c.CreateAttr("NotBefore", ts(t.NotBefore))
	c.CreateAttr("NotOnOrAfter", ts(t.NotOnOrAfter))
	if t.Audience != "" {
		c.CreateElement("saml:AudienceRestrictionCondition").CreateElement("saml:Audience").SetText(t.Audience)
	}
	st := a.CreateElement("saml:AttributeStatement")
	t.subject11(st)
	for _, at := range t.Attributes {
		e := st.CreateElement("saml:Attribute")
		e.CreateAttr("AttributeName", at.Name)
		e.CreateAttr("AttributeNamespace", at.Namespace)
		for _, v := range at.Values {
			e.CreateElement("saml:AttributeValue").SetText(v)
		}
	}
	au := a.CreateElement("saml:AuthenticationStatement")
	au.CreateAttr("AuthenticationMethod", "urn:oasis:names:tc:SAML:1.0:am:password")
	au.CreateAttr("AuthenticationInstant", ts(now))
	t.subject11(au)
	return a
}

func (t Token) subject11(parent *etree.Element) {
	s := parent.CreateElement("saml:Subject")
	if !t.NoNameID {
		n := s.CreateElement("saml:NameIdentifier")
		n.CreateAttr("Format", "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress")
		n.SetText(t.NameID)
	}
	s.CreateElement("saml:SubjectConfirmation").CreateElement("saml:ConfirmationMethod").SetText("urn:oasis:names:tc:SAML:1.0:cm:bearer")
}

func (t Token) assertion20(now time.Time) *etree.Element {
	a := etree.NewElement("saml2:Assertion")
	a.CreateAttr("xmlns:saml2", nsSAML20)
	a.CreateAttr("ID", t.ID)
	a.CreateAttr("Version", "2.0")
	a.CreateAttr("IssueInstant", ts(now))
	a.CreateElement("saml2:Issuer").SetText(t.Issuer)
	s := a.CreateElement("saml2:Subject")
	if !t.NoNameID {
		s.CreateElement("saml2:NameID").SetText(t.NameID)
	}
	sc := s.CreateElement("saml2:SubjectConfirmation")
	sc.CreateAttr("Method", "urn:oasis:names:tc:SAML:2.0:cm:bearer")
	scd := sc.CreateElement("saml2:SubjectConfirmationData")
	scd.CreateAttr("NotOnOrAfter", ts(t.NotOnOrAfter))
	if t.Recipient != "" {
		scd.CreateAttr("Recipient", t.Recipient)
	}
	c := a.CreateElement("saml2:Conditions")
	c.CreateAttr("NotBefore", ts(t.NotBefore))
	c.CreateAttr("NotOnOrAfter", ts(t.NotOnOrAfter))
	if t.Audience != "" {
		c.CreateElement("saml2:AudienceRestriction").CreateElement("saml2:Audience").SetText(t.Audience)
	}
	st := a.CreateElement("saml2:AttributeStatement")
	for _, at := range t.Attributes {
		e := st.CreateElement("saml2:Attribute")
		e.CreateAttr("Name", at.Namespace+"/"+at.Name)
		for _, v := range at.Values {
			e.CreateElement("saml2:AttributeValue").SetText(v)
		}
	}
	as := a.CreateElement("saml2:AuthnStatement")
	as.CreateAttr("AuthnInstant", ts(now))
	as.CreateElement("saml2:AuthnContext").CreateElement("saml2:AuthnContextClassRef").
		SetText("urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport")
	return a
}

// Sign adds an enveloped signature (RSA-SHA256, exclusive c14n, the
// certificate in KeyInfo) to a SAML 1.1 or 2.0 assertion, or to any
// element identified by its ID attribute.
func Sign(el *etree.Element, key *rsa.PrivateKey, cert *x509.Certificate) (*etree.Element, error) {
	ctx, err := dsig.NewSigningContext(key, [][]byte{cert.Raw})
	if err != nil {
		return nil, err
	}
	if el.SelectAttr("AssertionID") != nil {
		ctx.IdAttribute = "AssertionID"
	}
	// Exclusive canonicalisation, as ADFS signs: the assertion verifies
	// wherever it is embedded.
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	if err := ctx.SetSignatureMethod(dsig.RSASHA256SignatureMethod); err != nil {
		return nil, err
	}
	return ctx.SignEnveloped(el)
}

// RSTR wraps a (signed) assertion in the RequestSecurityTokenResponse ADFS
// posts as wresult.
func (t Token) RSTR(assertion *etree.Element, now time.Time) *etree.Element {
	t.defaults(now)
	r := etree.NewElement("t:RequestSecurityTokenResponse")
	r.CreateAttr("xmlns:t", nsTrust)
	lt := r.CreateElement("t:Lifetime")
	cr := lt.CreateElement("wsu:Created")
	cr.CreateAttr("xmlns:wsu", nsUtility)
	cr.SetText(ts(t.Created))
	ex := lt.CreateElement("wsu:Expires")
	ex.CreateAttr("xmlns:wsu", nsUtility)
	ex.SetText(ts(t.Expires))
	at := r.CreateElement("wsp:AppliesTo")
	at.CreateAttr("xmlns:wsp", nsPolicy)
	epr := at.CreateElement("wsa:EndpointReference")
	epr.CreateAttr("xmlns:wsa", nsAddr)
	epr.CreateElement("wsa:Address").SetText(t.AppliesTo)
	r.CreateElement("t:RequestedSecurityToken").AddChild(assertion)
	tt := "urn:oasis:names:tc:SAML:1.0:assertion"
	if t.SAML2 {
		tt = "urn:oasis:names:tc:SAML:2.0:assertion"
	}
	r.CreateElement("t:TokenType").SetText(tt)
	r.CreateElement("t:RequestType").SetText("http://schemas.xmlsoap.org/ws/2005/02/trust/Issue")
	r.CreateElement("t:KeyType").SetText("http://schemas.xmlsoap.org/ws/2005/05/identity/NoProofKey")
	return r
}

// Issue builds, signs and wraps a token: the wresult to post.
func (t Token) Issue(key *rsa.PrivateKey, cert *x509.Certificate, now time.Time) (string, error) {
	t.defaults(now)
	signed, err := Sign(t.Assertion(now), key, cert)
	if err != nil {
		return "", err
	}
	return Serialize(t.RSTR(signed, now))
}

// Serialize writes an element as a document.
func Serialize(el *etree.Element) (string, error) {
	doc := etree.NewDocument()
	doc.SetRoot(el)
	s, err := doc.WriteToString()
	if err != nil {
		return "", fmt.Errorf("wsfedtest: %w", err)
	}
	return s, nil
}
