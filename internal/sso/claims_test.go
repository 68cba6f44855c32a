package sso

import (
	"strings"
	"testing"
)

// Email falls back email → UPN → sub, taking only email-shaped values.
func TestMapClaimsFallbacks(t *testing.T) {
	m := DefaultClaims(KindOIDC)
	cases := []struct {
		claims map[string]any
		want   string
	}{
		{map[string]any{"email": "A@Corp.test", "upn": "b@corp.test", "sub": "c@corp.test"}, "a@corp.test"},
		{map[string]any{"email": "", "upn": "b@corp.test", "sub": "c@corp.test"}, "b@corp.test"},
		{map[string]any{"sub": "c@corp.test"}, "c@corp.test"},
		{map[string]any{"sub": "1234"}, ""},
	}
	for _, c := range cases {
		if got := MapClaims(c.claims, m, "s").Email; got != c.want {
			t.Errorf("%v: email %q, want %q", c.claims, got, c.want)
		}
	}
	saml := DefaultClaims(KindSAML)
	id := MapClaims(map[string]any{claimNameID: "n@corp.test", samlGiven: "Ann", samlSurname: "Lee",
		samlGroups: []any{"b", "a", "b"}}, saml, "n")
	if id.Email != "n@corp.test" || id.Name() != "Ann Lee" || strings.Join(id.Groups, ",") != "a,b" {
		t.Fatalf("saml identity %+v", id)
	}
	custom := ClaimMapping{Email: []string{"mail"}}.Effective(KindAzureAD)
	if custom.Email[0] != "mail" || custom.GivenName[0] != "given_name" {
		t.Fatalf("effective %+v", custom)
	}
	if r := rolesFor([]string{"FINANCE"}, []GroupRole{{"finance", "finops"}, {"ops", "admin"}}, "viewer"); strings.Join(r, ",") != "finops" {
		t.Fatalf("roles %v", r)
	}
	if r := rolesFor(nil, []GroupRole{{"ops", "admin"}}, "viewer"); strings.Join(r, ",") != "viewer" {
		t.Fatalf("default role %v", r)
	}
}

// Azure AD users are tid/oid; the tenant and the issuer are checked for
// single-tenant, v1 and multi-tenant connections.
func TestCheckAzure(t *testing.T) {
	const tid, other = "72f988bf-86f1-41af-91ab-2d7cd011db47", "11111111-2222-3333-4444-555555555555"
	single := OIDCSettings{TenantID: tid, Endpoint: "v2"}
	claims := map[string]any{"tid": tid, "oid": "OBJ-1"}
	if sub, err := checkAzure(single, "https://login.microsoftonline.com/"+tid+"/v2.0", claims); err != nil || sub != tid+"/obj-1" {
		t.Fatalf("single tenant: %q %v", sub, err)
	}
	if _, err := checkAzure(single, "https://sts.windows.net/"+tid+"/", claims); err == nil || err.Error() != "wrong issuer" {
		t.Fatalf("v1 issuer on a v2 connection: %v", err)
	}
	v1 := OIDCSettings{TenantID: tid, Endpoint: "v1"}
	if _, err := checkAzure(v1, "https://sts.windows.net/"+tid+"/", claims); err != nil {
		t.Fatalf("v1: %v", err)
	}
	if _, err := checkAzure(single, "https://login.microsoftonline.com/"+other+"/v2.0", map[string]any{"tid": other, "oid": "x"}); err == nil ||
		!strings.Contains(err.Error(), "expected "+tid) {
		t.Fatalf("other tenant: %v", err)
	}
	if _, err := checkAzure(single, "https://login.microsoftonline.com/"+tid+"/v2.0", map[string]any{"tid": tid}); err == nil {
		t.Fatal("no oid accepted")
	}
	multi := OIDCSettings{MultiTenant: true, Endpoint: "v2", AllowedTenants: []string{tid}}
	if _, err := checkAzure(multi, "https://login.microsoftonline.com/"+tid+"/v2.0", claims); err != nil {
		t.Fatalf("multi allowed: %v", err)
	}
	if _, err := checkAzure(multi, "https://login.microsoftonline.com/"+other+"/v2.0", map[string]any{"tid": other, "oid": "x"}); err == nil {
		t.Fatal("tenant outside the allowed list accepted")
	}
	// The issuer must name the token's own tenant.
	if _, err := checkAzure(OIDCSettings{MultiTenant: true}, "https://login.microsoftonline.com/"+other+"/v2.0", claims); err == nil {
		t.Fatal("issuer of another tenant accepted")
	}
	if base, multi := discovery(KindAzureAD, OIDCSettings{MultiTenant: true, Endpoint: "v2"}); base != "https://login.microsoftonline.com/organizations/v2.0" || !multi {
		t.Fatalf("multi-tenant discovery %q", base)
	}
	if base, _ := discovery(KindAzureAD, v1); base != "https://login.microsoftonline.com/"+tid {
		t.Fatalf("v1 discovery %q", base)
	}
}
