package sandbox_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/canopyhq/canopy/internal/sandbox"
	"github.com/canopyhq/canopy/internal/sandbox/entra"
)

// The resource-owner password grant checks the user's password (AADSTS50126
// when wrong, 50034 for an unknown user) and issues a delegated Graph
// token; Graph's GET /me answers it and refuses an app-only token as
// Microsoft Graph does. A user kept only as a hash signs in the same way.
func TestPasswordGrantAndMe(t *testing.T) {
	c := start(t)
	d := c.Demo
	if err := c.Entra.GrantAdminConsent(d.Customer.ID, d.App.ClientID, "https://graph.microsoft.com/.default"); err != nil {
		t.Fatal(err)
	}
	form := func(user, password string) url.Values {
		return url.Values{"grant_type": {"password"}, "client_id": {d.App.ClientID}, "client_secret": {d.App.Secret},
			"scope": {"https://graph.microsoft.com/.default"}, "username": {user}, "password": {password}}
	}
	status, body := postToken(t, c, d.Customer.ID, form(d.ServiceAccount.UPN, "wrong"))
	if status != http.StatusBadRequest || body["error"] != "invalid_grant" || !strings.HasPrefix(body["error_description"].(string), "AADSTS50126:") {
		t.Fatalf("wrong password: %d %v", status, body)
	}
	if status, body = postToken(t, c, d.Customer.ID, form("nobody@contoso.onmicrosoft.com", "x")); status != 400 || !strings.HasPrefix(body["error_description"].(string), "AADSTS50034:") {
		t.Fatalf("unknown user: %d %v", status, body)
	}
	bad := form(d.ServiceAccount.UPN, sandbox.DemoPassword)
	bad.Set("client_secret", "nope")
	if status, body = postToken(t, c, d.Customer.ID, bad); status != 401 || body["error"] != "invalid_client" {
		t.Fatalf("wrong client secret: %d %v", status, body)
	}
	status, body = postToken(t, c, d.Customer.ID, form(d.ServiceAccount.UPN, sandbox.DemoPassword))
	if status != http.StatusOK {
		t.Fatalf("right password: %d %v", status, body)
	}
	at := body["access_token"].(string)
	cl := claims(t, at)
	if cl["idtyp"] != "user" || cl["upn"] != d.ServiceAccount.UPN || !strings.Contains(cl["scp"].(string), "User.Read") {
		t.Fatalf("claims = %v", cl)
	}
	if st, me := graphGet(t, c, "/v1.0/me", at); st != 200 || me["userPrincipalName"] != d.ServiceAccount.UPN {
		t.Fatalf("GET /me delegated: %d %v", st, me)
	}
	cred := appCredential(t, c, d.Customer.ID, d.App.Secret)
	app, err := cred.GetToken(t.Context(), policy.TokenRequestOptions{Scopes: []string{"https://graph.microsoft.com/.default"}})
	if err != nil {
		t.Fatal(err)
	}
	if st, e := graphGet(t, c, "/v1.0/me", app.Token); st != 400 || !strings.Contains(e["error"].(map[string]any)["message"].(string), "only valid with delegated authentication flow") {
		t.Fatalf("GET /me app-only: %d %v", st, e)
	}
	hashed := c.Entra.AddUserWithPasswordHash(d.Customer.ID, "svc-hashed@contoso.onmicrosoft.com",
		entra.PasswordHash("svc-hashed@contoso.onmicrosoft.com", []byte("h4shed-pw")))
	if st, _ := postToken(t, c, d.Customer.ID, form(hashed.UPN, "h4shed-pw")); st != 200 {
		t.Fatalf("hashed user, right password: %d", st)
	}
	if st, _ := postToken(t, c, d.Customer.ID, form(hashed.UPN, "")); st != 400 {
		t.Fatalf("hashed user, empty password: %d", st)
	}
	if st, _ := postToken(t, c, d.Customer.ID, form(hashed.UPN, "h4shed-pW")); st != 400 {
		t.Fatalf("hashed user, wrong password: %d", st)
	}
}

func graphGet(t *testing.T, c *sandbox.Cloud, path, token string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.GraphURL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.CA.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}
