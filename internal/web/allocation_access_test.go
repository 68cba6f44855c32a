package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// An owner gives a member a viewer role on one group from the group's
// page; the member then sees only that group's share in the explorer, and
// the consumption view, which needs org-wide access, stays closed.
func TestGroupAccessFromTheGroupPage(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.importAllocCosts("A")
		ctx := context.Background()
		hash, err := auth.HashPassword(f.passwd)
		if err != nil {
			t.Fatal(err)
		}
		now := domain.Now()
		u := domain.User{ID: domain.NewID(domain.PrefixUser), Email: "scoped-a@example.com", PasswordHash: hash, Status: domain.UserActive, CreatedAt: now, UpdatedAt: now}
		if err := f.st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := f.st.AddMember(ctx, f.orgs["A"].ID, u.ID, nil, now); err != nil {
			t.Fatal(err)
		}
		owner := f.client("owner-a@example.com")
		web := f.createGroup(owner, "Web", "")
		if code, _ := f.do(owner, "POST", "/allocation/rules", ruleForm("0", "web team", web, "team", "web")); code != http.StatusSeeOther {
			t.Fatalf("add rule: %d", code)
		}
		if code, _ := f.do(owner, "POST", "/allocation/groups/"+web+"/access", url.Values{"user_id": {u.ID}, "role": {"admin"}}); code != http.StatusSeeOther {
			t.Fatalf("scoped admin: %d", code)
		}
		_, body := f.do(owner, "GET", "/allocation/groups/"+web, nil)
		if !strings.Contains(body, "Owners and admins act on the whole organisation") || !strings.Contains(body, "Nobody has a role limited to this group.") {
			t.Fatal("a scoped admin was not refused with a message")
		}
		if code, _ := f.do(owner, "POST", "/allocation/groups/"+web+"/access", url.Values{"user_id": {u.ID}, "role": {"viewer"}}); code != http.StatusSeeOther {
			t.Fatalf("give access: %d", code)
		}
		if _, body := f.do(owner, "GET", "/allocation/groups/"+web, nil); !strings.Contains(body, "<td>scoped-a@example.com</td><td>viewer</td>") {
			t.Fatal("the group page does not list the member")
		}
		scoped := f.client("scoped-a@example.com")
		code, body := f.do(scoped, "GET", "/spend?from=2026-03-01&to=2026-03-31&group_by=service&currency=billing&granularity=month", nil)
		if code != http.StatusOK || !strings.Contains(body, "Virtual Machines") || strings.Contains(body, "SQL Database") || strings.Contains(body, "Shared Network") {
			t.Fatalf("scoped explorer: %d, shows other groups' services: %v", code, strings.Contains(body, "SQL Database"))
		}
		if code, _ := f.do(scoped, "GET", "/spend/consumption?from=2026-03-01&to=2026-03-31", nil); code != http.StatusForbidden {
			t.Fatalf("scoped consumption: %d, want 403", code)
		}
		if code, _ := f.do(f.client("viewer-a@example.com"), "POST", "/allocation/groups/"+web+"/access/"+u.ID+"/remove", nil); code != http.StatusForbidden {
			t.Fatalf("viewer removing access: %d", code)
		}
		if code, _ := f.do(owner, "POST", "/allocation/groups/"+web+"/access/"+u.ID+"/remove", nil); code != http.StatusSeeOther {
			t.Fatalf("remove access: %d", code)
		}
		if code, _ := f.do(scoped, "GET", "/spend", nil); code != http.StatusForbidden {
			t.Fatalf("after removal: %d", code)
		}
	})
}
