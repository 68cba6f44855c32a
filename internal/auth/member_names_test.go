package auth

import (
	"testing"

	"github.com/canopyhq/canopy/internal/domain"
)

// A FinOps analyst (no users.read) lists the members' names of their own
// organisation only; deactivated members are left out.
func TestMemberNamesForPickers(t *testing.T) {
	runService(t, func(f *fixture) {
		t := f.t
		org, other := f.org("Acme"), f.org("Other")
		fin := f.principal(f.member(org, "fin@example.com", RoleFinOps), org)
		f.member(org, "gone@example.com", RoleViewer)
		f.member(other, "stranger@example.com", RoleViewer)
		gone, err := f.st.GetUserByEmail(f.ctx, "gone@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if err := f.st.SetMemberStatus(f.ctx, org.ID, gone.ID, domain.UserDeactivated); err != nil {
			t.Fatal(err)
		}
		names, err := f.svc.MemberNames(f.ctx, fin)
		if err != nil || len(names) != 1 || names[0].Email != "fin@example.com" || names[0].ID != fin.User.ID {
			t.Fatalf("member names: %+v %v", names, err)
		}
		noOrgRead := &Principal{User: fin.User, Org: org}
		if _, err := f.svc.MemberNames(f.ctx, noOrgRead); domain.ErrorCode(err) != domain.CodeForbidden {
			t.Fatalf("without org.read: %v", err)
		}
	})
}
