package azureconn

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Scopes of the onboarding flow.
const (
	// ConsentScopes is what admin consent grants: everything configured on
	// the app registration for ARM and Graph (".default").
	ConsentScopes = "https://management.azure.com/.default https://graph.microsoft.com/.default"
	// DelegatedScope is the consenting user's ARM token scope, used once to
	// assign roles to Canopy's service principal.
	DelegatedScope = "https://management.azure.com/user_impersonation offline_access openid profile"
)

func (cfg Config) authority() string {
	if cfg.AuthorityHost == "" {
		return PublicAuthorityHost
	}
	return strings.TrimSuffix(cfg.AuthorityHost, "/") + "/"
}

// AdminConsentURL is where a Global Administrator of tenant ("organizations"
// when unknown) grants Canopy's app its permissions; Entra redirects to
// redirectURI with admin_consent=True, tenant and state.
//
// Tag write and reservations are Azure RBAC roles, not OAuth scopes, so
// the scopes asked do not depend on wantTagWrite and wantReservations: ARM
// (.default, which GrantAccess needs to assign the roles) and Graph. The
// flags are in the signature so that the place that starts the flow states
// the choice; GrantAccess (GrantOptions) applies it.
func (cfg Config) AdminConsentURL(tenant, clientID, redirectURI, state string, wantTagWrite, wantReservations bool) string {
	if tenant == "" {
		tenant = "organizations"
	}
	_, _ = wantTagWrite, wantReservations
	q := url.Values{"client_id": {clientID}, "scope": {ConsentScopes}, "redirect_uri": {redirectURI}, "state": {state}}
	return cfg.authority() + url.PathEscape(tenant) + "/v2.0/adminconsent?" + q.Encode()
}

// ConsentResult reads the admin-consent redirect: the consenting tenant,
// or the refusal Entra reports (error, error_description).
func ConsentResult(q url.Values) (tenant string, err error) {
	if e := q.Get("error"); e != "" {
		return "", fmt.Errorf("admin consent refused: %s: %s", e, q.Get("error_description"))
	}
	if !strings.EqualFold(q.Get("admin_consent"), "True") || q.Get("tenant") == "" {
		return "", errors.New("admin consent: the redirect carries no admin_consent=True and tenant")
	}
	return q.Get("tenant"), nil
}

// PKCE returns a fresh code verifier and its S256 challenge.
func PKCE() (verifier, challenge string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	verifier = base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// AuthorizeURL starts the consenting user's sign-in (authorization code
// with PKCE) for the delegated ARM token GrantAccess uses.
func (cfg Config) AuthorizeURL(tenant, redirectURI, state, challenge string) string {
	q := url.Values{"client_id": {cfg.ClientID}, "response_type": {"code"}, "redirect_uri": {redirectURI},
		"scope": {DelegatedScope}, "state": {state}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}}
	return cfg.authority() + url.PathEscape(tenant) + "/oauth2/v2.0/authorize?" + q.Encode()
}

// DelegatedToken is the consenting user's ARM access token (about an
// hour); Canopy uses it for GrantAccess only and does not keep it.
type DelegatedToken struct {
	AccessToken string
	ExpiresOn   time.Time
	TenantID    string
}

// ExchangeCode redeems the authorization code (with the PKCE verifier)
// for the user's delegated ARM token.
func (cfg Config) ExchangeCode(ctx context.Context, tenant, code, redirectURI, verifier string) (DelegatedToken, error) {
	form := url.Values{"grant_type": {"authorization_code"}, "client_id": {cfg.ClientID}, "client_secret": {cfg.ClientSecret},
		"code": {code}, "redirect_uri": {redirectURI}, "code_verifier": {verifier}, "scope": {DelegatedScope}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.authority()+url.PathEscape(tenant)+"/oauth2/v2.0/token", strings.NewReader(form.Encode()))
	if err != nil {
		return DelegatedToken{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := cfg.httpClient().Do(req)
	if err != nil {
		return DelegatedToken{}, err
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return DelegatedToken{}, fmt.Errorf("azure token endpoint: %s: %w", resp.Status, err)
	}
	if resp.StatusCode != http.StatusOK || body.AccessToken == "" {
		return DelegatedToken{}, classify(fmt.Errorf("azure token endpoint: %s: %s", body.Error, body.Description))
	}
	return DelegatedToken{AccessToken: body.AccessToken, TenantID: tenant,
		ExpiresOn: time.Now().Add(time.Duration(body.ExpiresIn) * time.Second)}, nil
}

func (cfg Config) httpClient() *http.Client {
	if cfg.HTTPClient != nil {
		return cfg.HTTPClient
	}
	return http.DefaultClient
}
