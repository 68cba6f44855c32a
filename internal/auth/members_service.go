package auth

import (
	"context"
	"fmt"
	"net/mail"
	"slices"
	"strings"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/domain"
	canopymail "github.com/canopyhq/canopy/internal/mail"
	"github.com/canopyhq/canopy/internal/store"
)

// Ways to add a person.
const (
	AddByInvitation = "invite"   // email a link to set a password
	AddWithPassword = "password" // create with a one-time password shown once
)

// NewMember is what an admin enters to add a person.
type NewMember struct {
	Email string
	Name  string
	Roles []string
	Mode  string
}

// Added reports what AddMember did.
type Added struct {
	User            domain.User
	Existing        bool   // the person already had an account (added to the org)
	OneTimePassword string // only for AddWithPassword and a new account
}

// AddMember invites or creates a person in the principal's org. An
// existing account is only added to the org: its password is never set
// by another org's admin.
func (s *Service) AddMember(ctx context.Context, p *Principal, in NewMember, who audit.Actor) (Added, error) {
	if err := p.Require(PermUsersManage); err != nil {
		return Added{}, err
	}
	grants, err := s.checkRoles(p, in.Roles)
	if err != nil {
		return Added{}, err
	}
	in.Email = store.NormalizeEmail(in.Email)
	if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email {
		return Added{}, domain.FieldError("email", "Enter a valid email address, like name@example.com.")
	}
	if in.Mode != AddByInvitation && in.Mode != AddWithPassword {
		return Added{}, domain.FieldError("mode", "Choose to send an invitation or to create a one-time password.")
	}
	otp, err := newOneTime(in.Mode)
	if err != nil {
		return Added{}, err
	}
	var res Added
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		res, err = s.addMemberTx(ctx, tx, p.Org.ID, in, grants, otp)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: "user.add", TargetType: "user",
			TargetID: res.User.ID, Details: map[string]any{"email": in.Email, "roles": in.Roles, "mode": in.Mode, "existing": res.Existing}})
	})
	if err != nil {
		return Added{}, err
	}
	return res, s.sendAddedMail(ctx, p, res, in.Mode)
}

// oneTime is a one-time password, hashed before the transaction so the
// database's writer is never held during argon2id.
type oneTime struct{ plain, hash string }

func newOneTime(mode string) (oneTime, error) {
	if mode != AddWithPassword {
		return oneTime{}, nil
	}
	plain := OneTimePassword()
	hash, err := HashPassword(plain)
	return oneTime{plain: plain, hash: hash}, err
}

func (s *Service) addMemberTx(ctx context.Context, tx *store.Tx, orgID string, in NewMember, grants []domain.RoleGrant, otp oneTime) (Added, error) {
	now := domain.Now()
	u, err := tx.GetUserByEmail(ctx, in.Email)
	switch {
	case err == nil:
		return Added{User: u, Existing: true}, tx.AddMember(ctx, orgID, u.ID, grants, now)
	case domain.ErrorCode(err) != domain.CodeNotFound:
		return Added{}, err
	}
	u = domain.User{ID: domain.NewID(domain.PrefixUser), Email: in.Email, Name: strings.TrimSpace(in.Name),
		Status: domain.UserInvited, CreatedAt: now, UpdatedAt: now}
	var res Added
	if otp.hash != "" {
		res.OneTimePassword, u.PasswordHash = otp.plain, otp.hash
		u.Status, u.PasswordChangedAt, u.MustChangePassword = domain.UserActive, &now, true
	}
	if err := tx.CreateUser(ctx, u); err != nil {
		return Added{}, err
	}
	res.User = u
	return res, tx.AddMember(ctx, orgID, u.ID, grants, now)
}

// OneTimePassword returns a random password that passes the password rules.
func OneTimePassword() string {
	plain, _ := NewSecretToken("")
	return strings.Join([]string{plain[0:5], plain[5:10], plain[10:15], plain[15:20]}, "-")
}

func (s *Service) sendAddedMail(ctx context.Context, p *Principal, res Added, mode string) error {
	from := p.User.DisplayName()
	if res.Existing && res.User.Status != domain.UserInvited {
		return s.Mail.Send(ctx, canopymail.Message{To: res.User.Email, Subject: "You were added to " + p.Org.Name + " on Canopy",
			Text: fmt.Sprintf("%s added you to the organisation %s on Canopy.\n\nSign in with your existing account: %s/signin\n", from, p.Org.Name, s.BaseURL)})
	}
	if mode != AddByInvitation && !res.Existing {
		return nil // the admin hands over the one-time password
	}
	// A new account, or one still waiting for its first password (invited
	// by another org): send a fresh invitation link.
	plain, hash := NewSecretToken("inv_")
	t := store.UserToken{UserID: res.User.ID, OrgID: p.Org.ID, Purpose: PurposeInvite, ExpiresAt: domain.Now().Add(InviteLinkTTL)}
	if err := s.Store.CreateUserToken(ctx, hash, t, domain.Now()); err != nil {
		return err
	}
	return s.Mail.Send(ctx, canopymail.Message{To: res.User.Email, Subject: "You are invited to " + p.Org.Name + " on Canopy",
		Text: fmt.Sprintf("%s invited you to the organisation %s on Canopy.\n\nSet your password here (the link works once and expires in 7 days):\n%s/invite/%s\n",
			from, p.Org.Name, s.BaseURL, plain)})
}

// AcceptInvitation sets the name and password of an invited person.
func (s *Service) AcceptInvitation(ctx context.Context, plain, name, password string, who audit.Actor) (domain.User, error) {
	u, err := s.CheckLink(ctx, plain, PurposeInvite)
	if err != nil {
		return u, linkError(err)
	}
	if name = strings.TrimSpace(name); name == "" {
		name = u.Name
	}
	hash, err := s.newPasswordHash(password, u.Email, name)
	if err != nil {
		return u, err
	}
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ConsumeUserToken(ctx, HashSecretToken(plain), PurposeInvite, domain.Now()); err != nil {
			return linkError(err)
		}
		if err := s.activate(ctx, tx, u.ID, name, hash); err != nil {
			return err
		}
		who.UserID, who.Email = u.ID, u.Email
		return audit.Record(ctx, tx, who, audit.Entry{Action: "user.invitation_accepted", TargetType: "user", TargetID: u.ID})
	})
	u.Name, u.Status = name, domain.UserActive
	return u, err
}

func (s *Service) activate(ctx context.Context, tx *store.Tx, userID, name, hash string) error {
	now := domain.Now()
	if err := tx.SetUserName(ctx, userID, name, now); err != nil {
		return err
	}
	if err := tx.SetPassword(ctx, userID, hash, now); err != nil {
		return err
	}
	return tx.SetUserStatus(ctx, userID, domain.UserActive, now)
}

// checkRoles validates role keys and that the actor may hand them out.
func (s *Service) checkRoles(p *Principal, roles []string) ([]domain.RoleGrant, error) {
	if len(roles) == 0 {
		return nil, domain.FieldError("roles", "Choose at least one role.")
	}
	var grants []domain.RoleGrant
	for _, r := range roles {
		if _, ok := RoleByKey(r); !ok {
			return nil, domain.FieldError("roles", "Unknown role %q.", r)
		}
		if !CanAssignRole(p.Grants, r) {
			return nil, &domain.Error{Code: domain.CodeForbidden, Field: "roles", Message: "You may not assign the role " + r + "."}
		}
		grants = append(grants, domain.RoleGrant{Role: r})
	}
	return grants, nil
}

// SetRoles replaces a member's org-wide roles, keeping at least one owner.
func (s *Service) SetRoles(ctx context.Context, p *Principal, userID string, roles []string, who audit.Actor) error {
	if err := p.Require(PermRolesManage); err != nil {
		return err
	}
	grants, err := s.checkRoles(p, roles)
	if err != nil {
		return err
	}
	m, err := s.Store.GetMember(ctx, p.Org.ID, userID)
	if err != nil {
		return err
	}
	orgWide, scoped := splitGrants(m.Grants)
	before := roleKeys(orgWide)
	if slices.Contains(before, RoleOwner) && !slices.Contains(roles, RoleOwner) && !CanAssignRole(p.Grants, RoleOwner) {
		return &domain.Error{Code: domain.CodeForbidden, Field: "roles", Message: "Only an owner can remove the owner role."}
	}
	// The store replaces all grants; grants on parts of the org are not
	// this call's to drop.
	grants = append(grants, scoped...)
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SetGrants(ctx, p.Org.ID, userID, grants, domain.Now()); err != nil {
			return err
		}
		if err := keepAnOwner(ctx, tx, p.Org.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: "role.change", TargetType: "user",
			TargetID: userID, Details: map[string]any{"email": m.User.Email, "before": before, "after": roles}})
	})
}

func keepAnOwner(ctx context.Context, tx *store.Tx, orgID string) error {
	n, err := tx.CountRoleHolders(ctx, orgID, RoleOwner)
	if err == nil && n == 0 {
		err = &domain.Error{Code: domain.CodeConflict, Field: "roles", Message: "An organisation needs at least one active owner."}
	}
	return err
}

// splitGrants separates org-wide grants from grants on a part of the org.
func splitGrants(gs []domain.RoleGrant) (orgWide, scoped []domain.RoleGrant) {
	for _, g := range gs {
		if g.ScopeKind == "" {
			orgWide = append(orgWide, g)
		} else {
			scoped = append(scoped, g)
		}
	}
	return orgWide, scoped
}

func roleKeys(gs []domain.RoleGrant) []string {
	out := make([]string, 0, len(gs))
	for _, g := range gs {
		out = append(out, g.Role)
	}
	return out
}

// SetMemberActive deactivates or reactivates a member in the org. A
// deactivated member's sessions and tokens stop working there at once.
func (s *Service) SetMemberActive(ctx context.Context, p *Principal, userID string, active bool, who audit.Actor) error {
	if err := p.Require(PermUsersManage); err != nil {
		return err
	}
	if userID == p.User.ID && !active {
		return &domain.Error{Code: domain.CodeConflict, Message: "You cannot deactivate yourself."}
	}
	m, err := s.Store.GetMember(ctx, p.Org.ID, userID)
	if err != nil {
		return err
	}
	// Switching an owner off or on moves ownership, which (as for the
	// owner role itself) only an owner may do.
	if orgWide, _ := splitGrants(m.Grants); slices.Contains(roleKeys(orgWide), RoleOwner) && !CanAssignRole(p.Grants, RoleOwner) {
		return &domain.Error{Code: domain.CodeForbidden, Message: "Only an owner can deactivate or reactivate an owner."}
	}
	status, action := domain.UserActive, "user.reactivate"
	if !active {
		status, action = domain.UserDeactivated, "user.deactivate"
	}
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SetMemberStatus(ctx, p.Org.ID, userID, status); err != nil {
			return err
		}
		if err := keepAnOwner(ctx, tx, p.Org.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: action, TargetType: "user",
			TargetID: userID, Details: map[string]any{"email": m.User.Email}})
	})
}
