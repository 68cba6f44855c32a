package auth

import (
	"context"
	"slices"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/keyvault"
	"github.com/canopyhq/canopy/internal/store"
)

// mfaAAD binds a sealed TOTP secret to its user, so a secret copied onto
// another user's row does not open.
func mfaAAD(userID string) string { return "mfa:" + userID }

// MFAEnrolment is a TOTP secret offered to a user, not yet confirmed.
type MFAEnrolment struct {
	Secret     string
	OTPAuthURL string
	QRPNG      []byte
}

// BeginMFA creates a new TOTP secret for the user to scan. Nothing is
// stored until EnableMFA confirms a code from it.
func (s *Service) BeginMFA(u domain.User) (MFAEnrolment, error) {
	secret, url, err := NewTOTPKey(s.Issuer, u.Email)
	if err != nil {
		return MFAEnrolment{}, err
	}
	png, err := TOTPQRCodePNG(url, 220)
	return MFAEnrolment{Secret: secret, OTPAuthURL: url, QRPNG: png}, err
}

// EnableMFA turns MFA on once a code from the new secret checks out, and
// returns fresh recovery codes to show once.
func (s *Service) EnableMFA(ctx context.Context, u domain.User, secret, code string, who audit.Actor) ([]string, error) {
	step, ok := VerifyTOTP(code, secret, domain.Now(), 0)
	if !ok {
		return nil, ErrBadCode
	}
	sealed, err := keyvault.SealString(s.Vault, secret, mfaAAD(u.ID))
	if err != nil {
		return nil, err
	}
	codes := NewRecoveryCodes(RecoveryCodeCount)
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SetMFA(ctx, u.ID, sealed, true, domain.Now()); err != nil {
			return err
		}
		if _, err := tx.AdvanceMFAStep(ctx, u.ID, step); err != nil {
			return err
		}
		if err := tx.ReplaceRecoveryCodes(ctx, u.ID, hashCodes(codes)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, audit.Entry{Action: "user.mfa_enabled", TargetType: "user", TargetID: u.ID})
	})
	return codes, err
}

// DisableMFA turns MFA off after re-checking the password; refused when an
// organisation of the user requires MFA.
func (s *Service) DisableMFA(ctx context.Context, u domain.User, password string, who audit.Actor) error {
	if err := s.recheckPassword(u, password); err != nil {
		return err
	}
	if req, err := s.mfaRequired(ctx, u.ID); err != nil || req {
		if err == nil {
			err = &domain.Error{Code: domain.CodeForbidden, Message: "an organisation you belong to requires MFA, so it cannot be turned off"}
		}
		return err
	}
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SetMFA(ctx, u.ID, "", false, domain.Now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, audit.Entry{Action: "user.mfa_disabled", TargetType: "user", TargetID: u.ID})
	})
}

// RegenerateRecoveryCodes replaces the recovery codes after re-checking the
// password.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, u domain.User, password string, who audit.Actor) ([]string, error) {
	if err := s.recheckPassword(u, password); err != nil {
		return nil, err
	}
	if !u.MFAEnabled {
		return nil, &domain.Error{Code: domain.CodeInvalid, Message: "turn on MFA first"}
	}
	codes := NewRecoveryCodes(RecoveryCodeCount)
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.ReplaceRecoveryCodes(ctx, u.ID, hashCodes(codes)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, audit.Entry{Action: "user.recovery_codes_regenerated", TargetType: "user", TargetID: u.ID})
	})
	return codes, err
}

// ResetMFA lets an administrator clear a member's MFA (lost phone). The
// member must enrol again at next sign-in when the org requires MFA.
func (s *Service) ResetMFA(ctx context.Context, p *Principal, userID string, who audit.Actor) error {
	if err := p.Require(PermUsersManage); err != nil {
		return err
	}
	m, err := s.Store.GetMember(ctx, p.Org.ID, userID)
	if err != nil {
		return err
	}
	// Clearing an owner's second factor is a path to taking over the org,
	// so only an owner may do it.
	if orgWide, _ := splitGrants(m.Grants); slices.Contains(roleKeys(orgWide), RoleOwner) && !CanAssignRole(p.Grants, RoleOwner) {
		return &domain.Error{Code: domain.CodeForbidden, Message: "Only an owner can reset an owner's MFA."}
	}
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SetMFA(ctx, m.User.ID, "", false, domain.Now()); err != nil {
			return err
		}
		if _, err := tx.RevokeUserSessions(ctx, m.User.ID, ""); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: "user.mfa_reset", TargetType: "user",
			TargetID: m.User.ID, Details: map[string]any{"email": m.User.Email}})
	})
}

// mfaRequired reports whether any of the user's organisations requires
// MFA.
func (s *Service) mfaRequired(ctx context.Context, userID string) (bool, error) {
	orgs, err := s.Store.ListUserOrgs(ctx, userID)
	for _, o := range orgs {
		if o.MFARequired {
			return true, err
		}
	}
	return false, err
}

// MustEnrolMFA reports whether the user has to set up MFA before using
// the org (its policy requires MFA and the user has none).
func MustEnrolMFA(p *Principal) bool { return p.Org.MFARequired && !p.User.MFAEnabled }

func (s *Service) recheckPassword(u domain.User, password string) error {
	ok, _, err := CheckPassword(password, u.PasswordHash)
	if err != nil || !ok {
		return &domain.Error{Code: domain.CodeInvalid, Field: "current_password", Message: "Your current password is not correct."}
	}
	return nil
}

func hashCodes(codes []string) []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = HashRecoveryCode(c)
	}
	return out
}
