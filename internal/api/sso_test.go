package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/sso"
	"github.com/canopyhq/canopy/internal/sso/saml/samltest"
	"github.com/canopyhq/canopy/internal/sso/wsfed/wsfedtest"
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

// Canopy's SAML certificate over the API: a connection made from fields
// (sync_roles kept), rotated (two certificates, the current one first),
// activated (the new one current, the old one previous), the previous one
// removed; steps out of order are conflicts, other kinds invalid, viewers
// forbidden and other organisations' connections not found.
func TestSSOSPCertificateAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tok := f.a.ownerToken
		_, cert := samltest.KeyPair(t, "api idp")
		body, _ := json.Marshal(map[string]any{"kind": "saml", "name": "Corp SAML", "domains": []string{"saml-alpha.test"},
			"sync_roles": true, "group_roles": []sso.GroupRole{{Group: "FinOps", Role: "finops"}},
			"settings": map[string]any{"sign_in_url": "https://idp.example.com/sso", "certificates": samltest.CertPEM(cert),
				"name_id_format": "email"}})
		res := f.do("POST", "/api/v1/sso/connections", tok, string(body))
		res.wantStatus(t, "create", http.StatusCreated)
		var c sso.Connection
		res.decode(t, &c)
		if !c.SyncRoles || len(c.SPCerts) != 1 || c.SPCerts[0].Use != sso.SPKeyCurrent || !strings.Contains(string(c.Settings), `"name_id_format":"email"`) {
			t.Fatalf("created %s", res.body)
		}
		first := c.SPCerts[0].SHA256
		base := "/api/v1/sso/connections/" + c.ID + "/sp-certificate"
		f.do("POST", base+"/activate", tok, nil).wantError(t, "activate before rotate", 409, domain.CodeConflict)
		f.do("DELETE", base+"/previous", tok, nil).wantError(t, "remove before rotate", 409, domain.CodeConflict)
		f.do("POST", base+"/rotate", f.a.viewerToken, nil).wantError(t, "viewer rotates", 403, domain.CodeForbidden)
		f.do("POST", base+"/rotate", f.b.ownerToken, nil).wantError(t, "other org rotates", 404, domain.CodeNotFound)
		f.do("POST", "/api/v1/sso/connections/"+f.a.ssoID+"/sp-certificate/rotate", tok, nil).wantError(t, "OIDC rotates", 400, domain.CodeInvalid)

		res = f.do("POST", base+"/rotate", tok, nil)
		res.wantStatus(t, "rotate", http.StatusOK)
		res.decode(t, &c)
		if len(c.SPCerts) != 2 || c.SPCerts[0].SHA256 != first || c.SPCerts[1].Use != sso.SPKeyNext {
			t.Fatalf("rotated %s", res.body)
		}
		next := c.SPCerts[1].SHA256
		f.do("POST", base+"/rotate", tok, nil).wantError(t, "rotate twice", 409, domain.CodeConflict)
		res = f.do("POST", base+"/activate", tok, nil)
		res.wantStatus(t, "activate", http.StatusOK)
		res.decode(t, &c)
		if len(c.SPCerts) != 2 || c.SPCerts[0].SHA256 != next || c.SPCerts[1].Use != sso.SPKeyPrevious || c.SPCerts[1].SHA256 != first {
			t.Fatalf("activated %s", res.body)
		}
		res = f.do("DELETE", base+"/previous", tok, nil)
		res.wantStatus(t, "remove previous", http.StatusOK)
		res.decode(t, &c)
		if len(c.SPCerts) != 1 || c.SPCerts[0].SHA256 != next {
			t.Fatalf("after removal %s", res.body)
		}
		f.do("DELETE", base+"/previous", tok, nil).wantError(t, "remove twice", 409, domain.CodeConflict)
	})
}

// A WS-Federation connection from the STS's metadata URL: enabled at
// creation, the realm and the fetched metadata in the answer; a field of
// its settings that is wrong is named.
func TestSSOWSFedConnectionAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tok := f.a.ownerToken
		sts := wsfedtest.New(t, "wes@alpha-adfs.test", "Wes", "Fed")
		f.do("POST", "/api/v1/sso/connections", tok, `{"kind":"wsfed","name":"ADFS","settings":{"metadata_url":"`+sts.MetadataURL()+
			`","realm":"not a uri"}}`).wantError(t, "bad realm", 400, domain.CodeInvalid)
		res := f.do("POST", "/api/v1/sso/connections", tok, `{"kind":"wsfed","name":"ADFS","enabled":true,"domains":["alpha-adfs.test"],
			"settings":{"metadata_url":"`+sts.MetadataURL()+`"}}`)
		res.wantStatus(t, "create", http.StatusCreated)
		var c sso.Connection
		res.decode(t, &c)
		if !c.Enabled || c.Realm != "urn:canopy:"+c.ID || c.IdPMetadata == nil || c.IdPMetadata.FetchedAt == nil ||
			c.IdPMetadata.URL != sts.MetadataURL() || c.IdPMetadata.LastError != "" {
			t.Fatalf("created %s", res.body)
		}
	})
}
