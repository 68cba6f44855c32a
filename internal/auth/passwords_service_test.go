package auth

import (
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

const newPassword = "copper meadow falcon river"

// requestReset asks for a reset of email as typed and returns the link
// token from the one mail it must send to the account's address.
func (f *fixture) requestReset(typed string) string {
	f.t.Helper()
	email := store.NormalizeEmail(typed)
	before := len(f.mail.To(email))
	if err := f.svc.RequestPasswordReset(f.ctx, typed, anon("192.0.2.20")); err != nil {
		f.t.Fatal(err)
	}
	msgs := f.mail.To(email)
	if len(msgs) != before+1 {
		f.t.Fatalf("want one reset mail to %s, got %d", email, len(msgs)-before)
	}
	return linkIn(f.t, msgs[len(msgs)-1].Text, "reset")
}

func TestRequestPasswordReset(t *testing.T) {
	runService(t, func(f *fixture) {
		t := f.t
		org := f.org("Acme")
		u := f.member(org, "reset@example.com", RoleViewer)
		gone := f.member(org, "gone@example.com", RoleViewer)
		if err := f.st.SetUserStatus(f.ctx, gone.ID, domain.UserDeactivated, domain.Now()); err != nil {
			t.Fatal(err)
		}
		for _, email := range []string{"nobody@example.com", gone.Email} {
			if err := f.svc.RequestPasswordReset(f.ctx, email, anon("192.0.2.20")); err != nil {
				t.Fatalf("reset for %s must answer nil like any other: %v", email, err)
			}
		}
		if f.mail.Count() != 0 {
			t.Fatalf("no mail for unknown or deactivated accounts, got %d", f.mail.Count())
		}
		token := f.requestReset("  RESET@example.com")
		if !strings.HasPrefix(token, TokenPrefixReset) {
			t.Fatalf("reset token %q", token)
		}
		if msg := f.mail.To(u.Email)[0]; strings.Contains(msg.Subject, token) || msg.Subject == "" {
			t.Fatalf("reset mail subject: %q", msg.Subject)
		}
		got, err := f.svc.CheckLink(f.ctx, token, PurposeReset)
		if err != nil || got.ID != u.ID {
			t.Fatalf("check link: %+v %v", got, err)
		}
		_, err = f.svc.CheckLink(f.ctx, token, PurposeInvite)
		wantCode(t, err, domain.CodeNotFound, "reset link used as an invitation")
		f.wantAudit("user.password_reset_requested", u.ID)
	})
}

func TestRequestPasswordResetLimited(t *testing.T) {
	runService(t, func(f *fixture) {
		t := f.t
		u := f.member(f.org("Acme"), "flood@example.com", RoleViewer)
		for range f.svc.Limits.ResetsPerWindow + 2 {
			if err := f.svc.RequestPasswordReset(f.ctx, u.Email, anon("192.0.2.21")); err != nil {
				t.Fatal(err)
			}
		}
		if n := len(f.mail.To(u.Email)); n != f.svc.Limits.ResetsPerWindow {
			t.Fatalf("want %d reset mails at most, got %d", f.svc.Limits.ResetsPerWindow, n)
		}
	})
}

func TestResetPassword(t *testing.T) {
	runService(t, func(f *fixture) {
		t := f.t
		u := f.member(f.org("Acme"), "reset@example.com", RoleViewer)
		f.session(u)
		f.session(u)
		token := f.requestReset(u.Email)

		_, err := f.svc.ResetPassword(f.ctx, token, "too short", anon("192.0.2.22"))
		if domain.ErrorField(err) != "password" {
			t.Fatalf("weak new password: %v", err)
		}
		got, err := f.svc.ResetPassword(f.ctx, token, newPassword, anon("192.0.2.22"))
		if err != nil || got.ID != u.ID {
			t.Fatalf("reset (after a refused weak password, the link still works): %v", err)
		}
		if _, err := f.svc.Authenticate(f.ctx, u.Email, newPassword, anon("192.0.2.22")); err != nil {
			t.Fatalf("sign in with the new password: %v", err)
		}
		if _, err := f.svc.Authenticate(f.ctx, u.Email, goodPassword, anon("192.0.2.22")); err != ErrBadCredentials {
			t.Fatalf("old password after reset: %v", err)
		}
		if hs := f.sessionHashes(u); len(hs) != 0 {
			t.Fatalf("a reset must end every session, %d left", len(hs))
		}
		_, err = f.svc.ResetPassword(f.ctx, token, "another fine passphrase", anon("192.0.2.22"))
		wantCode(t, err, domain.CodeInvalid, "second use of a reset link")
		if domain.ErrorField(err) != "token" || !strings.Contains(domain.ErrorMessage(err), "already been used") {
			t.Fatalf("second use message: %v", err)
		}
		if _, err := f.svc.Authenticate(f.ctx, u.Email, newPassword, anon("192.0.2.22")); err != nil {
			t.Fatalf("a refused second use must not change the password: %v", err)
		}
		msgs := f.mail.To(u.Email)
		if last := msgs[len(msgs)-1]; !strings.Contains(last.Subject, "password was changed") {
			t.Fatalf("no password-changed notice, last mail %q", last.Subject)
		}
		ev := f.wantAudit("user.password_reset", u.ID)
		if ev.ActorID != u.ID {
			t.Fatalf("reset audit actor: %+v", ev)
		}
	})
}

func TestResetPasswordExpiredOrWrongLink(t *testing.T) {
	runService(t, func(f *fixture) {
		t := f.t
		org := f.org("Acme")
		u := f.member(org, "late@example.com", RoleViewer)
		plain, hash := NewSecretToken(TokenPrefixReset)
		created := domain.Now().Add(-2 * ResetLinkTTL)
		expired := store.UserToken{UserID: u.ID, Purpose: PurposeReset, ExpiresAt: created.Add(ResetLinkTTL)}
		if err := f.st.CreateUserToken(f.ctx, hash, expired, created); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.ResetPassword(f.ctx, plain, newPassword, anon("192.0.2.23"))
		wantCode(t, err, domain.CodeInvalid, "expired reset link")
		if !strings.Contains(domain.ErrorMessage(err), "expired") {
			t.Fatalf("expired link message: %v", err)
		}
		_, err = f.svc.ResetPassword(f.ctx, "rst_doesnotexist", newPassword, anon("192.0.2.23"))
		wantCode(t, err, domain.CodeInvalid, "unknown reset link")

		// An invitation link is not a reset link.
		admin := f.principal(f.member(org, "admin@example.com", RoleAdmin), org)
		if _, err := f.svc.AddMember(f.ctx, admin, NewMember{Email: "new@example.com", Roles: []string{RoleViewer},
			Mode: AddByInvitation}, who(admin.User)); err != nil {
			t.Fatal(err)
		}
		inv := linkIn(t, f.mail.To("new@example.com")[0].Text, "invite")
		_, err = f.svc.ResetPassword(f.ctx, inv, newPassword, anon("192.0.2.23"))
		wantCode(t, err, domain.CodeInvalid, "invitation link used to reset")
		if _, err := f.svc.Authenticate(f.ctx, u.Email, goodPassword, anon("192.0.2.23")); err != nil {
			t.Fatalf("refused links must not change the password: %v", err)
		}
	})
}

func TestChangePassword(t *testing.T) {
	runService(t, func(f *fixture) {
		t := f.t
		u := f.member(f.org("Acme"), "changer@example.com", RoleViewer)
		u.Name = "Ada Lovelace"
		if err := f.st.SetUserName(f.ctx, u.ID, u.Name, domain.Now()); err != nil {
			t.Fatal(err)
		}
		current, other := f.session(u), f.session(u)

		cases := []struct{ name, current, next, field string }{
			{"wrong current password", "not my password!", newPassword, "current_password"},
			{"too short", goodPassword, "short one", "password"},
			{"common", goodPassword, "passwordpassword", "password"},
			{"contains the email", goodPassword, "changer forever and ever", "password"},
			{"contains the name", goodPassword, "lovelace of the mountains", "password"},
			{"same as before", goodPassword, goodPassword, "password"},
		}
		for _, c := range cases {
			err := f.svc.ChangePassword(f.ctx, u, c.current, c.next, current, who(u))
			if domain.ErrorCode(err) != domain.CodeInvalid || domain.ErrorField(err) != c.field {
				t.Errorf("%s: want invalid %s, got %v", c.name, c.field, err)
			}
		}
		if n := len(f.sessionHashes(u)); n != 2 || len(f.audits("user.password_changed")) != 0 {
			t.Fatalf("refused changes must change nothing (%d sessions)", n)
		}
		if err := f.svc.ChangePassword(f.ctx, u, goodPassword, newPassword, current, who(u)); err != nil {
			t.Fatal(err)
		}
		hs := f.sessionHashes(u)
		if len(hs) != 1 || hs[0] != current || hs[0] == other {
			t.Fatalf("want only the current session kept, got %v", hs)
		}
		if _, err := f.svc.Authenticate(f.ctx, u.Email, newPassword, anon("192.0.2.24")); err != nil {
			t.Fatalf("sign in with the changed password: %v", err)
		}
		if _, err := f.svc.Authenticate(f.ctx, u.Email, goodPassword, anon("192.0.2.24")); err != ErrBadCredentials {
			t.Fatalf("old password after change: %v", err)
		}
		if len(f.mail.To(u.Email)) != 1 {
			t.Fatal("want one password-changed notice")
		}
		f.wantAudit("user.password_changed", u.ID)
	})
}
