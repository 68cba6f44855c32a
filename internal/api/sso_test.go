package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/sso"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// seedSSO adds a disabled OpenID Connect connection for the tenant's own
// domain, with a client secret no response may contain.
func (f *fixture) seedSSO(p *auth.Principal, slug string) string {
	f.t.Helper()
	secret := "sso-secret-" + slug + "-" + domain.NewID("")
	c, err := (&sso.Service{Store: f.st, Vault: f.svc.Vault, BaseURL: "http://127.0.0.1"}).CreateConnection(f.ctx, p,
		p.Actor("127.0.0.1", testUA), sso.Input{Kind: sso.KindOIDC, Name: slug + " IdP", Domains: []string{"sso-" + slug + ".test"},
			ClientSecret: secret, Settings: json.RawMessage(`{"issuer":"https://idp.` + slug + `.test","client_id":"canopy"}`)})
	if err != nil {
		f.t.Fatal(err)
	}
	f.secrets = append(f.secrets, secret)
	return c.ID
}

// The connection API: create (named errors, domain taken by another
// organisation is a conflict), read without the secret, replace, delete.
func TestSSOConnectionsAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tok := f.a.ownerToken
		f.do("POST", "/api/v1/sso/connections", tok, `{"kind":"oidc","name":"x","domains":["not a domain"]}`).
			wantError(t, "bad domain", 400, domain.CodeInvalid)
		f.do("POST", "/api/v1/sso/connections", tok, `{"kind":"oidc","name":"x","domains":["sso-beta.test"]}`).
			wantError(t, "domain of another organisation", 409, domain.CodeConflict)
		res := f.do("POST", "/api/v1/sso/connections", tok, `{"kind":"azure-ad","name":"Entra","enabled":true,"domains":["@Alpha-Corp.test"],
			"client_secret":"entra-secret-value","settings":{"tenant_id":"72f988bf-86f1-41af-91ab-2d7cd011db47","client_id":"app"},
			"jit":true,"group_roles":[{"group":"FinOps","role":"finops"}]}`)
		res.wantStatus(t, "create", http.StatusCreated)
		var c sso.Connection
		res.decode(t, &c)
		if c.Domains[0] != "alpha-corp.test" || !c.HasSecret || c.JITRole != "viewer" || c.Effective.Email[0] != "email" ||
			!strings.HasSuffix(c.CallbackURL, "/login/callback?connection="+c.ID) || strings.Contains(string(res.body), "entra-secret-value") ||
			!strings.Contains(string(res.body), `"post_logout_redirect_uri":"`) || !strings.HasSuffix(c.SignedOutURL, "/signed-out") {
			t.Fatalf("created %s", res.body)
		}
		res = f.do("PUT", "/api/v1/sso/connections/"+c.ID, tok, `{"name":"Entra v1","enabled":true,"domains":["alpha-corp.test"],
			"settings":{"tenant_id":"72f988bf-86f1-41af-91ab-2d7cd011db47","client_id":"app","endpoint":"v1"}}`)
		res.wantStatus(t, "update", http.StatusOK)
		res.decode(t, &c)
		if c.Name != "Entra v1" || !c.HasSecret || !strings.Contains(string(c.Settings), `"endpoint":"v1"`) {
			t.Fatalf("updated %s", res.body)
		}
		f.do("PUT", "/api/v1/sso/connections/"+c.ID, tok, `{"kind":"oidc","name":"x"}`).wantError(t, "kind change", 400, domain.CodeInvalid)
		f.do("GET", "/api/v1/sso/connections", f.a.viewerToken, nil).wantError(t, "viewer lists", 403, domain.CodeForbidden)
		f.do("GET", "/api/v1/sso/connections/"+c.ID, f.b.ownerToken, nil).wantError(t, "other org reads", 404, domain.CodeNotFound)
		f.do("DELETE", "/api/v1/sso/connections/"+c.ID, tok, nil).wantStatus(t, "delete", http.StatusNoContent)
		f.do("GET", "/api/v1/sso/connections/"+c.ID, tok, nil).wantError(t, "deleted", 404, domain.CodeNotFound)
	})
}
