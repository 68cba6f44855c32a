package auth

import (
	"slices"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/domain"
)

// roles returns the org-wide roles a user holds in org.
func (f *fixture) roles(u domain.User, org domain.Org) []string {
	f.t.Helper()
	m, err := f.st.GetMember(f.ctx, org.ID, u.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for _, g := range m.Grants {
		if g.ScopeKind == "" {
			out = append(out, g.Role)
		}
	}
	return out
}

func TestSetRoles(t *testing.T) {
	runService(t, func(f *fixture) {
		t := f.t
		org := f.org("Acme")
		owner := f.principal(f.member(org, "owner@example.com", RoleOwner), org)
		admin := f.principal(f.member(org, "admin@example.com", RoleAdmin), org)
		viewer := f.principal(f.member(org, "viewer@example.com", RoleViewer), org)
		m := f.member(org, "member@example.com", RoleViewer)
		set := func(p *Principal, u domain.User, roles ...string) error {
			return f.svc.SetRoles(f.ctx, p, u.ID, roles, who(p.User))
		}

		wantCode(t, set(viewer, m, RoleFinOps), domain.CodeForbidden, "viewer sets roles")
		wantCode(t, set(admin, m, RoleOwner), domain.CodeForbidden, "admin makes an owner")
		wantCode(t, set(admin, owner.User, RoleAdmin), domain.CodeForbidden, "admin removes the owner role")
		wantCode(t, set(admin, m), domain.CodeInvalid, "no roles")
		wantCode(t, set(admin, m, "root"), domain.CodeInvalid, "unknown role")
		wantCode(t, set(owner, owner.User, RoleAdmin), domain.CodeConflict, "last owner steps down")
		if !slices.Equal(f.roles(owner.User, org), []string{RoleOwner}) || !slices.Equal(f.roles(m, org), []string{RoleViewer}) {
			t.Fatal("refused role changes must change nothing")
		}
		if n := len(f.audits("role.change")); n != 0 {
			t.Fatalf("refused role changes audited: %d", n)
		}

		if err := set(admin, m, RoleFinOps, RoleProcurement); err != nil {
			t.Fatal(err)
		}
		if p := f.principal(m, org); !p.Can(PermBudgetsWrite) || !p.Can(PermMarketplacePurchase) {
			t.Fatalf("new roles not in effect: %v", p.Perms.List())
		}
		ev := f.wantAudit("role.change", m.ID)
		if ev.OrgID != org.ID || !strings.Contains(ev.Details, `"before":["viewer"]`) || !strings.Contains(ev.Details, RoleProcurement) {
			t.Fatalf("role change audit: %+v", ev)
		}

		// With a second owner, the first may step down.
		if err := set(owner, m, RoleOwner); err != nil {
			t.Fatal(err)
		}
		if err := set(owner, owner.User, RoleAdmin); err != nil {
			t.Fatalf("an owner steps down when another owner remains: %v", err)
		}
		if !slices.Equal(f.roles(owner.User, org), []string{RoleAdmin}) {
			t.Fatalf("roles after stepping down: %v", f.roles(owner.User, org))
		}
	})
}

// SetRoles replaces org-wide roles only: grants on a part of the org
// (a business unit, say) are managed elsewhere and must survive.
func TestSetRolesKeepsScopedGrants(t *testing.T) {
	runService(t, func(f *fixture) {
		t := f.t
		org := f.org("Acme")
		f.member(org, "owner@example.com", RoleOwner)
		admin := f.principal(f.member(org, "admin@example.com", RoleAdmin), org)
		m := f.member(org, "scoped@example.com", RoleViewer)
		scoped := domain.RoleGrant{Role: RoleFinOps, ScopeKind: "unit", ScopeID: "bu_1"}
		grants := []domain.RoleGrant{{Role: RoleViewer}, scoped}
		if err := f.st.SetGrants(f.ctx, org.ID, m.ID, grants, domain.Now()); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.SetRoles(f.ctx, admin, m.ID, []string{RoleProcurement}, who(admin.User)); err != nil {
			t.Fatal(err)
		}
		got, err := f.st.GetMember(f.ctx, org.ID, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(got.Grants, scoped) || !slices.Contains(got.Grants, domain.RoleGrant{Role: RoleProcurement}) ||
			slices.Contains(got.Grants, domain.RoleGrant{Role: RoleViewer}) {
			t.Fatalf("grants after SetRoles: %+v", got.Grants)
		}
	})
}

func TestSetMemberActive(t *testing.T) {
	runService(t, func(f *fixture) {
		t := f.t
		orgA, orgB := f.org("Alpha"), f.org("Beta")
		f.member(orgA, "owner@example.com", RoleOwner)
		admin := f.principal(f.member(orgA, "admin@example.com", RoleAdmin), orgA)
		viewer := f.principal(f.member(orgA, "viewer@example.com", RoleViewer), orgA)
		x := f.member(orgA, "both@example.com", RoleViewer)
		f.member(orgB, x.Email, RoleViewer)
		activate := func(p *Principal, u domain.User, on bool) error {
			return f.svc.SetMemberActive(f.ctx, p, u.ID, on, who(p.User))
		}

		wantCode(t, activate(admin, admin.User, false), domain.CodeConflict, "deactivate oneself")
		wantCode(t, activate(viewer, x, false), domain.CodeForbidden, "viewer deactivates")
		f.principal(x, orgA)
		if err := activate(admin, x, false); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.LoadPrincipal(f.ctx, x.ID, orgA.ID)
		wantCode(t, err, domain.CodeForbidden, "deactivated member loads the org")
		f.principal(x, orgB)
		if _, err := f.svc.Authenticate(f.ctx, x.Email, goodPassword, anon("192.0.2.40")); err != nil {
			t.Fatalf("still active in another org, so sign-in works: %v", err)
		}
		if got, _ := f.svc.DefaultOrg(f.ctx, x.ID, orgA.ID); got != orgB.ID {
			t.Fatalf("default org after deactivation: %s", got)
		}
		if orgs, _ := f.svc.ListOrgs(f.ctx, x.ID); len(orgs) != 1 || orgs[0].ID != orgB.ID {
			t.Fatalf("org switcher after deactivation: %+v", orgs)
		}
		ev := f.wantAudit("user.deactivate", x.ID)
		if ev.OrgID != orgA.ID || ev.ActorID != admin.User.ID {
			t.Fatalf("deactivate audit: %+v", ev)
		}
		if err := activate(admin, x, true); err != nil {
			t.Fatal(err)
		}
		f.principal(x, orgA)
		f.wantAudit("user.reactivate", x.ID)
	})
}

// Deactivating an owner takes their ownership away, which only an owner
// may do (as with removing the owner role); the last owner always stays.
func TestSetMemberActiveProtectsOwners(t *testing.T) {
	runService(t, func(f *fixture) {
		t := f.t
		org := f.org("Acme")
		owner := f.principal(f.member(org, "owner@example.com", RoleOwner), org)
		second := f.member(org, "second@example.com", RoleOwner)
		admin := f.principal(f.member(org, "admin@example.com", RoleAdmin), org)

		wantCode(t, f.svc.SetMemberActive(f.ctx, admin, second.ID, false, who(admin.User)), domain.CodeForbidden,
			"admin deactivates an owner")
		f.principal(second, org)
		if err := f.svc.SetMemberActive(f.ctx, owner, second.ID, false, who(owner.User)); err != nil {
			t.Fatalf("an owner deactivates another owner: %v", err)
		}
		wantCode(t, f.svc.SetMemberActive(f.ctx, admin, second.ID, true, who(admin.User)), domain.CodeForbidden,
			"admin reactivates an owner")
		// The last active owner cannot be demoted by anyone.
		wantCode(t, f.svc.SetRoles(f.ctx, owner, owner.User.ID, []string{RoleAdmin}, who(owner.User)), domain.CodeConflict,
			"last active owner steps down")
		if err := f.svc.SetMemberActive(f.ctx, owner, second.ID, true, who(owner.User)); err != nil {
			t.Fatal(err)
		}
		f.principal(second, org)
	})
}
