package graph

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

var writeRoles = []any{"User.ReadWrite.All", "LicenseAssignment.ReadWrite.All", "GroupMember.ReadWrite.All", "Organization.Read.All"}

// Writes answer as Graph v1.0 does (status, body, error codes) and show
// in later reads; read-only tokens are refused.
func TestUserWritesAndErrors(t *testing.T) {
	e := newEnv(t, 20)
	tok := e.token(sbx.Claims{"roles": writeRoles})
	u := e.g.Users(testTenant)[1]
	patch := func(body string) (int, []byte) {
		st, _, b := e.do(http.MethodPatch, "/v1.0/users/"+u.ID, tok, []byte(body), "Content-Type", "application/json")
		return st, b
	}
	if st, b := patch(`{"department":"Legal","usageLocation":"FR","onPremisesExtensionAttributes":{"extensionAttribute5":"X"}}`); st != 204 || len(b) != 0 {
		t.Fatalf("patch: %d %s", st, b)
	}
	st, _, b := e.do(http.MethodGet, "/v1.0/users/"+u.ID+"?$select=department,usageLocation,onPremisesExtensionAttributes", tok, nil)
	if st != 200 || !strings.Contains(string(b), `"department":"Legal"`) || !strings.Contains(string(b), `"extensionAttribute5":"X"`) {
		t.Fatalf("read after patch: %d %s", st, b)
	}
	for body, want := range map[string]string{
		`{"shoeSize":"9"}`:                         "Invalid property 'shoeSize'",
		`{"id":"x"}`:                               "read-only",
		`{"usageLocation":"Germany"}`:              "usageLocation",
		`{"passwordProfile":{"password":"short"}}`: "password complexity",
		`{"userPrincipalName":"` + e.g.Users(testTenant)[2].UserPrincipalName + `"}`: "already exists",
	} {
		if st, b := patch(body); st != 400 || !strings.Contains(string(b), want) || !strings.Contains(string(b), "Request_BadRequest") {
			t.Errorf("patch %s: %d %s", body, st, b)
		}
	}
	ro := e.token(sbx.Claims{"roles": []any{"User.Read.All"}})
	if st, _, b := e.do(http.MethodPatch, "/v1.0/users/"+u.ID, ro, []byte(`{"department":"X"}`)); st != 403 || !strings.Contains(string(b), "Authorization_RequestDenied") {
		t.Fatalf("read-only token: %d %s", st, b)
	}

	// Licences: usage location required, free units required.
	if st, b := patch(`{"usageLocation":null}`); st != 204 {
		t.Fatalf("clear usage location: %d %s", st, b)
	}
	visio := catalog[skuVisio].SkuID
	assign := `{"addLicenses":[{"skuId":"` + visio + `","disabledPlans":[]}],"removeLicenses":[]}`
	st, _, b = e.do(http.MethodPost, "/v1.0/users/"+u.ID+"/assignLicense", tok, []byte(assign))
	if st != 400 || !strings.Contains(string(b), "invalid usage location") {
		t.Fatalf("no usage location: %d %s", st, b)
	}
	patch(`{"usageLocation":"DE"}`)
	e.g.SetPrepaidUnits(testTenant, visio, e.g.SKUs(testTenant)[skuVisio].Consumed)
	if st, _, b = e.do(http.MethodPost, "/v1.0/users/"+u.ID+"/assignLicense", tok, []byte(assign)); st != 400 || !strings.Contains(string(b), "does not have any available licenses") {
		t.Fatalf("no free unit: %d %s", st, b)
	}
	e.g.SetPrepaidUnits(testTenant, visio, 100)
	before := e.g.SKUs(testTenant)[skuVisio].Consumed
	if st, _, b = e.do(http.MethodPost, "/v1.0/users/"+u.ID+"/assignLicense", tok, []byte(assign)); st != 200 || !strings.Contains(string(b), u.ID) {
		t.Fatalf("assign: %d %s", st, b)
	}
	if e.g.SKUs(testTenant)[skuVisio].Consumed != before+1 {
		t.Fatal("consumedUnits not counted")
	}

	// Delete, then the user is gone from reads until restored.
	if st, _, _ := e.do(http.MethodDelete, "/v1.0/users/"+u.ID, tok, nil); st != 204 {
		t.Fatalf("delete: %d", st)
	}
	if st, _, _ := e.do(http.MethodGet, "/v1.0/users/"+u.ID, tok, nil); st != 404 {
		t.Fatalf("read deleted: %d", st)
	}
	if st, _, b := e.do(http.MethodPost, "/v1.0/directory/deletedItems/"+u.ID+"/restore", tok, nil); st != 200 || !strings.Contains(string(b), u.ID) {
		t.Fatalf("restore: %d %s", st, b)
	}
	if st, _, _ := e.do(http.MethodPost, "/v1.0/directory/deletedItems/"+u.ID+"/restore", tok, nil); st != 404 {
		t.Fatalf("restore twice: %d", st)
	}
}

// Writes inside $batch: each inner request its own status, a failed
// dependency 424.
func TestBatchWrites(t *testing.T) {
	e := newEnv(t, 20)
	tok := e.token(sbx.Claims{"roles": writeRoles})
	users := e.g.Users(testTenant)
	body, _ := json.Marshal(map[string]any{"requests": []map[string]any{
		{"id": "1", "method": "PATCH", "url": "/users/" + users[3].ID, "headers": map[string]string{"Content-Type": "application/json"}, "body": map[string]any{"jobTitle": "Chief"}},
		{"id": "2", "method": "PATCH", "url": "/users/" + users[4].ID, "headers": map[string]string{"Content-Type": "application/json"}, "body": map[string]any{"nope": 1}},
		{"id": "3", "method": "POST", "url": "/users/" + users[4].ID + "/revokeSignInSessions", "dependsOn": []string{"2"}},
	}})
	st, _, b := e.do(http.MethodPost, "/v1.0/$batch", tok, body, "Content-Type", "application/json")
	var out batchOut
	if err := json.Unmarshal(b, &out); st != 200 || err != nil || len(out.Responses) != 3 {
		t.Fatalf("batch: %d %v %s", st, err, b)
	}
	if out.Responses[0].Status != 204 || out.Responses[1].Status != 400 || out.Responses[2].Status != 424 {
		t.Fatalf("statuses %+v", out.Responses)
	}
	if e.g.Users(testTenant)[3].JobTitle != "Chief" || !e.g.Users(testTenant)[4].SignInSessionsValidFromDateTime.IsZero() {
		t.Fatal("batch effects wrong")
	}
}
