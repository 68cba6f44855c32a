package sso

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/keyvault"
	"github.com/canopyhq/canopy/internal/store"
)

const azureDefaultAuthority = "https://login.microsoftonline.com"

// Refusal is a sign-in the identity provider's answer did not allow. Reason
// is recorded in the audit log; people see Message.
type Refusal struct {
	Reason  string
	Message string
}

func (r *Refusal) Error() string { return "single sign-on refused: " + r.Reason }

// NotSetUp is a person the identity provider vouched for who has no Canopy
// account (and the connection does not create one).
type NotSetUp struct {
	Email, ProviderName string
	Contacts            []string
}

func (n *NotSetUp) Error() string { return "no Canopy account for " + n.Email }

// Result is a finished sign-in at an identity provider.
type Result struct {
	Connection store.SSOConnection
	Claims     map[string]any // as they arrived in the ID token
	Identity   Identity
	User       domain.User // zero for a test
	Next       string
	TestBy     string // the administrator who ran "Test connection"
	Logout     SessionLogout
}

func settingsOf(c store.SSOConnection) (OIDCSettings, error) {
	var st OIDCSettings
	return st, json.Unmarshal(c.Settings, &st)
}

// discovery returns the URL discovery starts from and, for Azure AD
// multi-tenant, the issuer template with "{tenantid}".
func discovery(kind string, st OIDCSettings) (base string, multi bool) {
	if kind != KindAzureAD {
		return st.Issuer, false
	}
	auth := st.Authority
	if auth == "" {
		auth = azureDefaultAuthority
	}
	tenant := st.TenantID
	if st.MultiTenant {
		tenant = "organizations"
		if st.Endpoint == "v1" {
			tenant = "common"
		}
	}
	base = auth + "/" + tenant
	if st.Endpoint != "v1" {
		base += "/v2.0"
	}
	return base, st.MultiTenant
}

// provider runs discovery. Azure AD multi-tenant discovery documents name
// an issuer template, checked per token by checkAzure.
func (s *Service) provider(ctx context.Context, c store.SSOConnection) (*oidc.Provider, OIDCSettings, error) {
	st, err := settingsOf(c)
	if err != nil {
		return nil, st, err
	}
	base, multi := discovery(c.Kind, st)
	ctx = oidc.ClientContext(ctx, s.client())
	if multi {
		ctx = oidc.InsecureIssuerURLContext(ctx, azureIssuerTemplate(st))
	}
	p, err := oidc.NewProvider(ctx, base)
	return p, st, err
}

func azureIssuerTemplate(st OIDCSettings) string {
	if st.Endpoint == "v1" {
		return "https://sts.windows.net/{tenantid}/"
	}
	auth := st.Authority
	if auth == "" {
		auth = azureDefaultAuthority
	}
	return auth + "/{tenantid}/v2.0"
}

func (s *Service) oauthConfig(ctx context.Context, c store.SSOConnection, p *oidc.Provider, st OIDCSettings) (*oauth2.Config, error) {
	cfg := &oauth2.Config{ClientID: st.ClientID, Endpoint: p.Endpoint(), RedirectURL: s.CallbackURL(c.ID),
		Scopes: append([]string{oidc.ScopeOpenID}, st.Scopes...)}
	if len(st.Scopes) == 0 {
		cfg.Scopes = append(cfg.Scopes, "email", "profile")
	}
	if c.SealedSecret != "" {
		secret, err := keyvault.OpenString(s.Vault, c.SealedSecret, secretAAD(c.OrgID, c.ID))
		if err != nil {
			return nil, err
		}
		cfg.ClientSecret = secret
	}
	return cfg, nil
}

func randomToken() string { return base64.RawURLEncoding.EncodeToString(domain.RandomBytes(32)) }

// Begin starts a sign-in at the connection's identity provider and returns
// the URL to send the browser to. The state, nonce and PKCE verifier stay
// in the database (single use, StateTTL). testBy is the administrator
// running "Test connection" (then the connection may be disabled).
//
// It returns the URL and the state, which the caller keeps in the browser's
// session for Complete.
func (s *Service) Begin(ctx context.Context, c store.SSOConnection, loginHint, next, testBy string, who audit.Actor) (authURL, state string, err error) {
	if isSAML(c.Kind) || IsWSFed(c.Kind) {
		return "", "", domain.Errorf(domain.CodeInvalid, "%s sign-in is not available with OpenID Connect.", KindLabel(c.Kind))
	}
	if !c.Enabled && testBy == "" {
		return "", "", &domain.Error{Code: domain.CodeForbidden, Message: "This single sign-on connection is turned off. Ask your administrator."}
	}
	p, st, perr := s.provider(ctx, c)
	if perr != nil {
		reason := "discovery failed: " + domain.Truncate(perr.Error(), 200)
		if err := audit.Record(ctx, s.Store, who, audit.Entry{OrgID: c.OrgID, Action: "user.sso_failed",
			TargetType: "sso_connection", TargetID: c.ID, Details: map[string]any{"reason": reason}}); err != nil {
			return "", "", err
		}
		return "", "", &Refusal{Reason: reason,
			Message: "Your identity provider could not be reached. Try again in a minute, or ask your administrator."}
	}
	cfg, err := s.oauthConfig(ctx, c, p, st)
	if err != nil {
		return "", "", err
	}
	var nonce, verifier string
	state, nonce, verifier = randomToken(), randomToken(), oauth2.GenerateVerifier()
	sealed, err := keyvault.SealString(s.Vault, verifier, verifierAAD(c.ID))
	if err != nil {
		return "", "", err
	}
	if err := s.Store.AddSSOState(ctx, store.SSOState{StateHash: auth.HashSecretToken(state), OrgID: c.OrgID, ConnectionID: c.ID,
		Nonce: nonce, SealedVerifier: sealed, Next: next, TestBy: testBy, ExpiresAt: domain.Now().Add(StateTTL)}); err != nil {
		return "", "", err
	}
	opts := []oauth2.AuthCodeOption{oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)}
	if loginHint != "" {
		opts = append(opts, oauth2.SetAuthURLParam("login_hint", loginHint))
	}
	if testBy != "" {
		opts = append(opts, oauth2.SetAuthURLParam("prompt", "login"))
	}
	return cfg.AuthCodeURL(state, opts...), state, nil
}

// Complete finishes a sign-in from the callback's query. bound is the state
// the browser's session holds since Begin: a state started in another
// browser is refused (no login CSRF). Every refusal is audited with its
// reason and returned as a *Refusal; a person without an account is a
// *NotSetUp.
func (s *Service) Complete(ctx context.Context, connectionID string, q url.Values, bound string, who audit.Actor) (*Result, error) {
	refuse := s.refuser(ctx, connectionID, who)
	if e := q.Get("error"); e != "" {
		// Without a valid state this could be anyone's link; take the state
		// so it cannot be used again, but report the provider's words.
		if st := q.Get("state"); st != "" {
			_, _ = s.Store.TakeSSOState(ctx, auth.HashSecretToken(st))
		}
		return nil, refuse("", "identity provider error: "+domain.Truncate(e+": "+q.Get("error_description"), 300),
			"Your identity provider did not sign you in ("+domain.Truncate(e, 60)+"). Try again, or ask your administrator.")
	}
	state := q.Get("state")
	if state == "" || len(state) > 200 {
		return nil, refuse("", "missing state", "")
	}
	st, err := s.Store.TakeSSOState(ctx, auth.HashSecretToken(state))
	if err == nil && subtle.ConstantTimeCompare([]byte(state), []byte(bound)) != 1 {
		return nil, refuse(st.OrgID, "state not started in this browser", "")
	}
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return nil, refuse("", "unknown, used or expired state", "This sign-in link has expired or was already used. Start again from the sign-in page.")
	}
	if err != nil {
		return nil, err
	}
	if st.ConnectionID != connectionID {
		return nil, refuse(st.OrgID, "state belongs to another connection", "")
	}
	c, err := s.Store.FindSSOConnection(ctx, connectionID)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return nil, refuse(st.OrgID, "connection deleted", "")
	}
	if err != nil {
		return nil, err
	}
	if !c.Enabled && st.TestBy == "" {
		return nil, refuse(c.OrgID, "connection disabled", "This single sign-on connection is turned off. Ask your administrator.")
	}
	verifier, err := keyvault.OpenString(s.Vault, st.SealedVerifier, verifierAAD(c.ID))
	if err != nil {
		return nil, err
	}
	code := q.Get("code")
	if code == "" {
		return nil, refuse(c.OrgID, "missing code", "")
	}
	p, set, err := s.provider(ctx, c)
	if err != nil {
		return nil, refuse(c.OrgID, "discovery failed: "+domain.Truncate(err.Error(), 200), "Your identity provider could not be reached. Try again in a minute.")
	}
	cfg, err := s.oauthConfig(ctx, c, p, set)
	if err != nil {
		return nil, err
	}
	hctx := oidc.ClientContext(ctx, s.client())
	tok, err := cfg.Exchange(context.WithValue(hctx, oauth2.HTTPClient, s.client()), code, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, refuse(c.OrgID, "code exchange failed: "+domain.Truncate(err.Error(), 200), "")
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, refuse(c.OrgID, "no ID token in the token response", "")
	}
	multi := c.Kind == KindAzureAD && set.MultiTenant
	idt, err := p.VerifierContext(hctx, &oidc.Config{ClientID: set.ClientID, SkipIssuerCheck: multi}).Verify(hctx, raw)
	if err != nil {
		return nil, refuse(c.OrgID, verifyReason(err), "")
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(st.Nonce)) != 1 {
		return nil, refuse(c.OrgID, "nonce mismatch", "")
	}
	claims := map[string]any{}
	if err := idt.Claims(&claims); err != nil {
		return nil, refuse(c.OrgID, "unreadable claims", "")
	}
	subject := idt.Subject
	if c.Kind == KindAzureAD {
		if subject, err = checkAzure(set, idt.Issuer, claims); err != nil {
			return nil, refuse(c.OrgID, err.Error(), "")
		}
	}
	res, err := s.finish(ctx, c, claims, subject, st, who, refuse)
	if err == nil && st.TestBy == "" {
		sid, _ := claims["sid"].(string)
		res.Logout = SessionLogout{ConnectionID: c.ID, Subject: idt.Subject, SID: sid}
		if res.Logout.SealedIDToken, err = keyvault.SealString(s.Vault, raw, idTokenAAD(c.OrgID, c.ID)); err != nil {
			return nil, err
		}
	}
	return res, err
}

// refuser returns the function that audits a refused sign-in
// (user.sso_failed with its reason) and answers it as a *Refusal.
func (s *Service) refuser(ctx context.Context, connectionID string, who audit.Actor) func(orgID, reason, msg string) error {
	return func(orgID, reason, msg string) error {
		e := audit.Entry{OrgID: orgID, Action: "user.sso_failed", TargetType: "sso_connection", TargetID: connectionID,
			Details: map[string]any{"reason": reason}}
		if err := audit.Record(ctx, s.Store, who, e); err != nil {
			return err
		}
		if msg == "" {
			msg = "Single sign-on did not work. Try again from the sign-in page; if it keeps failing, tell your administrator the time it happened."
		}
		return &Refusal{Reason: reason, Message: msg}
	}
}

// finish ends a sign-in whose response the provider's protocol accepted,
// for every kind: the claims are mapped, a test reports them, and anyone
// else is resolved to their Canopy account.
func (s *Service) finish(ctx context.Context, c store.SSOConnection, claims map[string]any, subject string, st store.SSOState,
	who audit.Actor, refuse func(orgID, reason, msg string) error) (*Result, error) {
	var m ClaimMapping
	_ = json.Unmarshal(c.Claims, &m)
	res := &Result{Connection: c, Claims: claims, Identity: MapClaims(claims, m.Effective(c.Kind), subject),
		Next: st.Next, TestBy: st.TestBy}
	if st.TestBy != "" {
		return res, audit.Record(ctx, s.Store, who, audit.Entry{OrgID: c.OrgID, Action: "sso.connection_test",
			TargetType: "sso_connection", TargetID: c.ID, Details: map[string]any{"subject": res.Identity.Subject,
				"email": res.Identity.Email}})
	}
	var err error
	res.User, err = s.resolve(ctx, c, res.Identity, who, refuse)
	return res, err
}

// verifyReason names why go-oidc rejected an ID token.
func verifyReason(err error) string {
	var exp *oidc.TokenExpiredError
	msg := err.Error()
	switch {
	case errors.As(err, &exp):
		return "ID token expired"
	case strings.Contains(msg, "id token issued by a different provider"):
		return "wrong issuer"
	case strings.Contains(msg, "expected audience"):
		return "wrong audience"
	case strings.Contains(msg, "failed to verify signature"):
		return "bad ID token signature"
	}
	return "invalid ID token: " + domain.Truncate(msg, 200)
}

// checkAzure checks an Azure AD token's tenant and issuer and returns the
// subject Canopy keeps: tenant ID + object ID.
func checkAzure(st OIDCSettings, issuer string, claims map[string]any) (string, error) {
	tid, _ := claims["tid"].(string)
	oid, _ := claims["oid"].(string)
	tid, oid = strings.ToLower(tid), strings.ToLower(oid)
	if tid == "" || oid == "" {
		return "", errors.New("Azure AD token without tid or oid")
	}
	if st.MultiTenant {
		if len(st.AllowedTenants) > 0 && !slices.Contains(st.AllowedTenants, tid) {
			return "", fmt.Errorf("tenant %s not allowed", tid)
		}
	} else if tid != st.TenantID {
		return "", fmt.Errorf("token of tenant %s, expected %s", tid, st.TenantID)
	}
	if want := strings.ReplaceAll(azureIssuerTemplate(st), "{tenantid}", tid); issuer != want {
		return "", errors.New("wrong issuer")
	}
	return tid + "/" + oid, nil
}
