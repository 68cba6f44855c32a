package auth

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/keyvault"
)

// enableMFA enrols u with a fresh secret and returns it with the recovery
// codes.
func (f *fixture) enableMFA(u domain.User) (string, []string) {
	f.t.Helper()
	enr, err := f.svc.BeginMFA(u)
	if err != nil {
		f.t.Fatal(err)
	}
	code, err := TOTPCode(enr.Secret, domain.Now())
	if err != nil {
		f.t.Fatal(err)
	}
	codes, err := f.svc.EnableMFA(f.ctx, u, enr.Secret, code, who(u))
	if err != nil {
		f.t.Fatalf("enable MFA: %v", err)
	}
	return enr.Secret, codes
}

// wrongCode returns a well-formed code that no step near now accepts.
func wrongCode(t *testing.T, secret string) string {
	t.Helper()
	valid := map[string]bool{}
	for _, d := range []time.Duration{-time.Minute, -30 * time.Second, 0, 30 * time.Second, time.Minute} {
		c, err := TOTPCode(secret, domain.Now().Add(d))
		if err != nil {
			t.Fatal(err)
		}
		valid[c] = true
	}
	for i := 0; ; i++ {
		if c := fmt.Sprintf("%06d", i); !valid[c] {
			return c
		}
	}
}

// nextCode is the code of the step after now, which the service accepts
// for clock drift and which is newer than any code used so far.
func nextCode(t *testing.T, secret string) string {
	t.Helper()
	c, err := TOTPCode(secret, domain.Now().Add(TOTPPeriod*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestEnableMFA(t *testing.T) {
	runService(t, func(f *fixture) {
		t := f.t
		org := f.org("Acme")
		u := f.member(org, "careful@example.com", RoleViewer)
		other := f.member(org, "other@example.com", RoleViewer)

		enr, err := f.svc.BeginMFA(u)
		if err != nil || !strings.HasPrefix(enr.OTPAuthURL, "otpauth://totp/") ||
			!strings.Contains(enr.OTPAuthURL, "issuer=Canopy") || !bytes.HasPrefix(enr.QRPNG, []byte("\x89PNG")) {
			t.Fatalf("begin MFA: url %q, %d PNG bytes, %v", enr.OTPAuthURL, len(enr.QRPNG), err)
		}
		for _, bad := range []string{wrongCode(t, enr.Secret), "abcdef", ""} {
			if _, err := f.svc.EnableMFA(f.ctx, u, enr.Secret, bad, who(u)); err != ErrBadCode {
				t.Fatalf("enable with code %q: want ErrBadCode, got %v", bad, err)
			}
		}
		if f.user(u.ID).MFAEnabled || len(f.audits("user.mfa_enabled")) != 0 {
			t.Fatal("a wrong code must leave MFA off")
		}
		code, _ := TOTPCode(enr.Secret, domain.Now())
		codes, err := f.svc.EnableMFA(f.ctx, u, enr.Secret, code, who(u))
		if err != nil || len(codes) != RecoveryCodeCount {
			t.Fatalf("enable MFA: %d codes, %v", len(codes), err)
		}
		got := f.user(u.ID)
		if !got.MFAEnabled || got.MFASecret == "" || strings.Contains(got.MFASecret, enr.Secret) {
			t.Fatalf("stored MFA state: enabled=%v sealed secret %q", got.MFAEnabled, got.MFASecret)
		}
		if n, _ := f.st.CountRecoveryCodes(f.ctx, u.ID); n != RecoveryCodeCount {
			t.Fatalf("stored recovery codes: %d", n)
		}
		if _, err := keyvault.OpenString(f.svc.Vault, got.MFASecret, mfaAAD(other.ID)); err == nil {
			t.Fatal("a sealed TOTP secret must not open for another user")
		}
		f.wantAudit("user.mfa_enabled", u.ID)
	})
}

func TestSecondFactorTOTP(t *testing.T) {
	runService(t, func(f *fixture) {
		t := f.t
		org := f.org("Acme")
		u := f.member(org, "mfa@example.com", RoleViewer)
		plain := f.member(org, "plain@example.com", RoleViewer)
		secret, _ := f.enableMFA(u)

		enrolCode, _ := TOTPCode(secret, domain.Now())
		if err := f.svc.VerifySecondFactor(f.ctx, u.ID, enrolCode, "", anon("192.0.2.4")); err != ErrBadCode {
			t.Fatalf("the code used to enrol must not be accepted again: %v", err)
		}
		code := nextCode(t, secret)
		if err := f.svc.VerifySecondFactor(f.ctx, u.ID, code, "", anon("192.0.2.4")); err != nil {
			t.Fatalf("valid code: %v", err)
		}
		ev := f.wantAudit("user.mfa_verified", u.ID)
		if !strings.Contains(ev.Details, `"totp"`) {
			t.Fatalf("verified method: %s", ev.Details)
		}
		if err := f.svc.VerifySecondFactor(f.ctx, u.ID, code, "", anon("192.0.2.4")); err != ErrBadCode {
			t.Fatalf("replayed code: want ErrBadCode, got %v", err)
		}
		if err := f.svc.VerifySecondFactor(f.ctx, u.ID, wrongCode(t, secret), "", anon("192.0.2.4")); err != ErrBadCode {
			t.Fatalf("wrong code: want ErrBadCode, got %v", err)
		}
		if n := len(f.audits("user.signin_failed")); n != 3 {
			t.Fatalf("refused codes are audited as failed sign-ins: got %d", n)
		}
		err := f.svc.VerifySecondFactor(f.ctx, plain.ID, "123456", "", anon("192.0.2.4"))
		wantCode(t, err, domain.CodeInvalid, "second factor for an account without MFA")
	})
}

func TestRecoveryCodeWorksOnce(t *testing.T) {
	runService(t, func(f *fixture) {
		t := f.t
		u := f.member(f.org("Acme"), "lostphone@example.com", RoleViewer)
		_, codes := f.enableMFA(u)

		// Typed from paper: upper case, spaces instead of dashes.
		typed := strings.ToUpper(strings.ReplaceAll(codes[0], "-", " "))
		if err := f.svc.VerifySecondFactor(f.ctx, u.ID, "", typed, anon("192.0.2.5")); err != nil {
			t.Fatalf("recovery code: %v", err)
		}
		if err := f.svc.VerifySecondFactor(f.ctx, u.ID, "", codes[0], anon("192.0.2.5")); err != ErrBadCode {
			t.Fatalf("used recovery code: want ErrBadCode, got %v", err)
		}
		if err := f.svc.VerifySecondFactor(f.ctx, u.ID, "", "aaaa-bbbb-cccc", anon("192.0.2.5")); err != ErrBadCode {
			t.Fatalf("made-up recovery code: want ErrBadCode, got %v", err)
		}
		if err := f.svc.VerifySecondFactor(f.ctx, u.ID, "", codes[1], anon("192.0.2.5")); err != nil {
			t.Fatalf("another recovery code: %v", err)
		}
		if n, _ := f.st.CountRecoveryCodes(f.ctx, u.ID); n != RecoveryCodeCount-2 {
			t.Fatalf("unused recovery codes: %d", n)
		}
		ev := f.wantAudit("user.mfa_verified", u.ID)
		if !strings.Contains(ev.Details, "recovery code") {
			t.Fatalf("verified method: %s", ev.Details)
		}
	})
}

func TestSecondFactorThrottled(t *testing.T) {
	runService(t, func(f *fixture) {
		t := f.t
		f.svc.Limits.PerAccount = 3
		u := f.member(f.org("Acme"), "guessed@example.com", RoleViewer)
		secret, _ := f.enableMFA(u)
		for range 3 {
			if err := f.svc.VerifySecondFactor(f.ctx, u.ID, wrongCode(t, secret), "", anon("192.0.2.6")); err != ErrBadCode {
				t.Fatalf("wrong code: %v", err)
			}
		}
		err := f.svc.VerifySecondFactor(f.ctx, u.ID, nextCode(t, secret), "", anon("192.0.2.6"))
		if !errors.Is(err, ErrThrottled) {
			t.Fatalf("code guessing must be throttled, got %v", err)
		}
	})
}

func TestDisableMFAAndRegenerateCodes(t *testing.T) {
	runService(t, func(f *fixture) {
		t := f.t
		org := f.org("Acme")
		u := f.member(org, "toggle@example.com", RoleViewer)
		_, err := f.svc.RegenerateRecoveryCodes(f.ctx, u, goodPassword, who(u))
		wantCode(t, err, domain.CodeInvalid, "recovery codes without MFA")
		_, old := f.enableMFA(u)
		u = f.user(u.ID)

		_, err = f.svc.RegenerateRecoveryCodes(f.ctx, u, "not my password!", who(u))
		if domain.ErrorField(err) != "current_password" {
			t.Fatalf("regenerate with a wrong password: %v", err)
		}
		fresh, err := f.svc.RegenerateRecoveryCodes(f.ctx, u, goodPassword, who(u))
		if err != nil || len(fresh) != RecoveryCodeCount {
			t.Fatalf("regenerate: %d %v", len(fresh), err)
		}
		if err := f.svc.VerifySecondFactor(f.ctx, u.ID, "", old[0], anon("192.0.2.7")); err != ErrBadCode {
			t.Fatalf("replaced recovery code still works: %v", err)
		}
		if err := f.svc.VerifySecondFactor(f.ctx, u.ID, "", fresh[0], anon("192.0.2.7")); err != nil {
			t.Fatalf("new recovery code: %v", err)
		}
		f.wantAudit("user.recovery_codes_regenerated", u.ID)

		wantField := domain.ErrorField(f.svc.DisableMFA(f.ctx, u, "not my password!", who(u)))
		if wantField != "current_password" {
			t.Fatalf("disable with a wrong password: field %q", wantField)
		}
		p := f.principal(f.member(org, "boss@example.com", RoleOwner), org)
		if _, err := f.svc.UpdateOrgSettings(f.ctx, p, OrgSettings{Name: org.Name, MFARequired: true}, who(p.User)); err != nil {
			t.Fatal(err)
		}
		wantCode(t, f.svc.DisableMFA(f.ctx, u, goodPassword, who(u)), domain.CodeForbidden, "disable MFA when the org requires it")
		if _, err := f.svc.UpdateOrgSettings(f.ctx, p, OrgSettings{Name: org.Name}, who(p.User)); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.DisableMFA(f.ctx, u, goodPassword, who(u)); err != nil {
			t.Fatal(err)
		}
		if got := f.user(u.ID); got.MFAEnabled || got.MFASecret != "" {
			t.Fatalf("MFA still on after disable: %+v", got)
		}
		if n, _ := f.st.CountRecoveryCodes(f.ctx, u.ID); n != 0 {
			t.Fatalf("recovery codes left after disable: %d", n)
		}
		f.wantAudit("user.mfa_disabled", u.ID)
	})
}

func TestResetMFAByAdmin(t *testing.T) {
	runService(t, func(f *fixture) {
		t := f.t
		orgA, orgB := f.org("Alpha"), f.org("Beta")
		admin := f.principal(f.member(orgA, "admin@alpha.example", RoleAdmin), orgA)
		viewer := f.principal(f.member(orgA, "viewer@alpha.example", RoleViewer), orgA)
		m := f.member(orgA, "member@alpha.example", RoleFinOps)
		stranger := f.member(orgB, "stranger@beta.example", RoleAdmin)
		f.enableMFA(m)
		f.enableMFA(stranger)
		f.session(m)
		f.session(m)

		wantCode(t, f.svc.ResetMFA(f.ctx, viewer, m.ID, who(viewer.User)), domain.CodeForbidden, "viewer resets MFA")
		wantCode(t, f.svc.ResetMFA(f.ctx, admin, stranger.ID, who(admin.User)), domain.CodeNotFound, "reset MFA of another org's user")
		if !f.user(m.ID).MFAEnabled || !f.user(stranger.ID).MFAEnabled {
			t.Fatal("refused resets must change nothing")
		}
		if err := f.svc.ResetMFA(f.ctx, admin, m.ID, who(admin.User)); err != nil {
			t.Fatal(err)
		}
		got := f.user(m.ID)
		if got.MFAEnabled || got.MFASecret != "" {
			t.Fatalf("MFA after reset: %+v", got)
		}
		if n, _ := f.st.CountRecoveryCodes(f.ctx, m.ID); n != 0 {
			t.Fatalf("recovery codes left after reset: %d", n)
		}
		if hs := f.sessionHashes(m); len(hs) != 0 {
			t.Fatalf("sessions left after MFA reset: %d", len(hs))
		}
		ev := f.wantAudit("user.mfa_reset", m.ID)
		if ev.OrgID != orgA.ID || ev.ActorID != admin.User.ID {
			t.Fatalf("reset audit entry: %+v", ev)
		}
		if len(f.audits("user.mfa_reset")) != 1 {
			t.Fatal("refused resets must not be audited as resets")
		}
	})
}

func TestOnlyOwnersResetOwnerMFA(t *testing.T) {
	runService(t, func(f *fixture) {
		t := f.t
		org := f.org("Alpha")
		admin := f.principal(f.member(org, "admin@alpha.example", RoleAdmin), org)
		owner := f.principal(f.member(org, "owner@alpha.example", RoleOwner), org)
		other := f.member(org, "owner2@alpha.example", RoleOwner)
		f.enableMFA(other)
		wantCode(t, f.svc.ResetMFA(f.ctx, admin, other.ID, who(admin.User)), domain.CodeForbidden, "admin resets an owner's MFA")
		if !f.user(other.ID).MFAEnabled {
			t.Fatal("a refused reset changed the owner's MFA")
		}
		if err := f.svc.ResetMFA(f.ctx, owner, other.ID, who(owner.User)); err != nil {
			t.Fatal(err)
		}
		if f.user(other.ID).MFAEnabled {
			t.Fatal("owner could not reset another owner's MFA")
		}
	})
}
