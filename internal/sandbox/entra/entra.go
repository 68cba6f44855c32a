// Package entra emulates Microsoft Entra ID (Azure AD) for the sandbox
// cloud: OpenID discovery and keys, the admin-consent and authorization-code
// pages, and the v2.0 token endpoint (client credentials, authorization code
// with PKCE, refresh tokens), with the real AADSTS error codes.
//
// State lives in memory: tenants, users who can sign in, app registrations,
// service principals created by consent, codes, refresh tokens and browser
// sessions. Tokens are signed by an sbx.Issuer and expire after an hour of
// sbx.Clock time.
package entra

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

// TokenLifetime is how long an access token lives (Entra's default).
const TokenLifetime = time.Hour

// Options configure a new Entra.
type Options struct {
	// Seed makes tenant, user and app IDs deterministic.
	Seed   int64
	Clock  *sbx.Clock
	Issuer *sbx.Issuer
}

// Tenant is a directory.
type Tenant struct {
	ID     string
	Name   string
	Domain string // the verified domain, e.g. contoso.onmicrosoft.com
}

// User can sign in at the sandbox's pages.
type User struct {
	ObjectID string
	TenantID string
	UPN      string
	Name     string
	Password string
	Admin    bool // a Global Administrator: may grant admin consent
	// Roles are the user's other directory roles (role template IDs, as
	// the wids claim of a delegated token carries them).
	Roles []string
}

// Directory role template IDs (the same in every Entra ID tenant).
const (
	RoleGlobalAdministrator   = "62e90394-69f5-4237-9190-012177145e10"
	RoleGlobalReader          = "f2ef992c-3afb-46b9-b7cf-a126ee74c451"
	RoleExchangeAdministrator = "29232cdf-9323-42fd-ade2-1d097af3e4de"
)

// AssignDirectoryRole gives a user a directory role (role template ID).
func (e *Entra) AssignDirectoryRole(upn, roleTemplateID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if u := e.users[strings.ToLower(upn)]; u != nil {
		u.Roles = append(u.Roles, roleTemplateID)
	}
}

// App is an app registration (multi-tenant) in its home tenant.
type App struct {
	Name         string
	ClientID     string
	Secret       string // the client secret's value
	HomeTenantID string
	RedirectURIs []string
	// Required are the permissions configured on the registration; a
	// ".default" consent grants these.
	Required []Permission
}

// Consent is a service principal of an app in a tenant and what was granted.
type Consent struct {
	TenantID    string
	ClientID    string
	ObjectID    string // the service principal's object ID
	Permissions []Permission
	GrantedAt   time.Time
}

// Entra is the emulated identity service.
type Entra struct {
	seed   int64
	clock  *sbx.Clock
	issuer *sbx.Issuer

	mu       sync.Mutex
	tenants  map[string]*Tenant       // by ID
	users    map[string]*User         // by lower-case UPN
	apps     map[string]*App          // by client ID
	sps      map[string]*Consent      // by tenantID+"/"+clientID
	codes    map[string]*authCode     // authorization codes
	refresh  map[string]*refreshGrant // refresh tokens
	sessions map[string]*session      // browser sessions by cookie
	// caBlocked are tenantID+"/"+clientID pairs whose app-only sign-ins a
	// conditional-access policy blocks (AADSTS53003).
	caBlocked map[string]bool
	hashes    map[string][32]byte // password hashes by lower-case UPN (AddUserWithPasswordHash)
}

// New returns an empty directory.
func New(o Options) *Entra {
	return &Entra{
		seed: o.Seed, clock: o.Clock, issuer: o.Issuer,
		tenants: map[string]*Tenant{}, users: map[string]*User{}, apps: map[string]*App{},
		sps: map[string]*Consent{}, codes: map[string]*authCode{}, refresh: map[string]*refreshGrant{},
		sessions: map[string]*session{}, caBlocked: map[string]bool{},
	}
}

// AddTenant creates (or returns) the tenant with this name.
func (e *Entra) AddTenant(name, domain string) Tenant {
	e.mu.Lock()
	defer e.mu.Unlock()
	t := &Tenant{ID: sbx.UUID(e.seed, "tenant", name), Name: name, Domain: strings.ToLower(domain)}
	if old, ok := e.tenants[t.ID]; ok {
		return *old
	}
	e.tenants[t.ID] = t
	return *t
}

// AddUser creates a user who signs in with upn and password.
func (e *Entra) AddUser(tenantID, upn, password string, admin bool) User {
	e.mu.Lock()
	defer e.mu.Unlock()
	name, _, _ := strings.Cut(upn, "@")
	u := &User{
		ObjectID: sbx.UUID(e.seed, "user", tenantID, strings.ToLower(upn)),
		TenantID: tenantID, UPN: upn, Name: displayName(name), Password: password, Admin: admin,
	}
	e.users[strings.ToLower(upn)] = u
	return *u
}

func displayName(local string) string {
	parts := strings.FieldsFunc(local, func(r rune) bool { return r == '.' || r == '_' || r == '-' })
	for i, p := range parts {
		parts[i] = strings.ToUpper(p[:1]) + p[1:]
	}
	return strings.Join(parts, " ")
}

// RegisterApp registers a multi-tenant confidential app in the "Canopy
// service" tenant (created when missing) with a client secret and Canopy's
// required permissions (DefaultRequired).
func (e *Entra) RegisterApp(name string, redirectURIs []string) App {
	home := e.AddTenant("Canopy service", "canopyservice.onmicrosoft.com")
	e.mu.Lock()
	defer e.mu.Unlock()
	a := &App{
		Name: name, ClientID: sbx.UUID(e.seed, "app", name),
		Secret:       "sbx~" + strings.ReplaceAll(sbx.UUID(e.seed, "secret", name), "-", ""),
		HomeTenantID: home.ID, RedirectURIs: append([]string(nil), redirectURIs...),
		Required: DefaultRequired(),
	}
	e.apps[a.ClientID] = a
	// The home tenant has the app's service principal from the start.
	e.sps[home.ID+"/"+a.ClientID] = &Consent{TenantID: home.ID, ClientID: a.ClientID,
		ObjectID: sbx.UUID(e.seed, "sp", home.ID, a.ClientID), GrantedAt: e.clock.Now()}
	return *a
}

// SetRequired replaces the permissions configured on an app registration.
func (e *Entra) SetRequired(clientID string, perms []Permission) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if a := e.apps[clientID]; a != nil {
		a.Required = append([]Permission(nil), perms...)
	}
}

// RevokeConsent deletes the app's service principal from the tenant (what
// an admin does in Enterprise applications); its tokens stop coming.
func (e *Entra) RevokeConsent(tenantID, clientID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.sps, tenantID+"/"+clientID)
	for _, g := range e.refresh {
		if g.tenantID == tenantID && g.clientID == clientID {
			g.revoked = true
		}
	}
}

// BlockByConditionalAccess makes a conditional-access policy of the tenant
// block (or, with blocked false, stop blocking) the app's client-credentials
// sign-ins: the token endpoint answers AADSTS53003 as Entra does when a
// policy for workload identities applies.
func (e *Entra) BlockByConditionalAccess(tenantID, clientID string, blocked bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if blocked {
		e.caBlocked[tenantID+"/"+clientID] = true
	} else {
		delete(e.caBlocked, tenantID+"/"+clientID)
	}
}

// IncompleteConsent removes granted permissions (by name, e.g.
// "User.Read.All", or "resource/name") from the app's service principal, so
// its tokens come out without them. With no names it drops all but the first.
func (e *Entra) IncompleteConsent(tenantID, clientID string, drop ...string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	sp := e.sps[tenantID+"/"+clientID]
	if sp == nil || len(sp.Permissions) == 0 {
		return
	}
	if len(drop) == 0 {
		sp.Permissions = sp.Permissions[:1]
		return
	}
	kept := sp.Permissions[:0:0]
	for _, p := range sp.Permissions {
		if !p.matchesAny(drop) {
			kept = append(kept, p)
		}
	}
	sp.Permissions = kept
}

// Consents lists the service principals in a tenant, by client ID.
func (e *Entra) Consents(tenantID string) []Consent {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Consent
	for _, sp := range e.sps {
		if sp.TenantID == tenantID {
			c := *sp
			c.Permissions = append([]Permission(nil), sp.Permissions...)
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ClientID < out[j].ClientID })
	return out
}

// PrincipalType says what objectID is in tenantID: "User",
// "ServicePrincipal" or "" when it does not exist (ARM's PrincipalNotFound).
func (e *Entra) PrincipalType(tenantID, objectID string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, u := range e.users {
		if u.TenantID == tenantID && strings.EqualFold(u.ObjectID, objectID) {
			return "User"
		}
	}
	for _, sp := range e.sps {
		if sp.TenantID == tenantID && strings.EqualFold(sp.ObjectID, objectID) {
			return "ServicePrincipal"
		}
	}
	return ""
}

// ServicePrincipalID returns the object ID of the app's service principal
// in the tenant ("" when the app has none there).
func (e *Entra) ServicePrincipalID(tenantID, clientID string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if sp := e.sps[tenantID+"/"+clientID]; sp != nil {
		return sp.ObjectID
	}
	return ""
}

// Handler serves the Entra endpoints.
func (e *Entra) Handler() http.Handler { return http.HandlerFunc(e.route) }

// tenantFor resolves a path's tenant segment: an ID, a verified domain, or
// "common"/"organizations"/"consumers" (returned as nil, ok).
func (e *Entra) tenantFor(seg string) (t *Tenant, multi bool, ok bool) {
	switch strings.ToLower(seg) {
	case "common", "organizations":
		return nil, true, true
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, t := range e.tenants {
		if strings.EqualFold(t.ID, seg) || strings.EqualFold(t.Domain, seg) {
			return t, false, true
		}
	}
	return nil, false, false
}

// AddRedirectURI registers one more redirect URI on an app (Canopy's own
// URL is known only once its server listens).
func (e *Entra) AddRedirectURI(clientID, uri string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if a := e.apps[clientID]; a != nil && !contains(a.RedirectURIs, uri) {
		a.RedirectURIs = append(a.RedirectURIs, uri)
	}
}

// Tenants lists the tenants by name.
func (e *Entra) Tenants() []Tenant {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Tenant, 0, len(e.tenants))
	for _, t := range e.tenants {
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// GrantAdminConsent records a tenant admin's consent to the app for scope
// (as the admin-consent page's Accept does), for the demo and tests that
// need a consented tenant without a browser.
func (e *Entra) GrantAdminConsent(tenantID, clientID, scope string) error {
	e.mu.Lock()
	app := e.apps[clientID]
	e.mu.Unlock()
	if app == nil {
		return fmt.Errorf("sandbox entra: no app %s", clientID)
	}
	if e.tenantByID(tenantID) == nil {
		return fmt.Errorf("sandbox entra: no tenant %s", tenantID)
	}
	e.grant(tenantID, app, requestedPermissions(app, scope), true)
	return nil
}
