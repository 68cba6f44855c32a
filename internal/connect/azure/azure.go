// Package azureconn is Canopy's Azure connector: onboarding by admin
// consent and role assignment, then, with the service principal's own
// client credentials, subscriptions, resources and tags, costs (Cost
// Management query mapped to FOCUS lines), reservations, Advisor
// recommendations, the Partner Admin Link and a connection doctor. It is
// the only package that speaks Azure's protocols; the official Azure SDK
// for Go does the talking (the azcore pipeline where no SDK package is
// available).
package azureconn

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// Public cloud endpoints, used when Config leaves them empty.
const (
	PublicAuthorityHost = "https://login.microsoftonline.com/"
	PublicARMEndpoint   = "https://management.azure.com"
	armAudience         = "https://management.azure.com/"
	armScope            = "https://management.azure.com/.default"
	moduleName          = "canopy/azureconn"
	moduleVersion       = "v1.0.0"
)

// Config is one customer tenant's connection: Canopy's app registration
// and its secret, and where the cloud is.
type Config struct {
	TenantID     string
	ClientID     string
	ClientSecret string
	// AuthorityHost and ARMEndpoint are "" for the public cloud (the
	// sandbox and sovereign clouds set them).
	AuthorityHost, ARMEndpoint string
	// HTTPClient is the transport (nil = http.DefaultClient).
	HTTPClient *http.Client

	// Access is each subscription's access level (by subscription ID;
	// missing = ReadWriteTags).
	Access map[string]AccessLevel

	// MaxAttempts bounds the attempts of one throttled (429) request
	// (default 4).
	MaxAttempts int
	// Sleep waits out a Retry-After (default: a timer that honours ctx);
	// tests move the sandbox clock instead of waiting.
	Sleep func(ctx context.Context, d time.Duration) error
	// Pace, when set, is called before every Cost Management request
	// (each attempt, each nextLink page) with its scope
	// ("/subscriptions/{id}") and waits for that scope's token bucket.
	Pace func(ctx context.Context, scope string) error
}

// Client is one sync run against one tenant. Build a new Client per run:
// azidentity caches tokens by wall-clock time, and a fresh credential is
// what picks up a revoked consent or a new secret.
type Client struct {
	cfg Config

	mu   sync.Mutex
	cred azcore.TokenCredential
}

// New checks cfg and builds the service principal's credential.
func New(cfg Config) (*Client, error) {
	if cfg.TenantID == "" || cfg.ClientID == "" || cfg.ClientSecret == "" {
		return nil, errors.New("azureconn: TenantID, ClientID and ClientSecret are required")
	}
	if cfg.AuthorityHost == "" {
		cfg.AuthorityHost = PublicAuthorityHost
	}
	if cfg.ARMEndpoint == "" {
		cfg.ARMEndpoint = PublicARMEndpoint
	}
	cfg.AuthorityHost = strings.TrimSuffix(cfg.AuthorityHost, "/") + "/"
	cfg.ARMEndpoint = strings.TrimSuffix(cfg.ARMEndpoint, "/")
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 4
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	c := &Client{cfg: cfg}
	return c, c.renew()
}

// renew replaces the credential (and with it the token cache).
func (c *Client) renew() error {
	cred, err := azidentity.NewClientSecretCredential(c.cfg.TenantID, c.cfg.ClientID, c.cfg.ClientSecret,
		&azidentity.ClientSecretCredentialOptions{ClientOptions: c.clientOptions(), DisableInstanceDiscovery: c.cfg.AuthorityHost != PublicAuthorityHost})
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.cred = cred
	c.mu.Unlock()
	return nil
}

func (c *Client) credential() azcore.TokenCredential {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cred
}

// cloudConfig is the cloud the connection talks to.
func (cfg Config) cloudConfig() cloud.Configuration {
	return cloud.Configuration{
		ActiveDirectoryAuthorityHost: cfg.AuthorityHost,
		Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			cloud.ResourceManager: {Audience: armAudience, Endpoint: cfg.ARMEndpoint},
		},
	}
}

// clientOptions: throttling (429) is not retried by the SDK, which would
// sleep up to a minute per attempt unseen; withThrottle does it, bounded.
func (c *Client) clientOptions() azcore.ClientOptions {
	o := azcore.ClientOptions{
		Cloud: c.cfg.cloudConfig(),
		Retry: policy.RetryOptions{StatusCodes: []int{http.StatusRequestTimeout, http.StatusInternalServerError,
			http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout}},
	}
	if c.cfg.HTTPClient != nil {
		o.Transport = c.cfg.HTTPClient
	}
	return o
}

func (c *Client) armOptions() *arm.ClientOptions {
	return &arm.ClientOptions{ClientOptions: c.clientOptions(), DisableRPRegistration: true}
}

// pipeline is a raw ARM pipeline (bearer token, retries, logging) for the
// APIs without an SDK package here (reservations, Advisor, permissions,
// partner link, query nextLink pages).
func (c *Client) pipeline() (*arm.Client, error) {
	return arm.NewClient(moduleName, moduleVersion, c.credential(), c.armOptions())
}

// level is subID's access level.
func (c *Client) level(subID string) AccessLevel {
	for id, l := range c.cfg.Access {
		if strings.EqualFold(id, subID) {
			return l
		}
	}
	return ReadWriteTags
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// ServicePrincipalID is the object ID of Canopy's service principal in the
// tenant: the oid claim of its own token (what GrantAccess assigns roles
// to). The token came from Entra over TLS, so it is read, not verified.
func (c *Client) ServicePrincipalID(ctx context.Context) (string, error) {
	tok, err := c.credential().GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{armScope}})
	if err != nil {
		return "", classify(err)
	}
	parts := strings.Split(tok.Token, ".")
	if len(parts) != 3 {
		return "", errors.New("azureconn: the access token is not a JWT")
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", err
	}
	var claims struct {
		OID string `json:"oid"`
	}
	if err := json.Unmarshal(raw, &claims); err != nil || claims.OID == "" {
		return "", errors.New("azureconn: the access token has no oid claim")
	}
	return claims.OID, nil
}
