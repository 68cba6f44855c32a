package auth

import (
	"fmt"
	"strings"
	"testing"

	"github.com/alexedwards/argon2id"

	"github.com/canopyhq/canopy/internal/domain"
)

func TestAuthenticateAndStartSession(t *testing.T) {
	runService(t, func(f *fixture) {
		t := f.t
		org := f.org("Acme")
		u := f.member(org, "alice@example.com", RoleViewer)

		got, err := f.svc.Authenticate(f.ctx, "  Alice@Example.COM ", goodPassword, anon("192.0.2.1"))
		if err != nil || got.ID != u.ID {
			t.Fatalf("sign in: %+v %v", got, err)
		}
		hash := f.session(got)
		if hs := f.sessionHashes(u); len(hs) != 1 || hs[0] != hash {
			t.Fatalf("sessions after sign-in: %v", hs)
		}
		if f.user(u.ID).LastSignInAt == nil {
			t.Fatal("last sign-in time not recorded")
		}
		ev := f.wantAudit("user.signin", u.ID)
		if ev.ActorID != u.ID || ev.ActorEmail != u.Email || ev.IP != "192.0.2.10" {
			t.Fatalf("sign-in audit actor: %+v", ev)
		}
		f.svc.SignedOut(f.ctx, u, anon("192.0.2.1"))
		f.wantAudit("user.signout", u.ID)
	})
}

// Every failed sign-in gets the very same answer, so nobody can tell which
// emails have accounts or which accounts are switched off.
func TestAuthenticateSameErrorForEveryFailure(t *testing.T) {
	runService(t, func(f *fixture) {
		t := f.t
		org, other := f.org("Acme"), f.org("Other")
		f.member(org, "ok@example.com", RoleViewer)
		gone := f.member(org, "gone@example.com", RoleViewer)
		if err := f.st.SetUserStatus(f.ctx, gone.ID, domain.UserDeactivated, domain.Now()); err != nil {
			t.Fatal(err)
		}
		left := f.member(org, "left@example.com", RoleViewer)
		if err := f.st.SetMemberStatus(f.ctx, org.ID, left.ID, domain.UserDeactivated); err != nil {
			t.Fatal(err)
		}
		p := f.principal(f.member(other, "boss@example.com", RoleAdmin), other)
		if _, err := f.svc.AddMember(f.ctx, p, NewMember{Email: "invited@example.com", Roles: []string{RoleViewer},
			Mode: AddByInvitation}, who(p.User)); err != nil {
			t.Fatal(err)
		}
		cases := []struct{ name, email, password string }{
			{"unknown email", "nobody@example.com", goodPassword},
			{"wrong password", "ok@example.com", goodPassword + "x"},
			{"deactivated account", gone.Email, goodPassword},
			{"membership deactivated in the only org", left.Email, goodPassword},
			{"invited, no password yet", "invited@example.com", ""},
		}
		for _, c := range cases {
			u, err := f.svc.Authenticate(f.ctx, c.email, c.password, anon("192.0.2.2"))
			if err != ErrBadCredentials || u.ID != "" {
				t.Errorf("%s: want ErrBadCredentials and no user, got %+v %v", c.name, u, err)
			}
		}
		failed := f.audits("user.signin_failed")
		if len(failed) != len(cases) {
			t.Fatalf("want %d failed sign-in entries, got %d", len(cases), len(failed))
		}
		for _, ev := range failed {
			if strings.Contains(ev.Details, goodPassword) {
				t.Fatalf("audit entry leaks the password: %s", ev.Details)
			}
		}
	})
}

func TestThrottlePerAccount(t *testing.T) {
	runService(t, func(f *fixture) {
		t := f.t
		f.svc.Limits.PerAccount = 3
		org := f.org("Acme")
		u := f.member(org, "target@example.com", RoleViewer)
		bystander := f.member(org, "bystander@example.com", RoleViewer)

		for i := range 3 {
			_, err := f.svc.Authenticate(f.ctx, u.Email, fmt.Sprintf("guess number %d!", i), anon("198.51.100.1"))
			if err != ErrBadCredentials {
				t.Fatalf("attempt %d: want bad credentials, got %v", i, err)
			}
		}
		for _, ip := range []string{"198.51.100.1", "198.51.100.99"} {
			if _, err := f.svc.Authenticate(f.ctx, "TARGET@example.com", goodPassword, anon(ip)); err != ErrThrottled {
				t.Fatalf("right password from %s after too many failures: want ErrThrottled, got %v", ip, err)
			}
		}
		wantCode(t, ErrThrottled, domain.CodeRateLimited, "throttle code")
		if _, err := f.svc.Authenticate(f.ctx, bystander.Email, goodPassword, anon("198.51.100.1")); err != nil {
			t.Fatalf("another account from the same address: %v", err)
		}

		// An unknown email is throttled just like a real one, so the
		// throttle does not reveal which accounts exist.
		for range 3 {
			if _, err := f.svc.Authenticate(f.ctx, "ghost@example.com", "whatever it is 1", anon("198.51.100.2")); err != ErrBadCredentials {
				t.Fatalf("unknown email: %v", err)
			}
		}
		if _, err := f.svc.Authenticate(f.ctx, "ghost@example.com", "whatever it is 1", anon("198.51.100.2")); err != ErrThrottled {
			t.Fatalf("unknown email after too many failures: want ErrThrottled, got %v", err)
		}
	})
}

func TestSuccessfulSignInClearsAccountFailures(t *testing.T) {
	runService(t, func(f *fixture) {
		t := f.t
		f.svc.Limits.PerAccount = 3
		u := f.member(f.org("Acme"), "forgetful@example.com", RoleViewer)
		fail := func() {
			t.Helper()
			if _, err := f.svc.Authenticate(f.ctx, u.Email, "not the password!", anon("203.0.113.5")); err != ErrBadCredentials {
				t.Fatalf("wrong password: %v", err)
			}
		}
		fail()
		fail()
		if _, err := f.svc.Authenticate(f.ctx, u.Email, goodPassword, anon("203.0.113.5")); err != nil {
			t.Fatal(err)
		}
		f.session(u) // sign-in completes here
		fail()
		fail()
		if _, err := f.svc.Authenticate(f.ctx, u.Email, goodPassword, anon("203.0.113.5")); err != nil {
			t.Fatalf("failures before a completed sign-in must not count: %v", err)
		}
	})
}

func TestThrottlePerIP(t *testing.T) {
	runService(t, func(f *fixture) {
		t := f.t
		f.svc.Limits.PerIP = 4
		u := f.member(f.org("Acme"), "real@example.com", RoleViewer)
		for i := range 4 {
			email := fmt.Sprintf("spray%d@example.com", i)
			if _, err := f.svc.Authenticate(f.ctx, email, "spring time 2024!", anon("203.0.113.66")); err != ErrBadCredentials {
				t.Fatalf("spray %d: %v", i, err)
			}
		}
		if _, err := f.svc.Authenticate(f.ctx, u.Email, goodPassword, anon("203.0.113.66")); err != ErrThrottled {
			t.Fatalf("address over its limit: want ErrThrottled, got %v", err)
		}
		if _, err := f.svc.Authenticate(f.ctx, u.Email, goodPassword, anon("203.0.113.67")); err != nil {
			t.Fatalf("same account from another address: %v", err)
		}
		if len(f.audits("user.signin_failed")) != 5 {
			t.Fatalf("every refused attempt is audited, including the throttled one")
		}
	})
}

func TestRehashOnSignIn(t *testing.T) {
	runService(t, func(f *fixture) {
		t := f.t
		old := &argon2id.Params{Memory: 128, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}
		u := f.member(f.org("Acme"), "legacy@example.com", RoleViewer)
		oldHash, err := HashPasswordWith(goodPassword, old)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.st.SetPassword(f.ctx, u.ID, oldHash, domain.Now()); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Authenticate(f.ctx, u.Email, "wrong password here", anon("192.0.2.3")); err != ErrBadCredentials {
			t.Fatal(err)
		}
		if f.user(u.ID).PasswordHash != oldHash {
			t.Fatal("a wrong password must not rehash")
		}
		if _, err := f.svc.Authenticate(f.ctx, u.Email, goodPassword, anon("192.0.2.3")); err != nil {
			t.Fatal(err)
		}
		newHash := f.user(u.ID).PasswordHash
		if newHash == oldHash {
			t.Fatal("hash with old parameters was not upgraded at sign-in")
		}
		ok, again, err := CheckPassword(goodPassword, newHash)
		if !ok || again || err != nil {
			t.Fatalf("upgraded hash: ok=%v rehash=%v err=%v", ok, again, err)
		}
		if _, err := f.svc.Authenticate(f.ctx, u.Email, goodPassword, anon("192.0.2.3")); err != nil {
			t.Fatalf("sign in with the upgraded hash: %v", err)
		}
	})
}
