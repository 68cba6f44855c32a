package auth

import (
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

func TestAddMemberByInvitation(t *testing.T) {
	runService(t, func(f *fixture) {
		t := f.t
		org := f.org("Acme")
		admin := f.principal(f.member(org, "admin@example.com", RoleAdmin), org)

		added, err := f.svc.AddMember(f.ctx, admin, NewMember{Email: " New.Person@Example.com ", Name: " Newt ",
			Roles: []string{RoleFinOps}, Mode: AddByInvitation}, who(admin.User))
		if err != nil || added.Existing || added.OneTimePassword != "" ||
			added.User.Status != domain.UserInvited || added.User.Email != "new.person@example.com" {
			t.Fatalf("invite: %+v %v", added, err)
		}
		msgs := f.mail.To("new.person@example.com")
		if len(msgs) != 1 || !strings.Contains(msgs[0].Subject, "Acme") {
			t.Fatalf("want one invitation mail naming the org, got %+v", msgs)
		}
		token := linkIn(t, msgs[0].Text, "invite")
		if !strings.HasPrefix(token, TokenPrefixInvitation) {
			t.Fatalf("invitation token %q", token)
		}
		if _, err := f.svc.Authenticate(f.ctx, added.User.Email, "", anon("192.0.2.30")); err != ErrBadCredentials {
			t.Fatalf("invited person signs in before accepting: %v", err)
		}
		_, err = f.svc.LoadPrincipal(f.ctx, added.User.ID, org.ID)
		wantCode(t, err, domain.CodeForbidden, "principal of an invited person")
		page, err := f.svc.ListMembers(f.ctx, admin, store.MemberFilter{Status: domain.UserInvited})
		if err != nil || len(page.Items) != 1 || page.Items[0].User.ID != added.User.ID {
			t.Fatalf("invited members: %+v %v", page.Items, err)
		}
		ev := f.wantAudit("user.add", added.User.ID)
		if ev.OrgID != org.ID || ev.ActorID != admin.User.ID || !strings.Contains(ev.Details, `"existing":false`) {
			t.Fatalf("add audit entry: %+v", ev)
		}
		acceptInvitation(f, token, added.User, org)
	})
}

// acceptInvitation walks the invited person through the link.
func acceptInvitation(f *fixture, token string, invited domain.User, org domain.Org) {
	t := f.t
	t.Helper()
	_, err := f.svc.AcceptInvitation(f.ctx, token, "Newt Person", "short", anon("192.0.2.31"))
	if domain.ErrorField(err) != "password" {
		t.Fatalf("accept with a weak password: %v", err)
	}
	u, err := f.svc.AcceptInvitation(f.ctx, token, "  Newt Person ", newPassword, anon("192.0.2.31"))
	if err != nil || u.Status != domain.UserActive || u.Name != "Newt Person" {
		t.Fatalf("accept: %+v %v", u, err)
	}
	if got := f.user(invited.ID); got.Status != domain.UserActive || got.Name != "Newt Person" || got.PasswordHash == "" {
		t.Fatalf("stored after accept: %+v", got)
	}
	if _, err := f.svc.Authenticate(f.ctx, invited.Email, newPassword, anon("192.0.2.31")); err != nil {
		t.Fatalf("sign in after accepting: %v", err)
	}
	p := f.principal(invited, org)
	if !p.Can(PermBudgetsWrite) || p.Can(PermUsersRead) {
		t.Fatalf("invited with finops, got %v", p.Perms.List())
	}
	_, err = f.svc.AcceptInvitation(f.ctx, token, "Someone Else", "another fine passphrase", anon("192.0.2.31"))
	if domain.ErrorField(err) != "token" {
		t.Fatalf("second use of an invitation: %v", err)
	}
	f.wantAudit("user.invitation_accepted", invited.ID)
}

func TestAddMemberWithPassword(t *testing.T) {
	runService(t, func(f *fixture) {
		t := f.t
		org := f.org("Acme")
		admin := f.principal(f.member(org, "admin@example.com", RoleAdmin), org)
		added, err := f.svc.AddMember(f.ctx, admin, NewMember{Email: "desk@example.com", Roles: []string{RoleViewer},
			Mode: AddWithPassword}, who(admin.User))
		if err != nil || added.Existing || added.User.Status != domain.UserActive {
			t.Fatalf("add with password: %+v %v", added, err)
		}
		if err := ValidateNewPassword(added.OneTimePassword); err != nil {
			t.Fatalf("one-time password %q breaks the password rules: %v", added.OneTimePassword, err)
		}
		if f.mail.Count() != 0 {
			t.Fatal("the admin hands over a one-time password; nothing is mailed")
		}
		if _, err := f.svc.Authenticate(f.ctx, "desk@example.com", added.OneTimePassword, anon("192.0.2.32")); err != nil {
			t.Fatalf("sign in with the one-time password: %v", err)
		}
		if !f.user(added.User.ID).MustChangePassword {
			t.Fatal("a one-time password must be changed at first sign-in")
		}
		u := f.principal(added.User, org).User
		if err := f.svc.ChangePassword(f.ctx, u, added.OneTimePassword, newPassword, "", who(u)); err != nil {
			t.Fatal(err)
		}
		if f.user(u.ID).MustChangePassword {
			t.Fatal("choosing a password lifts the obligation to change it")
		}
		if OneTimePassword() == OneTimePassword() {
			t.Fatal("one-time passwords repeat")
		}
		f.wantAudit("user.add", added.User.ID)
	})
}

// An admin of one org must never be able to take over an account that
// already exists through another org.
func TestAddExistingAccountKeepsItsPassword(t *testing.T) {
	runService(t, func(f *fixture) {
		t := f.t
		orgA, orgB := f.org("Alpha"), f.org("Beta")
		shared := f.member(orgB, "shared@example.com", RoleAdmin)
		admin := f.principal(f.member(orgA, "admin@alpha.example", RoleAdmin), orgA)
		hashBefore := f.user(shared.ID).PasswordHash

		for i, mode := range []string{AddWithPassword, AddByInvitation} {
			org := orgA
			p := admin
			if i == 1 { // a third org, inviting by link this time
				org = f.org("Gamma")
				p = f.principal(f.member(org, "admin@gamma.example", RoleAdmin), org)
			}
			added, err := f.svc.AddMember(f.ctx, p, NewMember{Email: "SHARED@example.com", Roles: []string{RoleViewer},
				Mode: mode}, who(p.User))
			if err != nil || !added.Existing || added.OneTimePassword != "" || added.User.ID != shared.ID {
				t.Fatalf("%s: add existing account: %+v %v", mode, added, err)
			}
			msgs := f.mail.To(shared.Email)
			last := msgs[len(msgs)-1]
			if !strings.Contains(last.Subject, org.Name) || strings.Contains(last.Text, "/invite/") {
				t.Fatalf("%s: existing accounts get a notice without a password link: %+v", mode, last)
			}
			f.principal(shared, org)
		}
		if got := f.user(shared.ID); got.PasswordHash != hashBefore || got.Status != domain.UserActive {
			t.Fatal("adding an existing account to an org changed its password or status")
		}
		if _, err := f.svc.Authenticate(f.ctx, shared.Email, goodPassword, anon("192.0.2.33")); err != nil {
			t.Fatalf("existing account signs in with its own password: %v", err)
		}
		if p := f.principal(shared, orgA); p.Can(PermUsersRead) {
			t.Fatal("roles from another org leaked into this one")
		}
		_, err := f.svc.AddMember(f.ctx, admin, NewMember{Email: shared.Email, Roles: []string{RoleViewer},
			Mode: AddWithPassword}, who(admin.User))
		wantCode(t, err, domain.CodeConflict, "adding a member twice")
		if n := len(f.audits("user.add")); n != 2 {
			t.Fatalf("want 2 user.add entries, got %d", n)
		}
	})
}

func TestAddMemberRefusals(t *testing.T) {
	runService(t, func(f *fixture) {
		t := f.t
		org := f.org("Acme")
		owner := f.principal(f.member(org, "owner@example.com", RoleOwner), org)
		admin := f.principal(f.member(org, "admin@example.com", RoleAdmin), org)
		viewer := f.principal(f.member(org, "viewer@example.com", RoleViewer), org)
		ok := NewMember{Email: "x@example.com", Roles: []string{RoleViewer}, Mode: AddByInvitation}
		with := func(change func(*NewMember)) NewMember { m := ok; change(&m); return m }
		cases := []struct {
			name  string
			p     *Principal
			in    NewMember
			code  string
			field string
		}{
			{"viewer adds", viewer, ok, domain.CodeForbidden, ""},
			{"admin makes an owner", admin, with(func(m *NewMember) { m.Roles = []string{RoleOwner} }), domain.CodeForbidden, "roles"},
			{"no roles", admin, with(func(m *NewMember) { m.Roles = nil }), domain.CodeInvalid, "roles"},
			{"unknown role", admin, with(func(m *NewMember) { m.Roles = []string{"superuser"} }), domain.CodeInvalid, "roles"},
			{"bad email", admin, with(func(m *NewMember) { m.Email = "not-an-email" }), domain.CodeInvalid, "email"},
			{"display-name email", admin, with(func(m *NewMember) { m.Email = "X <x@example.com>" }), domain.CodeInvalid, "email"},
			{"no mode", admin, with(func(m *NewMember) { m.Mode = "" }), domain.CodeInvalid, "mode"},
		}
		for _, c := range cases {
			_, err := f.svc.AddMember(f.ctx, c.p, c.in, who(c.p.User))
			if domain.ErrorCode(err) != c.code || domain.ErrorField(err) != c.field {
				t.Errorf("%s: want %s/%s, got %v", c.name, c.code, c.field, err)
			}
		}
		if _, err := f.st.GetUserByEmail(f.ctx, "x@example.com"); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("a refused add created the account: %v", err)
		}
		if f.mail.Count() != 0 || len(f.audits("user.add")) != 0 {
			t.Fatal("a refused add sent mail or was audited as done")
		}
		in := with(func(m *NewMember) { m.Roles = []string{RoleOwner} })
		if _, err := f.svc.AddMember(f.ctx, owner, in, who(owner.User)); err != nil {
			t.Fatalf("an owner may add an owner: %v", err)
		}
	})
}

func TestListAndGetMembers(t *testing.T) {
	runService(t, func(f *fixture) {
		t := f.t
		org := f.org("Acme")
		admin := f.principal(f.member(org, "admin@example.com", RoleAdmin), org)
		viewer := f.principal(f.member(org, "viewer@example.com", RoleViewer), org)

		page, err := f.svc.ListMembers(f.ctx, admin, store.MemberFilter{})
		if err != nil || len(page.Items) != 2 {
			t.Fatalf("list members: %d %v", len(page.Items), err)
		}
		_, err = f.svc.ListMembers(f.ctx, viewer, store.MemberFilter{})
		wantCode(t, err, domain.CodeForbidden, "viewer lists members")
		if m, err := f.svc.GetMember(f.ctx, viewer, viewer.User.ID); err != nil || m.User.ID != viewer.User.ID {
			t.Fatalf("anyone may read their own membership: %v", err)
		}
		_, err = f.svc.GetMember(f.ctx, viewer, admin.User.ID)
		wantCode(t, err, domain.CodeForbidden, "viewer reads another member")
		if m, err := f.svc.GetMember(f.ctx, admin, viewer.User.ID); err != nil || m.User.Email != "viewer@example.com" {
			t.Fatalf("admin reads a member: %+v %v", m, err)
		}
		_, err = f.svc.ListAudit(f.ctx, viewer, store.AuditFilter{})
		wantCode(t, err, domain.CodeForbidden, "viewer reads the audit log")
		if err := f.svc.UpdateProfile(f.ctx, viewer, "Vera Viewer", who(viewer.User)); err != nil {
			t.Fatal(err)
		}
		if f.user(viewer.User.ID).Name != "Vera Viewer" {
			t.Fatal("profile name not saved")
		}
		wantCode(t, f.svc.UpdateProfile(f.ctx, viewer, strings.Repeat("x", 201), who(viewer.User)), domain.CodeInvalid, "long name")
		audits, err := f.svc.ListAudit(f.ctx, admin, store.AuditFilter{Action: "user."})
		if err != nil || len(audits.Items) != 1 || audits.Items[0].Action != "user.profile_update" {
			t.Fatalf("org audit log shows members' account events: %+v %v", audits.Items, err)
		}
	})
}

// A person invited by one org who has not accepted yet has no password, so
// a second org adding them must send an invitation link, not "sign in".
func TestAddStillInvitedAccountSendsInvitation(t *testing.T) {
	runService(t, func(f *fixture) {
		t := f.t
		orgA, orgB := f.org("Acme"), f.org("Beta")
		adminA := f.principal(f.member(orgA, "admin@acme.example", RoleAdmin), orgA)
		adminB := f.principal(f.member(orgB, "admin@beta.example", RoleAdmin), orgB)
		in := NewMember{Email: "pending@example.com", Roles: []string{RoleViewer}, Mode: AddByInvitation}
		if _, err := f.svc.AddMember(f.ctx, adminA, in, who(adminA.User)); err != nil {
			t.Fatal(err)
		}
		in.Mode = AddWithPassword
		added, err := f.svc.AddMember(f.ctx, adminB, in, who(adminB.User))
		if err != nil || !added.Existing || added.OneTimePassword != "" {
			t.Fatalf("second add: %+v %v", added, err)
		}
		msgs := f.mail.To("pending@example.com")
		if len(msgs) != 2 {
			t.Fatalf("want two invitation mails, got %d", len(msgs))
		}
		token := linkIn(t, msgs[1].Text, "invite")
		if _, err := f.svc.AcceptInvitation(f.ctx, token, "Pat", goodPassword, anon("192.0.2.9")); err != nil {
			t.Fatalf("the second org's link must work: %v", err)
		}
	})
}
