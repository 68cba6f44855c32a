package auth

import (
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// token creates an API token for p and returns the plain token.
func (f *fixture) token(p *Principal, name string) (string, domain.APIToken) {
	f.t.Helper()
	plain, tok, err := f.svc.CreateAPIToken(f.ctx, p, name, 0, who(p.User))
	if err != nil {
		f.t.Fatalf("create token: %v", err)
	}
	return plain, tok
}

func TestAPITokenLifecycle(t *testing.T) {
	runService(t, func(f *fixture) {
		t := f.t
		org := f.org("Acme")
		admin := f.principal(f.member(org, "admin@example.com", RoleAdmin), org)

		plain, tok, err := f.svc.CreateAPIToken(f.ctx, admin, " ci pipeline ", 30*24*time.Hour, who(admin.User))
		if err != nil || !strings.HasPrefix(plain, APITokenPrefix) || tok.Name != "ci pipeline" || tok.ExpiresAt == nil {
			t.Fatalf("create token: %+v %v", tok, err)
		}
		if !strings.HasPrefix(plain, APITokenPrefix+tok.Prefix) {
			t.Fatalf("display prefix %q does not start the token", tok.Prefix)
		}
		p, err := f.svc.AuthenticateToken(f.ctx, plain)
		if err != nil || p.User.ID != admin.User.ID || p.Org.ID != org.ID || p.TokenID != tok.ID || !p.Can(PermUsersManage) {
			t.Fatalf("authenticate token: %+v %v", p, err)
		}
		list, err := f.svc.ListAPITokens(f.ctx, admin)
		if err != nil || len(list) != 1 || list[0].ID != tok.ID || list[0].LastUsedAt == nil {
			t.Fatalf("listed tokens (last use recorded): %+v %v", list, err)
		}
		ev := f.wantAudit("token.create", tok.ID)
		if ev.OrgID != org.ID || strings.Contains(ev.Details, plain) {
			t.Fatalf("token audit entry: %+v", ev)
		}
		if err := f.svc.RevokeAPIToken(f.ctx, admin, tok.ID, who(admin.User)); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AuthenticateToken(f.ctx, plain); err != ErrBadToken {
			t.Fatalf("revoked token: want ErrBadToken, got %v", err)
		}
		f.wantAudit("token.revoke", tok.ID)
	})
}

func TestAPITokenRefusals(t *testing.T) {
	runService(t, func(f *fixture) {
		t := f.t
		org := f.org("Acme")
		admin := f.principal(f.member(org, "admin@example.com", RoleAdmin), org)
		viewer := f.principal(f.member(org, "viewer@example.com", RoleViewer), org)

		_, _, err := f.svc.CreateAPIToken(f.ctx, viewer, "mine", 0, who(viewer.User))
		wantCode(t, err, domain.CodeForbidden, "viewer creates a token")
		_, _, err = f.svc.CreateAPIToken(f.ctx, admin, "  ", 0, who(admin.User))
		wantCode(t, err, domain.CodeInvalid, "token without a name")
		_, _, err = f.svc.CreateAPIToken(f.ctx, admin, "forever", 4*365*24*time.Hour, who(admin.User))
		wantCode(t, err, domain.CodeInvalid, "token living four years")
		_, _, err = f.svc.CreateAPIToken(f.ctx, admin, "past", -time.Hour, who(admin.User))
		wantCode(t, err, domain.CodeInvalid, "negative lifetime")

		plain, _ := f.token(admin, "real")
		for _, bad := range []string{"", "garbage", APITokenPrefix, APITokenPrefix + "aaaaaaaaaaaaaaaa",
			plain + "x", strings.ToUpper(plain), "Bearer " + plain, APITokenPrefix + strings.Repeat("a", 300)} {
			if _, err := f.svc.AuthenticateToken(f.ctx, bad); err != ErrBadToken {
				t.Errorf("token %.20q: want ErrBadToken, got %v", bad, err)
			}
		}
		if _, err := f.svc.AuthenticateToken(f.ctx, plain); err != nil {
			t.Fatalf("the real token: %v", err)
		}
	})
}

func TestAPITokenExpired(t *testing.T) {
	runService(t, func(f *fixture) {
		t := f.t
		org := f.org("Acme")
		admin := f.principal(f.member(org, "admin@example.com", RoleAdmin), org)
		plain, hash := NewSecretToken(APITokenPrefix)
		created := domain.Now().Add(-48 * time.Hour)
		expired := created.Add(24 * time.Hour)
		tok := domain.APIToken{ID: domain.NewID(domain.PrefixToken), OrgID: org.ID, UserID: admin.User.ID,
			Name: "old", Prefix: TokenDisplayPrefix(plain), CreatedAt: created, ExpiresAt: &expired}
		if err := f.st.CreateAPIToken(f.ctx, tok, hash); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AuthenticateToken(f.ctx, plain); err != ErrBadToken {
			t.Fatalf("expired token: want ErrBadToken, got %v", err)
		}
		fresh, _ := f.token(admin, "fresh")
		if _, err := f.svc.AuthenticateToken(f.ctx, fresh); err != nil {
			t.Fatalf("unexpired token of the same member: %v", err)
		}
	})
}

func TestAPITokenFollowsMembership(t *testing.T) {
	runService(t, func(f *fixture) {
		t := f.t
		org := f.org("Acme")
		owner := f.principal(f.member(org, "owner@example.com", RoleOwner), org)
		dev := f.principal(f.member(org, "dev@example.com", RoleAdmin), org)
		plain, _ := f.token(dev, "laptop")

		if err := f.svc.SetRoles(f.ctx, owner, dev.User.ID, []string{RoleViewer}, who(owner.User)); err != nil {
			t.Fatal(err)
		}
		p, err := f.svc.AuthenticateToken(f.ctx, plain)
		if err != nil || p.Can(PermUsersManage) || !p.Can(PermCostsRead) {
			t.Fatalf("token must carry the member's current roles: %v %v", p, err)
		}
		if err := f.svc.SetMemberActive(f.ctx, owner, dev.User.ID, false, who(owner.User)); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AuthenticateToken(f.ctx, plain); err != ErrBadToken {
			t.Fatalf("token of a deactivated membership: want ErrBadToken, got %v", err)
		}
		if err := f.svc.SetMemberActive(f.ctx, owner, dev.User.ID, true, who(owner.User)); err != nil {
			t.Fatal(err)
		}
		if err := f.st.SetUserStatus(f.ctx, dev.User.ID, domain.UserDeactivated, domain.Now()); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AuthenticateToken(f.ctx, plain); err != ErrBadToken {
			t.Fatalf("token of a deactivated account: want ErrBadToken, got %v", err)
		}
	})
}

func TestAPITokenRevokeOnlyOwn(t *testing.T) {
	runService(t, func(f *fixture) {
		t := f.t
		orgA, orgB := f.org("Alpha"), f.org("Beta")
		alice := f.principal(f.member(orgA, "alice@example.com", RoleAdmin), orgA)
		bob := f.principal(f.member(orgA, "bob@example.com", RoleOwner), orgA)
		// Carol belongs to both orgs; her token in A is not hers to
		// revoke while acting in B.
		carol := f.member(orgA, "carol@example.com", RoleAdmin)
		carolB := f.principal(f.member(orgB, carol.Email, RoleOwner), orgB)
		plain, tok := f.token(alice, "alice's")
		carolPlain, carolTok := f.token(f.principal(carol, orgA), "carol's")

		wantCode(t, f.svc.RevokeAPIToken(f.ctx, bob, tok.ID, who(bob.User)), domain.CodeNotFound,
			"an owner revokes another member's token")
		wantCode(t, f.svc.RevokeAPIToken(f.ctx, carolB, carolTok.ID, who(carol)), domain.CodeNotFound,
			"revoke a token of another org")
		wantCode(t, f.svc.RevokeAPIToken(f.ctx, bob, "tok_unknown", who(bob.User)), domain.CodeNotFound,
			"revoke an unknown token")
		for _, pl := range []string{plain, carolPlain} {
			if _, err := f.svc.AuthenticateToken(f.ctx, pl); err != nil {
				t.Fatalf("a refused revoke must leave the token working: %v", err)
			}
		}
		if list, _ := f.svc.ListAPITokens(f.ctx, bob); len(list) != 0 {
			t.Fatalf("bob sees other people's tokens: %+v", list)
		}
		if list, _ := f.svc.ListAPITokens(f.ctx, carolB); len(list) != 0 {
			t.Fatalf("carol sees her org A tokens in org B: %+v", list)
		}
		if n := len(f.audits("token.revoke")); n != 0 {
			t.Fatalf("refused revokes audited: %d", n)
		}
	})
}
