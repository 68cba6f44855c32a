package auth

import (
	"context"
	"strings"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// ErrFederated answers a password sign-in or reset for an email whose
// domain signs in with single sign-on. It names the domain, not the account,
// so it reveals nothing about who has one.
var ErrFederated = &domain.Error{Code: domain.CodeForbidden, Field: "email",
	Message: "Your organisation signs you in with single sign-on, so Canopy has no password for this email. Go back to the sign-in page and continue with your email to sign in at your identity provider; your IT department resets passwords there."}

// EmailDomain returns the normalised domain of an email ("" when none).
func EmailDomain(email string) string {
	e := store.NormalizeEmail(email)
	i := strings.LastIndexByte(e, '@')
	if i < 0 || i == len(e)-1 {
		return ""
	}
	return e[i+1:]
}

// Federated reports whether the email's domain belongs to an enabled
// single sign-on connection.
func (s *Service) Federated(ctx context.Context, email string) (bool, error) {
	d := EmailDomain(email)
	if d == "" {
		return false, nil
	}
	c, err := s.Store.SSOConnectionForDomain(ctx, d)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return false, nil
	}
	return err == nil && c.Enabled, err
}
