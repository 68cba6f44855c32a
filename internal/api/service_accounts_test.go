package api_test

import (
	"crypto/rsa"
	"encoding/json"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
	"github.com/canopyhq/canopy/internal/svcaccount/collector"
)

// An API client fetches the collector key, encrypts a password to it and
// sets a Microsoft 365 connection's service account; GET shows the
// account but never a secret; bad JWEs are refused by field without
// decrypting; the audit log names the change without the secret.
func TestServiceAccountAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tok, conn := f.a.ownerToken, f.a.dlg.connID
		path := "/api/v1/m365/connections/" + conn + "/service-account"
		var jwk jose.JSONWebKey
		res := f.do("GET", "/api/v1/m365/collector-key", tok, nil)
		res.wantStatus(t, "collector key", 200)
		if err := json.Unmarshal(res.body, &jwk); err != nil || !jwk.IsPublic() || jwk.Algorithm != "RSA-OAEP-256" || !strings.HasPrefix(jwk.KeyID, "ck-") {
			t.Fatalf("collector key %s (%v)", res.body, err)
		}
		if again := f.do("GET", "/api/v1/m365/collector-key", f.b.ownerToken, nil); !strings.Contains(string(again.body), jwk.KeyID) {
			t.Fatal("another organisation gets another collector key: it is the installation's")
		}
		f.do("GET", path, tok, nil).wantError(t, "no account yet", 404, domain.CodeNotFound)
		pub := jwk.Key.(*rsa.PublicKey)
		jwe, err := collector.Encrypt([]byte("Api-Secret-Password-7"), pub, jwk.KeyID)
		if err != nil {
			t.Fatal(err)
		}
		for name, body := range map[string]string{
			"plain password": `{"username":"svc@contoso.test","password_jwe":"Api-Secret-Password-7"}`,
			"unknown kid":    `{"username":"svc@contoso.test","password_jwe":"` + mustEncrypt(t, pub, "ck-other") + `"}`,
			"truncated":      `{"username":"svc@contoso.test","password_jwe":"` + jwe[:len(jwe)-10] + `"}`,
		} {
			e := f.do("PUT", path, tok, body).wantError(t, name, 400, domain.CodeInvalid)
			if e.Error.Field != "password_jwe" {
				t.Errorf("%s: field %q", name, e.Error.Field)
			}
		}
		f.do("PUT", path, tok, `{"username":"not a upn","password_jwe":"`+jwe+`"}`).wantError(t, "bad username", 400, domain.CodeInvalid)
		res = f.do("PUT", path, tok, `{"username":"svc@contoso.test","password_jwe":"`+jwe+`"}`)
		res.wantStatus(t, "set", 200)
		got := f.do("GET", path, tok, nil)
		got.wantStatus(t, "get", 200)
		m := got.json(t)
		if m["username"] != "svc@contoso.test" || m["kid"] != jwk.KeyID || m["state"] != "unverified" || m["last_used_at"] != nil {
			t.Fatalf("GET %s", got.body)
		}
		for _, r := range []response{res, got} {
			if strings.Contains(string(r.body), jwe[:40]) || strings.Contains(string(r.body), "Api-Secret-Password-7") {
				t.Fatalf("a response holds the secret: %s", r.body)
			}
		}
		audit := f.do("GET", "/api/v1/audit?action=m365.service_account.", tok, nil)
		if !strings.Contains(string(audit.body), "m365.service_account.set") || strings.Contains(string(audit.body), jwe[:40]) {
			t.Fatalf("audit %s", audit.body)
		}
		f.do("GET", path, f.a.viewerToken, nil).wantError(t, "viewer", 403, domain.CodeForbidden)
		f.do("DELETE", "/api/v1/m365/connections/"+conn+"/service-account", f.b.ownerToken, nil).wantError(t, "other org", 404, domain.CodeNotFound)
		f.do("DELETE", path, tok, nil).wantStatus(t, "delete", 204)
		f.do("GET", path, tok, nil).wantError(t, "after delete", 404, domain.CodeNotFound)
	})
}

func mustEncrypt(t *testing.T, pub *rsa.PublicKey, kid string) string {
	t.Helper()
	s, err := collector.Encrypt([]byte("pw"), pub, kid)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
