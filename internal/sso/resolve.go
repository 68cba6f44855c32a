package sso

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// resolve finds the Canopy user an identity is: by the subject linked
// before, else by email (whose domain must be one of the connection's, so
// an identity provider cannot speak for other domains), else a
// just-in-time account when the connection allows it. The user must be an
// active member of the connection's organisation.
func (s *Service) resolve(ctx context.Context, c store.SSOConnection, id Identity, who audit.Actor,
	refuse func(orgID, reason, msg string) error) (domain.User, error) {
	if id.Subject == "" {
		return domain.User{}, refuse(c.OrgID, "no subject", "")
	}
	var u domain.User
	uid, err := s.Store.SSOIdentityUser(ctx, c.ID, id.Subject)
	switch domain.ErrorCode(err) {
	case "":
		if u, err = s.Store.GetUser(ctx, uid); err != nil {
			return u, err
		}
	case domain.CodeNotFound:
		if id.Email == "" {
			return u, refuse(c.OrgID, "no email claim", "Your identity provider did not send your email address. Ask your administrator to check the claim mapping.")
		}
		if !slices.Contains(c.Domains, auth.EmailDomain(id.Email)) {
			return u, refuse(c.OrgID, "email domain "+auth.EmailDomain(id.Email)+" is not a domain of the connection",
				"Your identity provider signed you in as "+id.Email+", whose domain does not use this connection. Ask your administrator.")
		}
		u, err = s.Store.GetUserByEmail(ctx, id.Email)
		if domain.ErrorCode(err) == domain.CodeNotFound {
			return s.justInTime(ctx, c, id, who, refuse)
		}
		if err != nil {
			return u, err
		}
	default:
		return u, err
	}
	if u.Status == domain.UserDeactivated {
		return u, refuse(c.OrgID, "account deactivated", "")
	}
	m, err := s.Store.GetMember(ctx, c.OrgID, u.ID)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		if !c.JIT {
			return u, s.notSetUp(ctx, c, id, who)
		}
		if err := s.Store.InTx(ctx, func(tx *store.Tx) error { return addJIT(ctx, tx, c, u, id, who, false) }); err != nil {
			return u, err
		}
	} else if err != nil {
		return u, err
	} else if m.Status != domain.UserActive {
		return u, refuse(c.OrgID, "membership deactivated", "")
	} else if err := s.syncRoles(ctx, c, u.ID, id, who); err != nil {
		return u, err
	}
	if u.Status == domain.UserInvited {
		// The identity provider proved who they are: the invitation is moot.
		if err := s.Store.SetUserStatus(ctx, u.ID, domain.UserActive, domain.Now()); err != nil {
			return u, err
		}
		u.Status = domain.UserActive
	}
	if u.PasswordHash != "" || u.MustChangePassword {
		// The domain is federated: the local password can no longer be
		// used, so it is removed rather than left to be stolen.
		if err := s.Store.ClearPassword(ctx, u.ID, domain.Now()); err != nil {
			return u, err
		}
		u.PasswordHash, u.MustChangePassword = "", false
		if err := audit.Record(ctx, s.Store, who, audit.Entry{OrgID: c.OrgID, Action: "user.password_removed", TargetType: "user",
			TargetID: u.ID, Details: map[string]any{"reason": "signed in with single sign-on", "connection": c.ID}}); err != nil {
			return u, err
		}
	}
	if u.Name == "" && id.Name() != "" {
		if err := s.Store.SetUserName(ctx, u.ID, id.Name(), domain.Now()); err == nil {
			u.Name = id.Name()
		}
	}
	return u, s.Store.LinkSSOIdentity(ctx, c.OrgID, c.ID, id.Subject, u.ID)
}

func (s *Service) notSetUp(ctx context.Context, c store.SSOConnection, id Identity, who audit.Actor) error {
	if err := audit.Record(ctx, s.Store, who, audit.Entry{OrgID: c.OrgID, Action: "user.sso_failed",
		TargetType: "sso_connection", TargetID: c.ID, Details: map[string]any{"reason": "no Canopy account",
			"email": id.Email}}); err != nil {
		return err
	}
	contacts, err := s.Store.ListOrgAdminEmails(ctx, c.OrgID, auth.RoleOwner, auth.RoleAdmin)
	if err != nil {
		return err
	}
	slices.Sort(contacts)
	return &NotSetUp{Email: id.Email, ProviderName: c.Name, Contacts: slices.Compact(contacts)}
}

func (s *Service) justInTime(ctx context.Context, c store.SSOConnection, id Identity, who audit.Actor,
	refuse func(orgID, reason, msg string) error) (domain.User, error) {
	if !c.JIT {
		return domain.User{}, s.notSetUp(ctx, c, id, who)
	}
	now := domain.Now()
	u := domain.User{ID: domain.NewID(domain.PrefixUser), Email: id.Email, Name: id.Name(), Status: domain.UserActive,
		CreatedAt: now, UpdatedAt: now}
	u.Email = store.NormalizeEmail(u.Email)
	// The account, its membership and its identity are made together or
	// not at all.
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		return addJIT(ctx, tx, c, u, id, who, true)
	})
	if domain.ErrorCode(err) == domain.CodeConflict {
		return u, refuse(c.OrgID, "account created concurrently", "")
	}
	return u, err
}

// addJIT makes u a member with the roles its groups map to (else the
// connection's just-in-time role) and links the identity.
func addJIT(ctx context.Context, tx *store.Tx, c store.SSOConnection, u domain.User, id Identity, who audit.Actor, created bool) error {
	var mapping []GroupRole
	_ = json.Unmarshal(c.GroupRoles, &mapping)
	roles := rolesFor(id.Groups, mapping, c.JITRole)
	grants := make([]domain.RoleGrant, 0, len(roles))
	for _, r := range roles {
		grants = append(grants, domain.RoleGrant{Role: r})
	}
	if err := tx.AddMember(ctx, c.OrgID, u.ID, grants, domain.Now()); err != nil {
		return err
	}
	if err := tx.LinkSSOIdentity(ctx, c.OrgID, c.ID, id.Subject, u.ID); err != nil {
		return err
	}
	return audit.Record(ctx, tx, who, audit.Entry{OrgID: c.OrgID, Action: "user.sso_provisioned", TargetType: "user",
		TargetID: u.ID, Details: map[string]any{"connection": c.ID, "email": u.Email, "roles": roles,
			"account_created": created}})
}
