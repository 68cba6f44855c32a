package auth

import (
	"context"
	"errors"
	"log/slog"
	"sync"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/keyvault"
	"github.com/canopyhq/canopy/internal/store"
)

// ErrBadCredentials is the one answer to an unknown email, a deactivated
// account and a wrong password, so strangers cannot probe for accounts.
var ErrBadCredentials = &domain.Error{Code: domain.CodeUnauthenticated,
	Message: "That email and password do not match an active account."}

// ErrThrottled is the answer once too many attempts failed.
var ErrThrottled = &domain.Error{Code: domain.CodeRateLimited,
	Message: "Too many failed attempts. Wait 15 minutes and try again, or reset your password."}

// ErrBadCode is the answer to a wrong second factor.
var ErrBadCode = &domain.Error{Code: domain.CodeUnauthenticated, Field: "code",
	Message: "That code is not valid. Check your authenticator app and try again."}

var (
	dummyOnce sync.Once
	dummyHash string
)

// burnPasswordCheck does the work of a password check for unknown emails so
// response times do not reveal whether an account exists.
func burnPasswordCheck(pw string) {
	dummyOnce.Do(func() { dummyHash, _ = HashPassword("canopy-timing-equaliser-not-a-password") })
	_, _, _ = CheckPassword(pw, dummyHash)
}

func accountKey(email string) string { return "signin:acct:" + store.NormalizeEmail(email) }
func ipKey(ip string) string         { return "signin:ip:" + ip }

// throttled reports whether an email or client address is over its limit.
func (s *Service) throttled(ctx context.Context, email, ip string) (bool, error) {
	since := domain.Now().Add(-s.Limits.Window)
	n, err := s.Store.CountRateEvents(ctx, accountKey(email), since)
	if err != nil || n >= s.Limits.PerAccount {
		return err == nil, err
	}
	n, err = s.Store.CountRateEvents(ctx, ipKey(ip), since)
	return err == nil && n >= s.Limits.PerIP, err
}

func (s *Service) recordFailure(ctx context.Context, email string, who audit.Actor, userID, reason string) {
	now := domain.Now()
	for _, k := range []string{accountKey(email), ipKey(who.IP)} {
		if err := s.Store.AddRateEvent(ctx, k, now); err != nil {
			slog.ErrorContext(ctx, "rate limit: record failure", "err", err)
		}
	}
	e := audit.Entry{Action: "user.signin_failed", Details: map[string]any{"email": store.NormalizeEmail(email), "reason": reason}}
	if userID != "" {
		e.TargetType, e.TargetID = "user", userID
	}
	audit.MustRecord(ctx, s.Store, who, e)
}

// Authenticate checks an email and password. It returns the user when they
// match an active account, and ErrBadCredentials or ErrThrottled otherwise.
// The caller must still ask for the second factor when u.MFAEnabled.
func (s *Service) Authenticate(ctx context.Context, email, password string, who audit.Actor) (domain.User, error) {
	if over, err := s.throttled(ctx, email, who.IP); err != nil || over {
		if err == nil {
			err = ErrThrottled
			s.recordFailure(ctx, email, who, "", "throttled")
		}
		return domain.User{}, err
	}
	if fed, err := s.Federated(ctx, email); err != nil || fed {
		if err == nil {
			err = ErrFederated
			s.recordFailure(ctx, email, who, "", "federated domain: password sign-in refused")
		}
		return domain.User{}, err
	}
	u, err := s.Store.GetUserByEmail(ctx, email)
	if domain.ErrorCode(err) == domain.CodeNotFound || (err == nil && u.PasswordHash == "") {
		burnPasswordCheck(password)
		s.recordFailure(ctx, email, who, u.ID, "unknown account")
		return domain.User{}, ErrBadCredentials
	}
	if err != nil {
		return domain.User{}, err
	}
	ok, rehash, err := CheckPasswordContext(ctx, password, u.PasswordHash)
	if ctx.Err() != nil {
		return domain.User{}, ctx.Err() // the request was abandoned: not a failed attempt
	}
	if err != nil || !ok {
		s.recordFailure(ctx, email, who, u.ID, "wrong password")
		return domain.User{}, ErrBadCredentials
	}
	if u.Status != domain.UserActive {
		s.recordFailure(ctx, email, who, u.ID, "account "+u.Status)
		return domain.User{}, ErrBadCredentials
	}
	if _, err := s.DefaultOrg(ctx, u.ID, ""); err != nil {
		s.recordFailure(ctx, email, who, u.ID, "no active membership")
		return domain.User{}, ErrBadCredentials
	}
	if rehash {
		s.rehash(ctx, u, password)
	}
	return u, nil
}

// rehash upgrades a stored hash to the current parameters.
func (s *Service) rehash(ctx context.Context, u domain.User, password string) {
	h, err := HashPassword(password)
	if err == nil {
		err = s.Store.RehashPassword(ctx, u.ID, u.PasswordHash, h)
	}
	if err != nil {
		slog.ErrorContext(ctx, "rehash password", "user", u.ID, "err", err)
	}
}

// VerifySecondFactor checks a TOTP code or, when recovery is set, a
// recovery code (each usable once).
func (s *Service) VerifySecondFactor(ctx context.Context, userID, code, recovery string, who audit.Actor) error {
	u, err := s.Store.GetUser(ctx, userID)
	if err != nil {
		return err
	}
	if over, err := s.throttled(ctx, u.Email, who.IP); err != nil || over {
		return errors.Join(err, ErrThrottled)
	}
	ok, method, err := s.checkSecondFactor(ctx, u, code, recovery)
	if err != nil {
		return err
	}
	if !ok {
		s.recordFailure(ctx, u.Email, who, u.ID, "wrong "+method)
		return ErrBadCode
	}
	audit.MustRecord(ctx, s.Store, who, audit.Entry{Action: "user.mfa_verified", TargetType: "user",
		TargetID: u.ID, Details: map[string]any{"method": method}})
	return nil
}

func (s *Service) checkSecondFactor(ctx context.Context, u domain.User, code, recovery string) (bool, string, error) {
	if !u.MFAEnabled {
		return false, "totp", &domain.Error{Code: domain.CodeInvalid, Message: "MFA is not enabled for this account"}
	}
	if recovery != "" {
		ok, err := s.Store.UseRecoveryCode(ctx, u.ID, HashRecoveryCode(recovery), domain.Now())
		return ok, "recovery code", err
	}
	secret, err := keyvault.OpenString(s.Vault, u.MFASecret, mfaAAD(u.ID))
	if err != nil {
		return false, "totp", err
	}
	step, ok := VerifyTOTP(code, secret, domain.Now(), u.MFALastStep)
	if !ok {
		return false, "totp", nil
	}
	// The conditional update makes a code single-use across processes.
	ok, err = s.Store.AdvanceMFAStep(ctx, u.ID, step)
	return ok, "totp", err
}

// StartSession records a completed password sign-in for a new session token.
func (s *Service) StartSession(ctx context.Context, u domain.User, tokenHash string, who audit.Actor) error {
	return s.StartSessionBy(ctx, u, tokenHash, who, map[string]any{"method": "password"})
}

// StartSessionBy records a completed sign-in; how names the method (and,
// for single sign-on, the connection) in the audit entry.
func (s *Service) StartSessionBy(ctx context.Context, u domain.User, tokenHash string, who audit.Actor, how map[string]any) error {
	now := domain.Now()
	if err := s.Store.ClearRateEvents(ctx, accountKey(u.Email)); err != nil {
		return err
	}
	info := domain.SessionInfo{ID: domain.NewID(domain.PrefixSession), UserID: u.ID, TokenHash: tokenHash,
		IP: who.IP, UserAgent: truncateUA(who.UserAgent), CreatedAt: now, LastSeenAt: now}
	if err := s.Store.RecordSession(ctx, info); err != nil {
		return err
	}
	if err := s.Store.TouchSignIn(ctx, u.ID, now); err != nil {
		return err
	}
	who.UserID, who.Email = u.ID, u.Email
	details := map[string]any{"mfa": u.MFAEnabled}
	for k, v := range how {
		details[k] = v
	}
	return audit.Record(ctx, s.Store, who, audit.Entry{Action: "user.signin", TargetType: "user", TargetID: u.ID,
		Details: details})
}

// SignedOut records a sign-out.
func (s *Service) SignedOut(ctx context.Context, u domain.User, who audit.Actor) {
	s.SignedOutBy(ctx, u, who, nil)
}

// SignedOutBy records a sign-out with how it went (single sign-on: the
// connection and whether the identity provider was asked to sign out too).
func (s *Service) SignedOutBy(ctx context.Context, u domain.User, who audit.Actor, how map[string]any) {
	who.UserID, who.Email = u.ID, u.Email
	audit.MustRecord(ctx, s.Store, who, audit.Entry{Action: "user.signout", TargetType: "user", TargetID: u.ID, Details: how})
}

func truncateUA(ua string) string {
	if len(ua) > 300 {
		return ua[:300]
	}
	return ua
}
