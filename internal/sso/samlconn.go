package sso

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/keyvault"
	"github.com/canopyhq/canopy/internal/sso/saml"
	"github.com/canopyhq/canopy/internal/store"
)

// SAMLSettings are the settings of the saml and pingfederate kinds. The
// identity provider is described by its metadata (MetadataXML, or
// MetadataURL fetched at each sign-in so certificate rollover needs no
// step) or by hand (SignInURL, or for PingFederate its base URL, and the
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
	SingleLogout       *bool  `json:"single_logout,omitempty"`  // false: sign out of Canopy only
	SPCertificate      string `json:"sp_certificate,omitempty"` // set by Canopy
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
	st.SPCertificate = "" // Canopy's, never taken from input
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

// ensureSPKey gives a SAML connection its signing key and certificate the
// first time, and keeps them afterwards (old holds the stored settings).
func (s *Service) ensureSPKey(c *store.SSOConnection, old json.RawMessage) error {
	var prev, st SAMLSettings
	_ = json.Unmarshal(old, &prev)
	if err := json.Unmarshal(c.Settings, &st); err != nil {
		return err
	}
	st.SPCertificate = prev.SPCertificate
	if c.SealedSecret == "" || st.SPCertificate == "" {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
		if err != nil {
			return err
		}
		tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: "urn:canopy:" + c.ID},
			NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(10, 0, 0),
			KeyUsage: x509.KeyUsageDigitalSignature}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			return err
		}
		keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: mustPKCS8(key)})
		if c.SealedSecret, err = keyvault.SealString(s.Vault, string(keyPEM), spKeyAAD(c.OrgID, c.ID)); err != nil {
			return err
		}
		st.SPCertificate = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	}
	var err error
	c.Settings, err = json.Marshal(st)
	return err
}

func mustPKCS8(key *rsa.PrivateKey) []byte {
	b, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		panic(err) // an RSA key always marshals
	}
	return b
}

// samlSettings reads a SAML connection's settings.
func samlSettings(c store.SSOConnection) (SAMLSettings, error) {
	var st SAMLSettings
	err := json.Unmarshal(c.Settings, &st)
	return st, err
}

// serviceProvider builds the SAML service provider of a connection: its
// sealed key opened, the identity provider read from metadata (fetched
// when given by URL) or from the settings entered by hand, and the
// database replay cache.
func (s *Service) serviceProvider(ctx context.Context, c store.SSOConnection) (*saml.ServiceProvider, SAMLSettings, error) {
	st, err := samlSettings(c)
	if err != nil {
		return nil, st, err
	}
	if !isSAML(c.Kind) || c.SealedSecret == "" || st.SPCertificate == "" {
		return nil, st, errors.New("sso: not a SAML connection with a signing key")
	}
	keyPEM, err := keyvault.OpenString(s.Vault, c.SealedSecret, spKeyAAD(c.OrgID, c.ID))
	if err != nil {
		return nil, st, err
	}
	kb, _ := pem.Decode([]byte(keyPEM))
	cb, _ := pem.Decode([]byte(st.SPCertificate))
	if kb == nil || cb == nil {
		return nil, st, errors.New("sso: the SAML signing key or certificate is damaged")
	}
	key, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		return nil, st, err
	}
	rsaKey, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, st, errors.New("sso: the SAML signing key is not RSA")
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, st, err
	}
	var idp saml.IdPSettings
	switch {
	case st.MetadataXML != "":
		idp, err = saml.ParseIdPMetadata([]byte(st.MetadataXML))
	case st.MetadataURL != "":
		idp, err = saml.FetchIdPMetadata(ctx, s.client(), st.MetadataURL, 0)
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
	sp, err := saml.New(saml.Config{Connection: c.ID, BaseURL: s.BaseURL, IdP: idp, SigningKey: rsaKey, SigningCert: cert,
		SignatureAlgorithm: alg, AllowIdPInitiated: st.AllowIdPInitiated,
		Replay: ReplayCache{Store: s.Store, OrgID: c.OrgID, ConnectionID: c.ID}})
	return sp, st, err
}

// SPMetadata is the SAML service-provider metadata of a connection, public
// (identity providers and their administrators read it); not found for
// other kinds and for SAML connections whose identity provider is not set
// up yet.
func (s *Service) SPMetadata(ctx context.Context, connectionID string) ([]byte, error) {
	c, err := s.Store.FindSSOConnection(ctx, connectionID)
	if err != nil {
		return nil, err
	}
	if !isSAML(c.Kind) {
		return nil, &domain.Error{Code: domain.CodeNotFound, Message: "SAML connection not found"}
	}
	sp, _, err := s.serviceProvider(ctx, c)
	if err != nil {
		return nil, &domain.Error{Code: domain.CodeNotFound, Message: "the connection's identity provider is not set up yet"}
	}
	return sp.Metadata()
}
