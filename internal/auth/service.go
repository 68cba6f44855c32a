package auth

import (
	"context"
	"slices"
	"time"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/keyvault"
	"github.com/canopyhq/canopy/internal/mail"
	"github.com/canopyhq/canopy/internal/store"
)

// Link lifetimes.
const (
	ResetLinkTTL  = time.Hour
	InviteLinkTTL = 7 * 24 * time.Hour
)

// Service holds the account rules: sign-in, passwords, MFA, members,
// roles and API tokens. Handlers (web, API, CLI) call it; it calls the
// store and records every change in the audit log.
type Service struct {
	Store   *store.Store
	Vault   keyvault.KeyVault
	Mail    mail.Sender // usually queues a job that sends with retries
	BaseURL string      // for links in emails
	Issuer  string      // shown in authenticator apps
	Limits  Limits
}

// Limits are the sign-in throttles, counted in the database so every
// process sees the same numbers.
type Limits struct {
	Window          time.Duration
	PerAccount      int // failed attempts per email in Window
	PerIP           int // failed attempts per client address in Window
	ResetsPerWindow int // reset emails per address in Window
}

// DefaultLimits are the production throttles.
var DefaultLimits = Limits{Window: 15 * time.Minute, PerAccount: 5, PerIP: 30, ResetsPerWindow: 3}

// NewService returns a Service with default limits.
func NewService(s *store.Store, kv keyvault.KeyVault, m mail.Sender, baseURL string) *Service {
	return &Service{Store: s, Vault: kv, Mail: m, BaseURL: baseURL, Issuer: "Canopy", Limits: DefaultLimits}
}

// Principal is who is acting, in which organisation, with what rights.
type Principal struct {
	User    domain.User
	Org     domain.Org
	Grants  []Grant
	Perms   PermissionSet
	TokenID string // set when acting through an API token
}

// Can reports whether the principal holds a permission org-wide.
func (p *Principal) Can(perm Permission) bool { return p != nil && p.Perms.Has(perm) }

// Actor turns the principal into an audit actor at a client address.
func (p *Principal) Actor(ip, userAgent string) audit.Actor {
	return audit.Actor{UserID: p.User.ID, Email: p.User.Email, IP: ip, UserAgent: userAgent}
}

// Require returns a forbidden error unless the principal holds perm.
func (p *Principal) Require(perm Permission) error {
	if p.Can(perm) {
		return nil
	}
	return &domain.Error{Code: domain.CodeForbidden, Message: "you do not have the " + string(perm) + " permission in this organisation"}
}

// LoadPrincipal builds the principal for a user in an org, refusing
// users who are not active members.
func (s *Service) LoadPrincipal(ctx context.Context, userID, orgID string) (*Principal, error) {
	m, err := s.Store.GetMember(ctx, orgID, userID)
	if err != nil {
		return nil, err
	}
	if m.EffectiveStatus() != domain.UserActive {
		return nil, &domain.Error{Code: domain.CodeForbidden, Message: "your access to this organisation has been deactivated"}
	}
	org, err := s.Store.GetOrg(ctx, orgID)
	if err != nil {
		return nil, err
	}
	grants := toGrants(m.Grants)
	return &Principal{User: m.User, Org: org, Grants: grants, Perms: OrgPermissions(grants)}, nil
}

// DefaultOrg picks the org a user lands in after sign-in: the preferred
// one when still allowed, else the first by name.
func (s *Service) DefaultOrg(ctx context.Context, userID, preferred string) (string, error) {
	orgs, err := s.Store.ListUserOrgs(ctx, userID)
	if err != nil {
		return "", err
	}
	for _, o := range orgs {
		if o.ID == preferred {
			return o.ID, nil
		}
	}
	if len(orgs) == 0 {
		return "", &domain.Error{Code: domain.CodeForbidden, Message: "you are not an active member of any organisation"}
	}
	return orgs[0].ID, nil
}

func toGrants(rg []domain.RoleGrant) []Grant {
	out := make([]Grant, 0, len(rg))
	for _, g := range rg {
		out = append(out, Grant{Role: g.Role, Scope: Scope{Kind: g.ScopeKind, ID: g.ScopeID}})
	}
	return out
}

func fromGrants(gs []Grant) []domain.RoleGrant {
	out := make([]domain.RoleGrant, 0, len(gs))
	for _, g := range gs {
		out = append(out, domain.RoleGrant{Role: g.Role, ScopeKind: g.Scope.Kind, ScopeID: g.Scope.ID})
	}
	return out
}

// ScopeIDs lists the IDs of the scopes of kind in which the principal's
// scoped grants allow perm (org-wide grants are not listed).
func (p *Principal) ScopeIDs(kind string, perm Permission) []string {
	if p == nil {
		return nil
	}
	var out []string
	for _, g := range p.Grants {
		if g.Scope.Kind == kind && Allowed([]Grant{g}, perm, g.Scope) && !slices.Contains(out, g.Scope.ID) {
			out = append(out, g.Scope.ID)
		}
	}
	return out
}

// RequireSomewhere is Require, satisfied also by a scoped grant that
// allows perm in some part of the organisation; the service behind it
// must narrow what it shows to those parts.
func (p *Principal) RequireSomewhere(perm Permission) error {
	if p != nil {
		for _, g := range p.Grants {
			if Allowed([]Grant{g}, perm, g.Scope) {
				return nil
			}
		}
	}
	return p.Require(perm)
}
