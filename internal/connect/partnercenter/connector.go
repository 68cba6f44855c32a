package partnercenter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
)

// Scope is what Canopy's app asks Entra for: an app-only token of the
// partner tenant for Partner Center.
const Scope = "https://api.partnercenter.microsoft.com/.default"

// HelpAppAccess is the help page for giving Canopy's app access to the
// partner tenant's Partner Center.
const HelpAppAccess = "partner-center-app-access"

// HelpConditionalAccess is the Azure connector's page on excluding Canopy
// from conditional-access policies (the same Entra ID sign-in).
const HelpConditionalAccess = "azure-conditional-access"

// fixFor is the help page of a failed sign-in or call: the
// conditional-access page when Entra ID said a policy blocked it.
func fixFor(err error) string {
	for _, code := range []string{"AADSTS53003", "AADSTS53000", "AADSTS53001"} {
		if strings.Contains(err.Error(), code) {
			return HelpConditionalAccess
		}
	}
	return HelpAppAccess
}

// Settings are a Partner Center connection's settings JSON.
type Settings struct {
	PartnerTenantID string `json:"partner_tenant_id"`
}

// Connector is the Partner Center connection kind: issued invoices'
// reconciliation lines and the unbilled daily rated usage into the cost
// store.
type Connector struct {
	// afterImport runs after each import and before its checkpoint
	// (tests stop a sync there).
	afterImport func(ctx context.Context, key string) error
}

// Kind implements connect.Connector.
func (Connector) Kind() connect.Kind { return connect.KindPartnerCenter }

var tenantRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// ValidateSettings implements connect.SettingsValidator.
func (Connector) ValidateSettings(b []byte) error {
	_, err := parseSettings(b)
	return err
}

func parseSettings(b []byte) (Settings, error) {
	var s Settings
	if json.Unmarshal(b, &s) != nil || !tenantRE.MatchString(s.PartnerTenantID) {
		return s, domain.FieldError("settings", "partner_tenant_id must be the partner's Microsoft Entra tenant ID (a GUID).")
	}
	return s, nil
}

// tokenSource is azidentity client credentials as the adapter's TokenSource.
type tokenSource struct{ cred azcore.TokenCredential }

func (t tokenSource) Token(ctx context.Context) (string, error) {
	tok, err := t.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{Scope}})
	return tok.Token, err
}

// clientFor is the adapter's client with Canopy's app credentials (from
// env) in the connection's partner tenant.
func clientFor(env connect.Env, conn connect.Connection) (*Client, error) {
	s, err := parseSettings(conn.Settings)
	if err != nil {
		return nil, err
	}
	c := env.Clouds
	if c.AzureClientID == "" || c.AzureClientSecret == "" {
		return nil, errors.New("this Canopy installation has no Entra app credentials (CANOPY_AZURE_CLIENT_ID and CANOPY_AZURE_CLIENT_SECRET)")
	}
	opts := &azidentity.ClientSecretCredentialOptions{}
	if env.HTTPClient != nil {
		opts.Transport = env.HTTPClient
	}
	if c.AzureAuthority != "" {
		opts.Cloud = cloud.Configuration{ActiveDirectoryAuthorityHost: strings.TrimSuffix(c.AzureAuthority, "/") + "/"}
		opts.DisableInstanceDiscovery = true
	}
	cred, err := azidentity.NewClientSecretCredential(s.PartnerTenantID, c.AzureClientID, c.AzureClientSecret, opts)
	if err != nil {
		return nil, fmt.Errorf("partner center credentials: %w", err)
	}
	return New(Config{BaseURL: c.PartnerCenter, HTTPClient: env.HTTPClient, Tokens: tokenSource{cred}}), nil
}

// Probe implements connect.Connector: a token, then the invoice list.
func (Connector) Probe(ctx context.Context, env connect.Env, conn connect.Connection, _ []byte) ([]connect.Check, error) {
	c, err := clientFor(env, conn)
	if err != nil {
		return nil, err
	}
	sign := connect.Check{Feature: "Sign in to Partner Center", Needs: "Canopy's app consented in the partner tenant"}
	inv := connect.Check{Feature: "Invoices and reconciliation", Needs: "Admin agent or billing admin access to Partner Center"}
	list, err := c.Invoices(ctx)
	var te *TokenError
	switch {
	case errors.As(err, &te) || IsUnauthorized(err):
		sign.Detail, sign.Fix = err.Error(), fixFor(err)
		inv.Detail, inv.Fix = "Not checked: no token.", fixFor(err)
	case err != nil:
		sign.Granted, sign.Detail = true, "Works: Entra issued a token."
		inv.Detail, inv.Fix = err.Error(), HelpAppAccess
	default:
		sign.Granted, sign.Detail = true, "Works: Entra issued a token."
		inv.Granted, inv.Detail = true, fmt.Sprintf("Works: %d invoices readable.", len(list))
	}
	return []connect.Check{sign, inv}, nil
}

// pipeImport streams what write produces into the run's import: a write
// error fails the import (nothing of it is stored).
func pipeImport(ctx context.Context, run *connect.Run, key string, write func(io.Writer) error) (costs.ImportResult, error) {
	pr, pw := io.Pipe()
	werr := make(chan error, 1)
	go func() {
		err := write(pw)
		pw.CloseWithError(err)
		werr <- err
	}()
	res, err := run.ImportFOCUS(ctx, key, pr)
	pr.CloseWithError(errors.New("import stopped")) // unblocks the writer if the import ended early
	if wErr := <-werr; wErr != nil {
		return res, wErr
	}
	return res, err
}

// RegisterHelp registers the Partner Center help page.
func RegisterHelp() {
	connect.RegisterHelp(connect.HelpPage{Slug: HelpAppAccess, Title: "Give Canopy access to your Partner Center billing",
		Summary: "Canopy reads invoices, reconciliation lines and daily rated usage with its own app's credentials in your partner tenant.",
		Steps: []string{
			"Sign in to your partner tenant as a Global Administrator.",
			"Grant admin consent to Canopy's app in the partner tenant (Connections → Partner Center → the consent link), so that Entra issues it app-only tokens for Partner Center.",
			"In Partner Center → Account settings → App management, add Canopy's app ID as a web app with billing access, or give the app the Billing admin role.",
			"Enter the partner tenant's ID (a GUID) in the connection's settings as partner_tenant_id and run the doctor.",
		},
		Code: []connect.HelpCode{{Label: "Settings (JSON)", Language: "json", Text: `{"partner_tenant_id": "00000000-0000-0000-0000-000000000000"}`}}})
}
