package sso

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"strings"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/sso/saml"
	"github.com/canopyhq/canopy/internal/store"
)

// SAMLSettings are the settings of the saml and pingfederate kinds. The
// identity provider is described by its metadata (MetadataXML, or
// MetadataURL, cached in the database and refreshed hourly and on save so
// certificate rollover needs no step) or by hand (SignInURL, or for PingFederate its base URL, and the
// PEM signing certificates). SPCertificate is Canopy's own signing
// certificate, generated with the connection; its private key is sealed
// with the key vault in the connection's secret.
type SAMLSettings struct {
	MetadataURL        string `json:"metadata_url,omitempty"`
	MetadataXML        string `json:"metadata_xml,omitempty"`
	IdPEntityID        string `json:"idp_entity_id,omitempty"`
	SignInURL          string `json:"sign_in_url,omitempty"`
	SignOutURL         string `json:"sign_out_url,omitempty"`
	PingFederateURL    string `json:"pingfederate_url,omitempty"` // pingfederate by hand: the server's base URL
	Certificates       string `json:"certificates,omitempty"`     // PEM, several for rollover
	SignatureAlgorithm string `json:"signature_algorithm,omitempty"`
	Binding            string `json:"binding,omitempty"`
	AllowIdPInitiated  bool   `json:"allow_idp_initiated,omitempty"`
	NameIDFormat       string `json:"name_id_format,omitempty"` // asked for in AuthnRequests: email, persistent, transient, unspecified (default)
	SingleLogout       *bool  `json:"single_logout,omitempty"`  // false: sign out of Canopy only
	// Set by Canopy, never taken from input: the certificate that signs,
	// and during a key rotation the next one (announced) and the previous
	// one (still published).
	SPCertificate         string `json:"sp_certificate,omitempty"`
	SPNextCertificate     string `json:"sp_next_certificate,omitempty"`
	SPPreviousCertificate string `json:"sp_previous_certificate,omitempty"`
}

// NameIDFormats are the NameID formats a connection can ask for, by the
// key stored in SAMLSettings.NameIDFormat.
var NameIDFormats = []struct{ Key, Label, URN string }{
	{"unspecified", "Unspecified (the identity provider chooses)", saml.NameIDFormatUnspecified},
	{"email", "Email address", saml.NameIDFormatEmail},
	{"persistent", "Persistent (opaque, stable)", saml.NameIDFormatPersistent},
	{"transient", "Transient (new each sign-in)", saml.NameIDFormatTransient},
}

func nameIDFormatURN(key string) (string, bool) {
	if key == "" {
		return saml.NameIDFormatUnspecified, true
	}
	for _, f := range NameIDFormats {
		if f.Key == key {
			return f.URN, true
		}
	}
	return "", false
}

// Signature algorithms and bindings as stored in SAMLSettings.
const (
	SAMLSigSHA256       = "rsa-sha256"
	SAMLSigSHA1         = "rsa-sha1"
	SAMLBindingRedirect = "redirect"
	SAMLBindingPost     = "post"
)

// WarnIdPInitiated is shown with a connection that accepts IdP-initiated
// sign-in.
const WarnIdPInitiated = "IdP-initiated sign-in is allowed: Canopy accepts responses it did not ask for, so a sign-in " +
	"cannot be tied to this browser (login CSRF). Allow it only when people start at the identity provider's portal."

func isSAML(kind string) bool { return kind == KindSAML || kind == KindPingFederate }

func spKeyAAD(orgID, id string) string { return "sso-saml-key:" + orgID + ":" + id }

// cleanSAMLSettings checks the settings of a SAML kind. strict (the
// connection is enabled) requires an identity provider.
func cleanSAMLSettings(kind string, raw json.RawMessage, strict bool) (json.RawMessage, error) {
	var st SAMLSettings
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&st); err != nil {
		return nil, domain.FieldError("settings", "The settings are not valid: %v", err)
	}
	// Canopy's, never taken from input.
	st.SPCertificate, st.SPNextCertificate, st.SPPreviousCertificate = "", "", ""
	st.NameIDFormat = strings.TrimSpace(st.NameIDFormat)
	if st.NameIDFormat == "unspecified" {
		st.NameIDFormat = ""
	}
	if _, ok := nameIDFormatURN(st.NameIDFormat); !ok {
		return nil, domain.FieldError("name_id_format", "Choose the NameID format: unspecified, email, persistent or transient.")
	}
	st.MetadataURL = strings.TrimSpace(st.MetadataURL)
	st.MetadataXML = strings.TrimSpace(st.MetadataXML)
	st.IdPEntityID = strings.TrimSpace(st.IdPEntityID)
	st.SignInURL = strings.TrimSpace(st.SignInURL)
	st.SignOutURL = strings.TrimSpace(st.SignOutURL)
	st.PingFederateURL = strings.TrimRight(strings.TrimSpace(st.PingFederateURL), "/")
	st.Certificates = strings.TrimSpace(st.Certificates)
	if kind != KindPingFederate {
		st.PingFederateURL = ""
	}
	switch st.SignatureAlgorithm {
	case "":
		st.SignatureAlgorithm = SAMLSigSHA256
	case SAMLSigSHA256, SAMLSigSHA1:
	default:
		return nil, domain.FieldError("signature_algorithm", "Choose rsa-sha256 (recommended) or rsa-sha1 for signing requests.")
	}
	switch st.Binding {
	case "":
		st.Binding = SAMLBindingRedirect
	case SAMLBindingRedirect, SAMLBindingPost:
	default:
		return nil, domain.FieldError("binding", "Choose how requests go to the identity provider: redirect or post.")
	}
	if st.MetadataURL != "" && st.MetadataXML != "" {
		return nil, domain.FieldError("metadata_url", "Give the identity provider's metadata either as a URL or as XML, not both.")
	}
	for field, u := range map[string]string{"metadata_url": st.MetadataURL, "sign_in_url": st.SignInURL,
		"sign_out_url": st.SignOutURL, "pingfederate_url": st.PingFederateURL} {
		if u != "" {
			if err := checkURL(u); err != nil {
				return nil, domain.FieldError(field, "Enter the URL of the identity provider: %v", err)
			}
		}
	}
	if st.Certificates != "" {
		if _, err := saml.ParseCertificatesPEM(st.Certificates); err != nil {
			return nil, domain.FieldError("certificates", "The identity provider's certificates: %s", strings.TrimPrefix(err.Error(), "saml: "))
		}
	}
	switch {
	case st.MetadataXML != "":
		if _, err := saml.ParseIdPMetadata([]byte(st.MetadataXML)); err != nil {
			return nil, domain.FieldError("metadata_xml", "The identity provider's metadata cannot be used: %s", strings.TrimPrefix(err.Error(), "saml: "))
		}
	case st.MetadataURL != "":
	case strict || st.SignInURL != "" || st.PingFederateURL != "" || st.Certificates != "":
		if _, err := manualIdP(kind, st); err != nil {
			field := "sign_in_url"
			if st.SignInURL != "" || st.PingFederateURL != "" {
				field = "certificates"
			}
			return nil, domain.FieldError(field, "Give the identity provider's metadata (URL or XML), or its sign-in URL and "+
				"signing certificates (PEM): %s", strings.TrimPrefix(err.Error(), "saml: "))
		}
	}
	return json.Marshal(st)
}

func manualIdP(kind string, st SAMLSettings) (saml.IdPSettings, error) {
	if kind == KindPingFederate && st.SignInURL == "" && st.PingFederateURL != "" {
		return saml.PingFederateIdP(st.PingFederateURL, st.IdPEntityID, st.Certificates)
	}
	return saml.ManualIdP(st.IdPEntityID, st.SignInURL, st.SignOutURL, st.Certificates)
}

// samlSettings reads a SAML connection's settings.
func samlSettings(c store.SSOConnection) (SAMLSettings, error) {
	var st SAMLSettings
	err := json.Unmarshal(c.Settings, &st)
	return st, err
}

// serviceProvider builds the SAML service provider of a connection: its
// sealed key opened, the identity provider read from metadata (by URL:
// the cached document, fetched only when there is none yet) or from the settings entered by hand, and the
// database replay cache.
func (s *Service) serviceProvider(ctx context.Context, c store.SSOConnection) (*saml.ServiceProvider, SAMLSettings, error) {
	st, err := samlSettings(c)
	if err != nil {
		return nil, st, err
	}
	if !isSAML(c.Kind) || c.SealedSecret == "" || st.SPCertificate == "" {
		return nil, st, errors.New("sso: not a SAML connection with a signing key")
	}
	keys, err := s.openSPKeys(c, st)
	if err != nil {
		return nil, st, err
	}
	var idp saml.IdPSettings
	switch {
	case st.MetadataXML != "":
		idp, err = saml.ParseIdPMetadata([]byte(st.MetadataXML))
	case st.MetadataURL != "":
		var doc []byte
		if doc, err = s.cachedMetadata(ctx, c, st.MetadataURL); err == nil {
			idp, err = saml.ParseIdPMetadata(doc)
		}
	default:
		idp, err = manualIdP(c.Kind, st)
	}
	if err != nil {
		return nil, st, err
	}
	alg := saml.SigAlgRSASHA256
	if st.SignatureAlgorithm == SAMLSigSHA1 {
		alg = saml.SigAlgRSASHA1
	}
	nameID, _ := nameIDFormatURN(st.NameIDFormat)
	sp, err := saml.New(saml.Config{Connection: c.ID, BaseURL: s.BaseURL, IdP: idp, SigningKey: keys[SPKeyCurrent].key,
		SigningCert: keys[SPKeyCurrent].cert, OtherCertificates: keys.others(), NameIDFormat: nameID,
		SignatureAlgorithm: alg, AllowIdPInitiated: st.AllowIdPInitiated,
		Replay: ReplayCache{Store: s.Store, OrgID: c.OrgID, ConnectionID: c.ID}})
	return sp, st, err
}

// SPMetadata is the SAML service-provider metadata of a connection, public
// (identity providers and their administrators read it); not found for
// other kinds. It is built from Canopy's side alone, so it is there as
// soon as the connection exists: the identity provider's administrator
// usually needs it before handing over the provider's own settings.
func (s *Service) SPMetadata(ctx context.Context, connectionID string) ([]byte, error) {
	c, err := s.Store.FindSSOConnection(ctx, connectionID)
	if err != nil {
		return nil, err
	}
	if !isSAML(c.Kind) {
		return nil, &domain.Error{Code: domain.CodeNotFound, Message: "SAML connection not found"}
	}
	st, err := samlSettings(c)
	if err != nil {
		return nil, err
	}
	keys, err := s.openSPKeys(c, st)
	if err != nil {
		return nil, err
	}
	return saml.SPMetadata(saml.SPMetadataConfig{Connection: c.ID, BaseURL: s.BaseURL,
		Certificates: append([]*x509.Certificate{keys[SPKeyCurrent].cert}, keys.others()...)})
}
