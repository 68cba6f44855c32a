package auth

import (
	"slices"
	"testing"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// A principal of one organisation must never act on a user who is only in
// another: every attempt is refused (not found, so the user's existence is
// not even confirmed) and changes nothing.
func TestTenancyAcrossOrgs(t *testing.T) {
	runService(t, func(f *fixture) {
		t := f.t
		orgA, orgB := f.org("Alpha"), f.org("Beta")
		owner := f.principal(f.member(orgA, "owner@alpha.example", RoleOwner), orgA)
		tokenPlain, _ := f.token(owner, "automation")
		viaToken, err := f.svc.AuthenticateToken(f.ctx, tokenPlain)
		if err != nil {
			t.Fatal(err)
		}
		b := f.member(orgB, "victim@beta.example", RoleOwner)
		f.enableMFA(b)
		sess := f.session(b)
		sessions, err := f.st.ListSessions(f.ctx, b.ID)
		if err != nil || len(sessions) != 1 {
			t.Fatalf("setup sessions: %v", err)
		}

		for name, p := range map[string]*Principal{"owner": owner, "owner's API token": viaToken} {
			attempts := map[string]error{
				"GetMember":       second(f.svc.GetMember(f.ctx, p, b.ID)),
				"ListSessions":    second(f.svc.ListSessions(f.ctx, p, b.ID)),
				"RevokeSession":   f.svc.RevokeSession(f.ctx, p, b.ID, sessions[0].ID, who(p.User)),
				"ResetMFA":        f.svc.ResetMFA(f.ctx, p, b.ID, who(p.User)),
				"SetRoles":        f.svc.SetRoles(f.ctx, p, b.ID, []string{RoleViewer}, who(p.User)),
				"SetMemberActive": f.svc.SetMemberActive(f.ctx, p, b.ID, false, who(p.User)),
			}
			for op, err := range attempts {
				if code := domain.ErrorCode(err); code != domain.CodeNotFound {
					t.Errorf("%s of org A: %s on a user of org B: want not_found, got %v", name, op, err)
				}
			}
		}

		if hs := f.sessionHashes(b); len(hs) != 1 || hs[0] != sess {
			t.Fatal("org B user's session was touched")
		}
		if !f.user(b.ID).MFAEnabled {
			t.Fatal("org B user's MFA was reset")
		}
		if !slices.Equal(f.roles(b, orgB), []string{RoleOwner}) {
			t.Fatal("org B user's roles changed")
		}
		f.principal(b, orgB)
		for _, action := range []string{"session.revoke", "user.mfa_reset", "role.change", "user.deactivate"} {
			if n := len(f.audits(action)); n != 0 {
				t.Fatalf("refused cross-org %s audited as done", action)
			}
		}
		page, err := f.svc.ListAudit(f.ctx, owner, store.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range page.Items {
			if ev.OrgID == orgB.ID || ev.TargetID == b.ID {
				t.Fatalf("org A's audit log shows org B's entry %+v", ev)
			}
		}
	})
}

func second[T any](_ T, err error) error { return err }

func TestSessionsOwnAndManaged(t *testing.T) {
	runService(t, func(f *fixture) {
		t := f.t
		org := f.org("Acme")
		admin := f.principal(f.member(org, "admin@example.com", RoleAdmin), org)
		viewer := f.principal(f.member(org, "viewer@example.com", RoleViewer), org)
		v1, v2, v3 := f.session(viewer.User), f.session(viewer.User), f.session(viewer.User)
		adminSess := f.session(admin.User)
		adminList, err := f.svc.ListSessions(f.ctx, admin, admin.User.ID)
		if err != nil || len(adminList) != 1 {
			t.Fatalf("own sessions: %v", err)
		}

		_, err = f.svc.ListSessions(f.ctx, viewer, admin.User.ID)
		wantCode(t, err, domain.CodeForbidden, "viewer lists an admin's sessions")
		// A session ID of someone else, presented as one's own.
		err = f.svc.RevokeSession(f.ctx, viewer, viewer.User.ID, adminList[0].ID, who(viewer.User))
		wantCode(t, err, domain.CodeNotFound, "revoke someone else's session as one's own")
		if hs := f.sessionHashes(admin.User); len(hs) != 1 || hs[0] != adminSess {
			t.Fatal("admin's session was revoked by a viewer")
		}

		list, err := f.svc.ListSessions(f.ctx, admin, viewer.User.ID)
		if err != nil || len(list) != 3 {
			t.Fatalf("admin lists a member's sessions: %d %v", len(list), err)
		}
		var revoked domain.SessionInfo
		for _, s := range list {
			if s.TokenHash == v3 {
				revoked = s
			}
		}
		if err := f.svc.RevokeSession(f.ctx, admin, viewer.User.ID, revoked.ID, who(admin.User)); err != nil {
			t.Fatal(err)
		}
		if hs := f.sessionHashes(viewer.User); len(hs) != 2 || slices.Contains(hs, v3) {
			t.Fatalf("after revoking one session: %v", hs)
		}
		if ev := f.wantAudit("session.revoke", viewer.User.ID); ev.OrgID != org.ID || ev.ActorID != admin.User.ID {
			t.Fatalf("session revoke audit: %+v", ev)
		}
		n, err := f.svc.RevokeOtherSessions(f.ctx, viewer, v1, who(viewer.User))
		if err != nil || n != 1 {
			t.Fatalf("revoke other sessions: %d %v", n, err)
		}
		if hs := f.sessionHashes(viewer.User); len(hs) != 1 || hs[0] != v1 || hs[0] == v2 {
			t.Fatalf("after revoking the others: %v", hs)
		}
		f.wantAudit("session.revoke_others", viewer.User.ID)
	})
}
