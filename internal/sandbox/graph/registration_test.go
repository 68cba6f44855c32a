package graph

import (
	"net/http"
	"slices"
	"testing"

	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

// The registration report pages over every current user, says who has
// MFA, filters on it, needs AuditLog.Read.All (or Reports.Read.All), and
// follows registrations made after the fact.
func TestRegistrationDetails(t *testing.T) {
	e := newEnv(t, 250)
	const path = "/v1.0/reports/authenticationMethods/userRegistrationDetails"
	audit := e.token(sbx.Claims{"roles": []any{"AuditLog.Read.All"}})
	all := e.collect(path+"?$top=100", audit)
	users := e.g.Users(testTenant)
	if len(all) != len(users) {
		t.Fatalf("%d entries for %d users", len(all), len(users))
	}
	registered := 0
	for i, r := range all {
		u := users[i]
		if r["id"] != u.ID || r["userPrincipalName"] != u.UserPrincipalName || r["isMfaRegistered"] != isMFA(u.AuthMethods) {
			t.Fatalf("entry %d %v for %s %v", i, r, u.ID, u.AuthMethods)
		}
		if r["isMfaRegistered"] == true {
			registered++
		}
	}
	if registered == 0 || registered == len(all) {
		t.Fatalf("%d of %d registered: the seed should mix both", registered, len(all))
	}
	if got := e.collect(path+"?$filter=isMfaRegistered%20eq%20false", e.token(sbx.Claims{"roles": []any{"Reports.Read.All"}})); len(got) != len(all)-registered {
		t.Fatalf("filter: %d unregistered, want %d", len(got), len(all)-registered)
	}
	if st := e.getJSON(path, e.token(sbx.Claims{"roles": []any{"User.Read.All"}}), nil); st != http.StatusForbidden {
		t.Fatalf("without the permission: %d", st)
	}
	i := slices.IndexFunc(users, func(u User) bool { return !isMFA(u.AuthMethods) })
	e.g.SetAuthMethods(testTenant, users[i].ID, []string{"fido2SecurityKey"})
	var one struct{ Value []map[string]any }
	e.getJSON(path+"?$top=999", audit, &one)
	if one.Value[i]["isMfaRegistered"] != true {
		t.Fatalf("after registering: %v", one.Value[i])
	}
}

// $expand=manager returns each user's manager (absent when none) on the
// list and on one user; other navigation properties are refused.
func TestExpandManager(t *testing.T) {
	e := newEnv(t, 60)
	tok := e.token(nil)
	all := e.collect("/v1.0/users?$select=id&$expand=manager($select=id)", tok)
	users := e.g.Users(testTenant)
	managed := 0
	for i, u := range all {
		m, ok := u["manager"].(map[string]any)
		switch {
		case users[i].ManagerID == "" && ok:
			t.Fatalf("user %s has no manager but got %v", users[i].ID, m)
		case users[i].ManagerID != "" && (!ok || m["id"] != users[i].ManagerID):
			t.Fatalf("user %s manager %v, want %s", users[i].ID, m, users[i].ManagerID)
		case ok:
			managed++
		}
	}
	if managed == 0 {
		t.Fatal("the seed gives no user a manager")
	}
	if st := e.getJSON("/v1.0/users?$expand=memberOf", tok, nil); st != http.StatusBadRequest {
		t.Fatalf("$expand=memberOf: %d", st)
	}
}
