package saml

import (
	"bytes"
	"compress/flate"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/beevik/etree"
)

// MaxMessageAge bounds how old (by IssueInstant) a logout message may be.
const MaxMessageAge = 10 * time.Minute

// LogoutRequestInfo is an IdP-initiated LogoutRequest that passed
// validation: end the Canopy sessions of NameID (restricted to
// SessionIndexes when not empty), then answer with LogoutResponse(ID).
type LogoutRequestInfo struct {
	ID             string
	NameID         string
	SessionIndexes []string
	RelayState     string
	Binding        string
}

type logoutRequestXML struct {
	XMLName      xml.Name `xml:"urn:oasis:names:tc:SAML:2.0:protocol LogoutRequest"`
	ID           string   `xml:"ID,attr"`
	Version      string   `xml:"Version,attr"`
	IssueInstant string   `xml:"IssueInstant,attr"`
	Destination  string   `xml:"Destination,attr"`
	NotOnOrAfter string   `xml:"NotOnOrAfter,attr"`
	Issuer       *struct {
		Value string `xml:",chardata"`
	} `xml:"urn:oasis:names:tc:SAML:2.0:assertion Issuer"`
	NameID *struct {
		Value string `xml:",chardata"`
	} `xml:"urn:oasis:names:tc:SAML:2.0:assertion NameID"`
	SessionIndexes []string `xml:"urn:oasis:names:tc:SAML:2.0:protocol SessionIndex"`
}

type logoutResponseXML struct {
	XMLName      xml.Name `xml:"urn:oasis:names:tc:SAML:2.0:protocol LogoutResponse"`
	ID           string   `xml:"ID,attr"`
	Version      string   `xml:"Version,attr"`
	IssueInstant string   `xml:"IssueInstant,attr"`
	Destination  string   `xml:"Destination,attr"`
	InResponseTo string   `xml:"InResponseTo,attr"`
	Issuer       *struct {
		Value string `xml:",chardata"`
	} `xml:"urn:oasis:names:tc:SAML:2.0:assertion Issuer"`
	Status *struct {
		StatusCode *struct {
			Value string `xml:"Value,attr"`
			// Second-level status, e.g. PartialLogout (saml-core §3.7.3.2).
			StatusCode *struct {
				Value string `xml:"Value,attr"`
			} `xml:"urn:oasis:names:tc:SAML:2.0:protocol StatusCode"`
		} `xml:"urn:oasis:names:tc:SAML:2.0:protocol StatusCode"`
	} `xml:"urn:oasis:names:tc:SAML:2.0:protocol Status"`
}

const statusPartialLogout = "urn:oasis:names:tc:SAML:2.0:status:PartialLogout"

// inbound decodes a logout message (POST: base64 with an enveloped
// signature; Redirect: the raw query string, deflated, signed in the query)
// and returns its verified root element.
func (sp *ServiceProvider) inbound(binding, param, value string, wantRoot string) (*etree.Element, string, error) {
	var (
		raw        []byte
		relayState string
		signedByQS bool
	)
	switch binding {
	case BindingHTTPPost:
		b, err := sp.decode(value)
		if err != nil {
			return nil, "", err
		}
		raw = b
	case BindingHTTPRedirect:
		b, rs, err := sp.verifyRedirect(param, value)
		if err != nil {
			return nil, "", err
		}
		raw, relayState, signedByQS = b, rs, true
	default:
		return nil, "", fmt.Errorf("saml: unsupported binding %q", binding)
	}
	doc, err := parseXML(raw)
	if err != nil {
		return nil, "", err
	}
	root := doc.Root()
	if root.Tag != wantRoot || root.NamespaceURI() != nsProtocol {
		return nil, "", fail(ReasonMalformed, "root element is <%s>, not samlp:%s", root.Tag, wantRoot)
	}
	if err := checkIDs(root); err != nil {
		return nil, "", err
	}
	if hasComment(root) {
		return nil, "", fail(ReasonComment, "XML comments inside the %s", wantRoot)
	}
	if signedByQS {
		if len(children(root, nsDSig, "Signature")) > 0 {
			// A redirect message must not carry an enveloped signature too;
			// verify it anyway rather than ignore it.
			if _, err := sp.verifyEnveloped(root); err != nil {
				return nil, "", err
			}
		}
		return root, relayState, nil
	}
	v, err := sp.verifyEnveloped(root)
	if err == errNoSignature {
		return nil, "", fail(ReasonSignatureMissing, "%s is not signed", wantRoot)
	}
	if err != nil {
		return nil, "", err
	}
	return v, "", nil
}

// verifyRedirect checks the SigAlg/Signature of an HTTP-Redirect message
// over the parameters exactly as they were encoded in rawQuery, then
// inflates the message within the size limit.
func (sp *ServiceProvider) verifyRedirect(param, rawQuery string) ([]byte, string, error) {
	if len(rawQuery) > 2*base64.StdEncoding.EncodedLen(sp.cfg.MaxMessageSize) {
		return nil, "", fail(ReasonTooLarge, "query string is %d bytes", len(rawQuery))
	}
	rawVals := map[string]string{}
	for _, kv := range strings.Split(rawQuery, "&") {
		k, v, _ := strings.Cut(kv, "=")
		if _, dup := rawVals[k]; dup && (k == param || k == "RelayState" || k == "SigAlg" || k == "Signature") {
			return nil, "", fail(ReasonMalformed, "parameter %s repeated", k)
		}
		rawVals[k] = v
	}
	msg, ok := rawVals[param]
	if !ok || msg == "" {
		return nil, "", fail(ReasonMalformed, "no %s parameter", param)
	}
	rawSigAlg, hasAlg := rawVals["SigAlg"]
	rawSig, hasSig := rawVals["Signature"]
	if !hasAlg || !hasSig {
		return nil, "", fail(ReasonSignatureMissing, "redirect message has no SigAlg/Signature")
	}
	signed := param + "=" + msg
	if rs, ok := rawVals["RelayState"]; ok {
		signed += "&RelayState=" + rs
	}
	signed += "&SigAlg=" + rawSigAlg
	sigAlg, err1 := url.QueryUnescape(rawSigAlg)
	sigB64, err2 := url.QueryUnescape(rawSig)
	msgB64, err3 := url.QueryUnescape(msg)
	relayState, err4 := url.QueryUnescape(rawVals["RelayState"])
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return nil, "", failErr(ReasonMalformed, err, "query encoding")
	}
	var algo x509.SignatureAlgorithm
	switch sigAlg {
	case SigAlgRSASHA256:
		algo = x509.SHA256WithRSA
	case SigAlgRSASHA1:
		algo = x509.SHA1WithRSA
	default:
		return nil, "", fail(ReasonUnsupported, "SigAlg %q", sigAlg)
	}
	sig, err := base64.StdEncoding.DecodeString(sigB64)
	if err != nil {
		return nil, "", failErr(ReasonSignatureInvalid, err, "signature is not base64")
	}
	verified := false
	now := sp.now()
	for _, c := range sp.cfg.IdP.Certificates {
		if now.Before(c.NotBefore) || now.After(c.NotAfter) {
			continue
		}
		if c.CheckSignature(algo, []byte(signed), sig) == nil {
			verified = true
			break
		}
	}
	if !verified {
		return nil, "", fail(ReasonSignatureInvalid, "redirect signature does not verify with any configured certificate")
	}
	deflated, err := base64.StdEncoding.DecodeString(msgB64)
	if err != nil {
		return nil, "", failErr(ReasonMalformed, err, "not base64")
	}
	max := sp.cfg.MaxMessageSize
	raw, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(deflated)), int64(max)+1))
	if err != nil {
		return nil, "", failErr(ReasonMalformed, err, "not deflated")
	}
	if len(raw) > max {
		return nil, "", fail(ReasonTooLarge, "inflated message exceeds %d bytes", max)
	}
	return raw, relayState, nil
}

func (sp *ServiceProvider) checkFreshness(issueInstant string) error {
	if issueInstant == "" {
		return fail(ReasonMalformed, "no IssueInstant")
	}
	t, err := parseTime("IssueInstant", issueInstant)
	if err != nil {
		return err
	}
	now, skew := sp.now(), sp.cfg.ClockSkew
	if now.Add(skew).Before(t) {
		return fail(ReasonNotYetValid, "issued in the future (%s)", issueInstant)
	}
	if now.Sub(t) > MaxMessageAge+skew {
		return fail(ReasonExpired, "issued at %s", issueInstant)
	}
	return nil
}

func (sp *ServiceProvider) checkLogoutIssuer(issuer string) error {
	issuer = strings.TrimSpace(issuer)
	if issuer == "" {
		return fail(ReasonMalformed, "no issuer")
	}
	if want := sp.cfg.IdP.EntityID; want != "" && issuer != want {
		return fail(ReasonIssuer, "issuer %q, want %q", issuer, want)
	}
	return nil
}

// ValidateLogoutResponse validates the IdP's answer to our LogoutRequest.
// value is the SAMLResponse form field (BindingHTTPPost) or the raw query
// string (BindingHTTPRedirect, r.URL.RawQuery). requestID is the ID of the
// LogoutRequest we sent.
func (sp *ServiceProvider) ValidateLogoutResponse(binding, value, requestID string) error {
	el, _, err := sp.inbound(binding, "SAMLResponse", value, "LogoutResponse")
	if err != nil {
		return err
	}
	var r logoutResponseXML
	if err := unmarshalElement(el, &r); err != nil {
		return err
	}
	if r.Version != "2.0" {
		return fail(ReasonMalformed, "SAML version is not 2.0")
	}
	if r.Issuer == nil {
		return fail(ReasonMalformed, "no issuer")
	}
	if err := sp.checkLogoutIssuer(r.Issuer.Value); err != nil {
		return err
	}
	if r.Destination != "" && r.Destination != sp.SLOURL() {
		return fail(ReasonRecipient, "destination %q, want %q", r.Destination, sp.SLOURL())
	}
	if err := sp.checkFreshness(r.IssueInstant); err != nil {
		return err
	}
	if r.InResponseTo == "" {
		return fail(ReasonUnsolicited, "logout response answers no request")
	}
	if requestID == "" || r.InResponseTo != requestID {
		return fail(ReasonInResponseTo, "logout response answers %q, expected %q", r.InResponseTo, requestID)
	}
	if r.Status == nil || r.Status.StatusCode == nil {
		return fail(ReasonMalformed, "no status")
	}
	if r.Status.StatusCode.Value != statusSuccess {
		return fail(ReasonStatus, "IdP status %s", r.Status.StatusCode.Value)
	}
	if sub := r.Status.StatusCode.StatusCode; sub != nil && sub.Value == statusPartialLogout {
		return fail(ReasonPartialLogout, "the IdP could not end every session")
	}
	return nil
}

// ValidateLogoutRequest validates a LogoutRequest sent by the IdP (another
// application signed the user out). value is the SAMLRequest form field
// (BindingHTTPPost) or the raw query string (BindingHTTPRedirect). The
// request ID goes through the replay cache.
func (sp *ServiceProvider) ValidateLogoutRequest(ctx context.Context, binding, value string) (*LogoutRequestInfo, error) {
	el, relayState, err := sp.inbound(binding, "SAMLRequest", value, "LogoutRequest")
	if err != nil {
		return nil, err
	}
	var r logoutRequestXML
	if err := unmarshalElement(el, &r); err != nil {
		return nil, err
	}
	if r.Version != "2.0" || r.ID == "" {
		return nil, fail(ReasonMalformed, "not a SAML 2.0 request with an ID")
	}
	if r.Issuer == nil {
		return nil, fail(ReasonMalformed, "no issuer")
	}
	if err := sp.checkLogoutIssuer(r.Issuer.Value); err != nil {
		return nil, err
	}
	if r.Destination != "" && r.Destination != sp.SLOURL() {
		return nil, fail(ReasonRecipient, "destination %q, want %q", r.Destination, sp.SLOURL())
	}
	if err := sp.checkFreshness(r.IssueInstant); err != nil {
		return nil, err
	}
	until := sp.now().Add(MaxMessageAge + sp.cfg.ClockSkew)
	if r.NotOnOrAfter != "" {
		t, err := parseTime("NotOnOrAfter", r.NotOnOrAfter)
		if err != nil {
			return nil, err
		}
		if !sp.now().Before(t.Add(sp.cfg.ClockSkew)) {
			return nil, fail(ReasonExpired, "logout request expired at %s", r.NotOnOrAfter)
		}
	}
	if r.NameID == nil || strings.TrimSpace(r.NameID.Value) == "" {
		return nil, fail(ReasonMalformed, "logout request has no NameID (EncryptedID is not supported)")
	}
	replayed, err := sp.cfg.Replay.Seen(ctx, "logout:"+r.ID, until)
	if err != nil {
		return nil, failErr(ReasonReplayCache, err, "replay cache")
	}
	if replayed {
		return nil, fail(ReasonReplayed, "logout request %s was already used", r.ID)
	}
	info := &LogoutRequestInfo{ID: r.ID, NameID: strings.TrimSpace(r.NameID.Value), RelayState: relayState, Binding: binding}
	for _, s := range r.SessionIndexes {
		if s = strings.TrimSpace(s); s != "" {
			info.SessionIndexes = append(info.SessionIndexes, s)
		}
	}
	return info, nil
}

// LogoutResponse builds our signed, successful answer to an IdP
// LogoutRequest.
func (sp *ServiceProvider) LogoutResponse(binding, inResponseTo, relayState string) (*Outbound, error) {
	idp := sp.cfg.IdP
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
	if binding == BindingHTTPPost {
		doc, err := s.BuildLogoutResponseDocument(statusSuccess, inResponseTo)
		if err != nil {
			return nil, err
		}
		out, err := postMessage(doc, binding, to, relayState)
		if err != nil {
			return nil, err
		}
		out.Fields["SAMLResponse"] = out.Fields["SAMLRequest"]
		delete(out.Fields, "SAMLRequest")
		return out, nil
	}
	doc, err := s.BuildLogoutResponseDocumentNoSig(statusSuccess, inResponseTo)
	if err != nil {
		return nil, err
	}
	xmlBytes, err := doc.WriteToBytes()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.DefaultCompression)
	if _, err := fw.Write(xmlBytes); err != nil {
		return nil, err
	}
	if err := fw.Close(); err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Set("SAMLResponse", base64.StdEncoding.EncodeToString(buf.Bytes()))
	if relayState != "" {
		q.Set("RelayState", relayState)
	}
	q.Set("SigAlg", sp.cfg.SignatureAlgorithm)
	sig, err := s.SigningContext().SignString(redirectSignedString(q, "SAMLResponse"))
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(to)
	if err != nil {
		return nil, err
	}
	raw := redirectSignedString(q, "SAMLResponse") + "&Signature=" + url.QueryEscape(base64.StdEncoding.EncodeToString(sig))
	if u.RawQuery != "" {
		raw = u.RawQuery + "&" + raw
	}
	u.RawQuery = raw
	return &Outbound{ID: docID(doc), Binding: binding, RedirectURL: u.String()}, nil
}
