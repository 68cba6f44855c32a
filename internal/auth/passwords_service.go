package auth

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/mail"
	"github.com/canopyhq/canopy/internal/store"
)

// Single-use link purposes and their token prefixes.
const (
	PurposeReset  = "reset"
	PurposeInvite = "invite"
)

// contextWords are the parts of the account a password must not contain.
func contextWords(email, name string) []string {
	local, _, _ := strings.Cut(email, "@")
	return append([]string{local}, strings.Fields(name)...)
}

// RequestPasswordReset emails a single-use link to an active account. It
// answers the same (nil) whether or not the email exists.
func (s *Service) RequestPasswordReset(ctx context.Context, email string, who audit.Actor) error {
	if fed, err := s.Federated(ctx, email); err != nil || fed {
		if err == nil {
			err = ErrFederated
		}
		return err
	}
	key := "reset:" + store.NormalizeEmail(email)
	n, err := s.Store.CountRateEvents(ctx, key, domain.Now().Add(-s.Limits.Window))
	if err != nil || n >= s.Limits.ResetsPerWindow {
		return err // quietly drop floods; the page says the same either way
	}
	if err := s.Store.AddRateEvent(ctx, key, domain.Now()); err != nil {
		return err
	}
	u, err := s.Store.GetUserByEmail(ctx, email)
	if err != nil || u.Status != domain.UserActive {
		if domain.ErrorCode(err) == domain.CodeNotFound || err == nil {
			return nil
		}
		return err
	}
	plain, hash := NewSecretToken("rst_")
	expires := domain.Now().Add(ResetLinkTTL)
	if err := s.Store.CreateUserToken(ctx, hash, store.UserToken{UserID: u.ID, Purpose: PurposeReset, ExpiresAt: expires}, domain.Now()); err != nil {
		return err
	}
	audit.MustRecord(ctx, s.Store, who, audit.Entry{Action: "user.password_reset_requested", TargetType: "user", TargetID: u.ID})
	link := s.BaseURL + "/reset/" + plain
	return s.Mail.Send(ctx, mail.Message{To: u.Email, Subject: "Reset your Canopy password",
		Text: fmt.Sprintf("Someone asked to reset the password of your Canopy account %s.\n\n"+
			"Choose a new password here (the link works once and expires in 1 hour):\n%s\n\n"+
			"If it was not you, ignore this email: your password stays as it is.\n", u.Email, link)})
}

// CheckLink reports whether a reset or invitation link is still usable.
func (s *Service) CheckLink(ctx context.Context, plain, purpose string) (domain.User, error) {
	t, err := s.Store.PeekUserToken(ctx, HashSecretToken(plain), purpose, domain.Now())
	if err != nil {
		return domain.User{}, err
	}
	return s.Store.GetUser(ctx, t.UserID)
}

// ResetPassword sets a new password through a reset link and signs the
// account out everywhere.
func (s *Service) ResetPassword(ctx context.Context, plain, password string, who audit.Actor) (domain.User, error) {
	u, err := s.CheckLink(ctx, plain, PurposeReset)
	if err != nil {
		return u, linkError(err)
	}
	if fed, err := s.Federated(ctx, u.Email); err != nil || fed {
		if err == nil {
			err = ErrFederated
		}
		return u, err
	}
	hash, err := s.newPasswordHash(password, u.Email, u.Name)
	if err != nil {
		return u, err
	}
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ConsumeUserToken(ctx, HashSecretToken(plain), PurposeReset, domain.Now()); err != nil {
			return linkError(err)
		}
		if err := tx.SetPassword(ctx, u.ID, hash, domain.Now()); err != nil {
			return err
		}
		if _, err := tx.RevokeUserSessions(ctx, u.ID, ""); err != nil {
			return err
		}
		who.UserID, who.Email = u.ID, u.Email
		return audit.Record(ctx, tx, who, audit.Entry{Action: "user.password_reset", TargetType: "user", TargetID: u.ID})
	})
	if err == nil {
		s.notifyPasswordChanged(ctx, u)
	}
	return u, err
}

// ChangePassword changes a signed-in user's password after checking the
// current one; other sessions end, the current one (keep) stays.
func (s *Service) ChangePassword(ctx context.Context, u domain.User, current, password, keep string, who audit.Actor) error {
	if err := s.recheckPassword(u, current); err != nil {
		return err
	}
	if current == password {
		return domain.FieldError("password", "The new password must differ from the current one.")
	}
	hash, err := s.newPasswordHash(password, u.Email, u.Name)
	if err != nil {
		return err
	}
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SetPassword(ctx, u.ID, hash, domain.Now()); err != nil {
			return err
		}
		if _, err := tx.RevokeUserSessions(ctx, u.ID, keep); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, audit.Entry{Action: "user.password_changed", TargetType: "user", TargetID: u.ID})
	})
	if err == nil {
		s.notifyPasswordChanged(ctx, u)
	}
	return err
}

func (s *Service) newPasswordHash(password, email, name string) (string, error) {
	if err := ValidateNewPassword(password, contextWords(email, name)...); err != nil {
		return "", err
	}
	return HashPassword(password)
}

func (s *Service) notifyPasswordChanged(ctx context.Context, u domain.User) {
	err := s.Mail.Send(ctx, mail.Message{To: u.Email, Subject: "Your Canopy password was changed",
		Text: "The password of your Canopy account " + u.Email + " was just changed.\n\n" +
			"If you did not do this, reset your password at " + s.BaseURL + "/forgot and tell your administrator.\n"})
	if err != nil {
		slog.ErrorContext(ctx, "queue password-changed notice", "err", err)
	}
}

func linkError(err error) error {
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return &domain.Error{Code: domain.CodeInvalid, Field: "token",
			Message: "This link has expired or has already been used. Ask for a new one."}
	}
	return err
}
