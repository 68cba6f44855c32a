package sso

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/sso/saml"
	"github.com/canopyhq/canopy/internal/sso/wsfed"
	"github.com/canopyhq/canopy/internal/store"
)

// WSFedSettings are the settings of the wsfed kind (WS-Federation, ADFS).
// The STS is described by its federation metadata (MetadataURL, cached and
// refreshed on a schedule so certificate rollover needs no step, or
// MetadataXML) or by hand (SignInURL, the passive endpoint such as
// https://adfs.example.com/adfs/ls/, and the PEM token-signing
// certificates; Issuer optional). Realm is the wtrealm and the audience
// tokens must name; empty: urn:canopy:{connection}.
type WSFedSettings struct {
	MetadataURL  string `json:"metadata_url,omitempty"`
	MetadataXML  string `json:"metadata_xml,omitempty"`
	SignInURL    string `json:"sign_in_url,omitempty"`
	Certificates string `json:"certificates,omitempty"`
	Issuer       string `json:"issuer,omitempty"`
	Realm        string `json:"realm,omitempty"`
	SingleLogout *bool  `json:"single_logout,omitempty"` // false: sign out of Canopy only
}

// IsWSFed reports whether a kind signs in with WS-Federation.
func IsWSFed(kind string) bool { return kind == KindWSFed }

// DefaultRealm is a connection's realm when none is set.
func DefaultRealm(connectionID string) string { return "urn:canopy:" + connectionID }

// cleanWSFedSettings checks the wsfed settings field by field; strict (the
// connection is enabled) requires an STS.
func cleanWSFedSettings(raw json.RawMessage, strict bool) (json.RawMessage, error) {
	var st WSFedSettings
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&st); err != nil {
		return nil, domain.FieldError("settings", "The settings are not valid: %v", err)
	}
	st.MetadataURL, st.MetadataXML = strings.TrimSpace(st.MetadataURL), strings.TrimSpace(st.MetadataXML)
	st.SignInURL, st.Certificates = strings.TrimSpace(st.SignInURL), strings.TrimSpace(st.Certificates)
	st.Issuer, st.Realm = strings.TrimSpace(st.Issuer), strings.TrimSpace(st.Realm)
	if st.MetadataURL != "" && st.MetadataXML != "" {
		return nil, domain.FieldError("metadata_url", "Give the federation metadata either as a URL or as XML, not both.")
	}
	metadata := st.MetadataURL != "" || st.MetadataXML != ""
	if metadata && (st.SignInURL != "" || st.Certificates != "" || st.Issuer != "") {
		field := "sign_in_url"
		if st.SignInURL == "" {
			field = map[bool]string{true: "certificates", false: "issuer"}[st.Certificates != ""]
		}
		return nil, domain.FieldError(field, "The federation metadata names the STS's sign-in URL, issuer and certificates: "+
			"leave the fields entered by hand empty, or remove the metadata.")
	}
	if st.Realm != "" {
		if u, err := url.Parse(st.Realm); err != nil || u.Scheme == "" || len(st.Realm) > 512 || strings.ContainsAny(st.Realm, " \t\r\n") {
			return nil, domain.FieldError("realm", "The realm must be a URI such as urn:canopy:contoso or https://canopy.example.com/ (at most 512 characters).")
		}
	}
	for field, u := range map[string]string{"metadata_url": st.MetadataURL, "sign_in_url": st.SignInURL} {
		if u != "" {
			if err := checkURL(u); err != nil {
				return nil, domain.FieldError(field, "Enter the URL of the STS: %v", err)
			}
		}
	}
	if st.Certificates != "" {
		if _, err := saml.ParseCertificatesPEM(st.Certificates); err != nil {
			return nil, domain.FieldError("certificates", "The STS's token-signing certificates: %s", strings.TrimPrefix(err.Error(), "saml: "))
		}
	}
	switch {
	case st.MetadataXML != "":
		if _, err := wsfed.ParseMetadata([]byte(st.MetadataXML), nil); err != nil {
			return nil, domain.FieldError("metadata_xml", "The federation metadata cannot be used: %s", strings.TrimPrefix(err.Error(), "wsfed: "))
		}
	case st.MetadataURL != "":
	case strict || st.SignInURL != "" || st.Certificates != "":
		if _, err := wsfed.ManualSTS(st.Issuer, st.SignInURL, st.Certificates); err != nil {
			field := "sign_in_url"
			if st.SignInURL != "" {
				field = "certificates"
			}
			return nil, domain.FieldError(field, "Give the STS's federation metadata (URL or XML), or its sign-in URL and "+
				"token-signing certificates (PEM): %s", strings.TrimPrefix(err.Error(), "wsfed: "))
		}
	}
	return json.Marshal(st)
}

func wsfedSettings(c store.SSOConnection) (WSFedSettings, error) {
	var st WSFedSettings
	err := json.Unmarshal(c.Settings, &st)
	return st, err
}

// relyingParty builds the WS-Federation relying party of a connection: the
// STS from metadata (by URL: the cached document, fetched only when there
// is none yet) or from the settings entered by hand, and the database
// replay cache.
func (s *Service) relyingParty(ctx context.Context, c store.SSOConnection) (*wsfed.RelyingParty, error) {
	if !IsWSFed(c.Kind) {
		return nil, errors.New("sso: not a WS-Federation connection")
	}
	st, err := wsfedSettings(c)
	if err != nil {
		return nil, err
	}
	var sts wsfed.STSSettings
	switch {
	case st.MetadataXML != "":
		var md wsfed.Metadata
		md, err = wsfed.ParseMetadata([]byte(st.MetadataXML), nil)
		sts = md.STSSettings
	case st.MetadataURL != "":
		var doc []byte
		if doc, err = s.cachedMetadata(ctx, c, st.MetadataURL); err == nil {
			var md wsfed.Metadata
			md, err = wsfed.ParseMetadata(doc, nil)
			sts = md.STSSettings
		}
	default:
		sts, err = wsfed.ManualSTS(st.Issuer, st.SignInURL, st.Certificates)
	}
	if err != nil {
		return nil, err
	}
	return wsfed.New(wsfed.Config{Connection: c.ID, BaseURL: s.BaseURL, Realm: st.Realm, STS: sts,
		Replay: ReplayCache{Store: s.Store, OrgID: c.OrgID, ConnectionID: c.ID}})
}
