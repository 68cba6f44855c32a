package m365

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/domain"
)

// GraphScope is what Canopy's app asks Entra ID for: every Graph
// application permission the tenant's admin consented to.
const GraphScope = "https://graph.microsoft.com/.default"

// publicAuthority is Entra ID's global authority host.
const publicAuthority = "https://login.microsoftonline.com/"

// Connector is the Microsoft 365 connection kind: it imports a tenant's
// users, licences (subscribed SKUs) and groups with Canopy's own app
// registration (client credentials in the customer's tenant, after its
// admin consented) and replaces the connection's directory snapshot.
type Connector struct {
	// Sleep waits before a retry (nil: a real timer); tests move the
	// sandbox clock instead.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the time of Retry-After dates (nil: time.Now).
	Now func() time.Time
	// Accounts gives the connections' user-context service accounts
	// (nil: none are used). The app wires the collector's decrypter in.
	Accounts ServiceAccounts
}

// Settings are a Microsoft 365 connection's settings.
type Settings struct {
	// TenantID is the customer's tenant: its ID (a GUID) or a verified
	// domain such as contoso.onmicrosoft.com.
	TenantID string `json:"tenant_id"`
	// ExchangeOnline says Exchange Online management is connected for
	// the tenant, so mailbox actions (out-of-office reply, aliases,
	// forwarding) can be executed; without it they are refused.
	ExchangeOnline bool `json:"exchange_online,omitempty"`
}

// HasExchangeOnline reports whether a connection's settings connect
// Exchange Online management.
func HasExchangeOnline(settings []byte) bool {
	s, err := parseSettings(settings)
	return err == nil && s.ExchangeOnline
}

var (
	guidRE   = regexp.MustCompile(`^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$`)
	domainRE = regexp.MustCompile(`^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}$`)
)

// Kind implements connect.Connector.
func (Connector) Kind() connect.Kind { return connect.KindM365 }

// ValidateSettings implements connect.SettingsValidator.
func (Connector) ValidateSettings(b []byte) error {
	_, err := parseSettings(b)
	return err
}

func parseSettings(b []byte) (Settings, error) {
	var s Settings
	if err := json.Unmarshal(b, &s); err != nil {
		return s, domain.FieldError("settings", "Settings must be a JSON object such as {\"tenant_id\": \"contoso.onmicrosoft.com\"}.")
	}
	s.TenantID = strings.TrimSpace(s.TenantID)
	if !guidRE.MatchString(s.TenantID) && !domainRE.MatchString(s.TenantID) {
		return s, domain.FieldError("tenant_id", "Enter the Microsoft 365 tenant ID (a GUID from the Microsoft Entra admin center's Overview) "+
			"or its domain, such as contoso.onmicrosoft.com.")
	}
	return s, nil
}

// client returns a Graph client for tenant with a new credential of
// Canopy's app: a fresh token cache per sync run, so a revoked consent or
// a renewed secret shows at once.
func (c Connector) client(env connect.Env, tenant string) (*Client, error) {
	cl := env.Clouds
	if cl.AzureClientID == "" || cl.AzureClientSecret == "" {
		return nil, errors.New("this Canopy installation has no Microsoft Entra app configured: " +
			"set CANOPY_AZURE_CLIENT_ID and CANOPY_AZURE_CLIENT_SECRET")
	}
	authority := cl.AzureAuthority
	if authority == "" {
		authority = publicAuthority
	}
	opts := azcore.ClientOptions{Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: strings.TrimSuffix(authority, "/") + "/"}}
	if env.HTTPClient != nil {
		opts.Transport = env.HTTPClient
	}
	cred, err := azidentity.NewClientSecretCredential(tenant, cl.AzureClientID, cl.AzureClientSecret,
		&azidentity.ClientSecretCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: true})
	if err != nil {
		return nil, fmt.Errorf("microsoft 365 credential: %w", err)
	}
	return New(Config{BaseURL: cl.Graph, HTTPClient: env.HTTPClient, Tokens: credentialTokens{cred}, Sleep: c.Sleep, Now: c.Now}), nil
}

// credentialTokens adapts an azidentity credential to TokenSource.
type credentialTokens struct{ cred azcore.TokenCredential }

func (t credentialTokens) Token(ctx context.Context) (string, error) {
	tok, err := t.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{GraphScope}})
	return tok.Token, err
}

// Probe implements connect.Connector: the adapter's checks, each with the
// help page that fixes it.
func (c Connector) Probe(ctx context.Context, env connect.Env, conn connect.Connection, _ []byte) ([]connect.Check, error) {
	s, err := parseSettings(conn.Settings)
	if err != nil {
		return nil, err
	}
	cl, err := c.client(env, s.TenantID)
	if err != nil {
		return nil, err
	}
	var out []connect.Check
	for _, ch := range cl.Probe(ctx) {
		out = append(out, doctorCheck(ch))
	}
	if ch, ok := c.serviceAccountCheck(ctx, conn.OrgID, conn.ID); ok {
		out = append(out, ch)
	}
	return out, nil
}

var featureLabels = map[string]string{FeatureUsers: "M365 users", FeatureLicences: "Licences",
	FeatureUsageReports: "Usage reports", FeatureReportConcealment: "Usage reports show user names"}

func doctorCheck(ch Check) connect.Check {
	out := connect.Check{Feature: featureLabels[ch.Feature], Needs: ch.Permission, Granted: ch.State == CheckOK && ch.Warning == "",
		Detail: ch.Detail}
	if ch.Warning != "" {
		out.Detail = ch.Warning
	}
	switch {
	case ch.State == CheckMissingPermission:
		out.Fix = HelpPermissions
	case ch.State == CheckUnauthorized:
		out.Fix = HelpConsent
	case ch.State == CheckBlocked:
		out.Fix = HelpConditionalAccess
	case ch.Warning != "":
		out.Fix = HelpConcealment
	}
	return out
}
