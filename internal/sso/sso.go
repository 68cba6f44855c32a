// Package sso is enterprise single sign-on: an organisation's connections
// to its identity providers, the email domains sent to each (home-realm
// discovery), claim mapping, OpenID Connect sign-in (generic and Azure AD)
// SAML 2.0 / PingFederate sign-in (messages and validation by package
// sso/saml, its replay cache in the database) and WS-Federation (ADFS)
// sign-in (package sso/wsfed); identity provider metadata given by URL is
// cached and refreshed by a periodic job.
package sso

import (
	"net/http"
	"time"

	"github.com/canopyhq/canopy/internal/keyvault"
	"github.com/canopyhq/canopy/internal/store"
)

// Connection kinds.
const (
	KindOIDC         = "oidc"
	KindAzureAD      = "azure-ad"
	KindSAML         = "saml"
	KindPingFederate = "pingfederate"
	KindWSFed        = "wsfed"
)

// Kinds lists every kind with its label, in the order forms show them.
var Kinds = []struct{ Key, Label string }{
	{KindOIDC, "OpenID Connect"},
	{KindAzureAD, "Microsoft Entra ID (Azure AD)"},
	{KindSAML, "SAML 2.0"},
	{KindPingFederate, "PingFederate"},
	{KindWSFed, "WS-Federation (ADFS)"},
}

// KindLabel returns the label of a kind.
func KindLabel(kind string) string {
	for _, k := range Kinds {
		if k.Key == kind {
			return k.Label
		}
	}
	return kind
}

// StateTTL is how long a sign-in started at an identity provider may take.
const StateTTL = 10 * time.Minute

// Service manages connections and runs sign-ins.
type Service struct {
	Store   *store.Store
	Vault   keyvault.KeyVault
	BaseURL string       // Canopy's public URL, for the callback
	HTTP    *http.Client // for discovery, keys and the token endpoint; nil: a 15-second client
}

func (s *Service) client() *http.Client {
	if s.HTTP != nil {
		return s.HTTP
	}
	return &http.Client{Timeout: 15 * time.Second}
}

// MetadataURL is where a SAML connection's SP metadata is published.
func (s *Service) MetadataURL(connectionID string) string {
	return s.BaseURL + "/login/metadata?connection=" + connectionID
}

// CallbackURL is where the identity provider sends people back.
func (s *Service) CallbackURL(connectionID string) string {
	return s.BaseURL + "/login/callback?connection=" + connectionID
}

func secretAAD(orgID, id string) string      { return "sso-secret:" + orgID + ":" + id }
func verifierAAD(connectionID string) string { return "sso-pkce:" + connectionID }
