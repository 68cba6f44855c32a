package web_test

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/canopyhq/canopy/internal/keyvault"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
	"github.com/canopyhq/canopy/internal/svcaccount"
	"github.com/canopyhq/canopy/internal/svcaccount/collector"
)

// A Microsoft 365 connection's page offers the service-account form: the
// password input has no name (never posted), the submit button is
// disabled until the script runs, the collector's JWK is on the form. The
// server refuses a post without a JWE (what a browser without JavaScript
// would send) and stores a valid one; the page then shows the account
// but never the secret; others cannot change it.
func TestServiceAccountForm(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		kv, err := keyvault.NewLocal([]byte("0123456789abcdef0123456789abcdef"))
		if err != nil {
			t.Fatal(err)
		}
		keys := &collector.Keys{Store: f.st, Vault: kv, Bits: 2048}
		f.ui.ServiceAccounts = &svcaccount.Service{Store: f.st, Keys: keys}
		owner := f.client("owner-a@example.com")
		id := f.createConn(owner, url.Values{"kind": {"m365"}, "name": {"Contoso 365"}, "sync_hour": {"3"}, "enabled": {"on"},
			"settings": {`{"tenant_id":"contoso.onmicrosoft.com"}`}})
		page := "/connections/" + id
		code, body := f.do(owner, "GET", page, nil)
		for _, want := range []string{`id="sa-form"`, `data-jwk="{`, `RSA-OAEP-256`, `<input id="sa-password" type="password" autocomplete="new-password"`,
			`name="password_jwe"`, `id="sa-save" disabled`, `<noscript>`, `service_account.js`, `No service account is set.`} {
			if code != 200 || !strings.Contains(body, want) {
				t.Fatalf("page %d lacks %q", code, want)
			}
		}
		if strings.Contains(body, `name="password"`) {
			t.Fatal("the password input has a name")
		}
		code, body = f.do(owner, "POST", page+"/service-account", url.Values{"username": {"svc@contoso.onmicrosoft.com"}, "password": {"Plain-Text-1"}})
		if code != http.StatusBadRequest || !strings.Contains(body, "must be encrypted in the browser") {
			t.Fatalf("a post without a JWE: %d %s", code, body)
		}
		if _, err := f.st.GetM365ServiceAccount(context.Background(), f.orgs["A"].ID, id); err == nil {
			t.Fatal("a post without a JWE stored an account")
		}
		jwe := encryptToServed(t, keys, "Right-Password-1")
		set := url.Values{"username": {"svc@contoso.onmicrosoft.com"}, "password_jwe": {jwe}}
		for who, want := range map[string]int{"viewer-a@example.com": 403, "owner-b@example.com": 404} {
			if code, _ := f.do(f.client(who), "POST", page+"/service-account", set); code != want {
				t.Errorf("%s: %d, want %d", who, code, want)
			}
		}
		if code, _ := f.do(owner, "POST", page+"/service-account", set); code != http.StatusSeeOther && code != 200 {
			t.Fatalf("save: %d", code)
		}
		code, body = f.do(owner, "GET", page, nil)
		if code != 200 || !strings.Contains(body, `data-sa-state="unverified"`) || !strings.Contains(body, "svc@contoso.onmicrosoft.com") || strings.Contains(body, jwe) {
			t.Fatalf("page after saving: %d", code)
		}
		if code, body := f.do(f.client("viewer-a@example.com"), "GET", page, nil); code != http.StatusForbidden || strings.Contains(body, "svc@contoso") {
			t.Fatalf("a viewer (no connections.read) reads the page: %d", code)
		}
		if code, _ := f.do(owner, "POST", page+"/service-account/delete", nil); code != http.StatusSeeOther && code != 200 {
			t.Fatalf("delete: %d", code)
		}
		if _, body = f.do(owner, "GET", page, nil); !strings.Contains(body, "No service account is set.") {
			t.Fatal("the account is still shown after removing it")
		}
	})
}

func encryptToServed(t *testing.T, keys *collector.Keys, password string) string {
	t.Helper()
	row, err := keys.ActivePublic(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var jwk jose.JSONWebKey
	if err := json.Unmarshal(row.PublicJWK, &jwk); err != nil {
		t.Fatal(err)
	}
	jwe, err := collector.Encrypt([]byte(password), jwk.Key.(*rsa.PublicKey), jwk.KeyID)
	if err != nil {
		t.Fatal(err)
	}
	return jwe
}
