package saml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"

	"github.com/beevik/etree"
	rtvalidator "github.com/mattermost/xml-roundtrip-validator"
)

const (
	nsProtocol  = "urn:oasis:names:tc:SAML:2.0:protocol"
	nsAssertion = "urn:oasis:names:tc:SAML:2.0:assertion"
	nsMetadata  = "urn:oasis:names:tc:SAML:2.0:metadata"
	nsDSig      = "http://www.w3.org/2000/09/xmldsig#"

	maxXMLTokens = 50000
	maxXMLDepth  = 64
)

// parseXML parses an untrusted document. It refuses DTDs (and so entity
// declarations), documents that do not survive an encoding/xml round trip
// (the known namespace and attribute tricks), more than maxXMLTokens tokens
// and nesting deeper than maxXMLDepth.
func parseXML(data []byte) (*etree.Document, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	tokens, depth, roots := 0, 0, 0
	for {
		tok, err := dec.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, failErr(ReasonMalformed, err, "not well-formed XML")
		}
		tokens++
		if tokens > maxXMLTokens {
			return nil, fail(ReasonTooLarge, "more than %d XML tokens", maxXMLTokens)
		}
		switch t := tok.(type) {
		case xml.Directive:
			return nil, fail(ReasonMalformed, "DTDs and entity declarations are not accepted")
		case xml.StartElement:
			if depth == 0 {
				roots++
			}
			depth++
			if depth > maxXMLDepth {
				return nil, fail(ReasonMalformed, "XML nested deeper than %d", maxXMLDepth)
			}
		case xml.EndElement:
			depth--
		case xml.ProcInst:
			if t.Target != "xml" {
				return nil, fail(ReasonMalformed, "processing instruction %q not accepted", t.Target)
			}
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(t)) > 0 {
				return nil, fail(ReasonMalformed, "text outside the root element")
			}
		}
	}
	if roots != 1 {
		return nil, fail(ReasonMalformed, "document has %d root elements", roots)
	}
	if err := rtvalidator.Validate(bytes.NewReader(data)); err != nil {
		return nil, failErr(ReasonMalformed, err, "XML round-trip check")
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(data); err != nil {
		return nil, failErr(ReasonMalformed, err, "XML")
	}
	if doc.Root() == nil {
		return nil, fail(ReasonMalformed, "no root element")
	}
	return doc, nil
}

// findAll returns every element below (and including) el with the given
// namespace and local name.
func findAll(el *etree.Element, ns, tag string) []*etree.Element {
	var out []*etree.Element
	var walk func(*etree.Element)
	walk = func(e *etree.Element) {
		if e.Tag == tag && e.NamespaceURI() == ns {
			out = append(out, e)
		}
		for _, c := range e.ChildElements() {
			walk(c)
		}
	}
	walk(el)
	return out
}

// children returns the direct children of el with the given namespace and
// local name.
func children(el *etree.Element, ns, tag string) []*etree.Element {
	var out []*etree.Element
	for _, c := range el.ChildElements() {
		if c.Tag == tag && c.NamespaceURI() == ns {
			out = append(out, c)
		}
	}
	return out
}

// hasComment reports whether el or anything below it holds an XML comment.
func hasComment(el *etree.Element) bool {
	for _, t := range el.Child {
		switch c := t.(type) {
		case *etree.Comment:
			return true
		case *etree.Element:
			if hasComment(c) {
				return true
			}
		}
	}
	return false
}

var errNoSignature = errors.New("no enveloped signature")

// ParseUntrustedXML is the hardened parser used for every message and
// metadata document of this package, exported for the other XML protocols
// of single sign-on (package wsfed): DTDs, entity declarations, processing
// instructions, several roots, nesting deeper than 64 levels, more than
// 50 000 tokens and documents that do not round-trip through encoding/xml
// are refused with an *Error (ReasonMalformed or ReasonTooLarge). The
// caller caps the size of data.
func ParseUntrustedXML(data []byte) (*etree.Document, error) { return parseXML(data) }

// FindAll returns every element at or below el with the namespace and local name.
func FindAll(el *etree.Element, ns, tag string) []*etree.Element { return findAll(el, ns, tag) }

// Children returns the direct children of el with the namespace and local name.
func Children(el *etree.Element, ns, tag string) []*etree.Element { return children(el, ns, tag) }

// HasComment reports whether el or anything below it holds an XML comment.
func HasComment(el *etree.Element) bool { return hasComment(el) }

// Detach copies el out of its document with the namespace declarations it
// inherits, so that its signature can be verified on its own.
func Detach(el *etree.Element) (*etree.Element, error) { return detach(el) }
