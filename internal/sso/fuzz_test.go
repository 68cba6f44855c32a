package sso

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/auth"
)

// FuzzMapClaims feeds arbitrary ID-token claims (the JSON an OIDC
// provider signs) and a multi-valued SAML attribute through the claim
// mapping of every kind, the group-to-role mapping and Azure AD's tenant
// check. Nothing may panic; an email is lower case and shaped like one;
// groups are sorted, distinct and not blank; owner is never mapped; an
// Azure subject is tid/oid of an allowed tenant.
func FuzzMapClaims(f *testing.F) {
	f.Add(`{"sub":"abc","email":"Ada@Example.com","given_name":"Ada","groups":["FinOps","finops"," ","x"],"tid":"t1","oid":"O1"}`, "FinOps\nAdmins\n\n ")
	f.Add(`{"upn":"not an email","preferred_username":"bob@example.com","roles":"Readers","tid":"T1","oid":"o"}`, "")
	f.Add(`{"groups":[1,null,{"a":1},"g"],"email":["a@b.c"]}`, "a@b.c")
	f.Fuzz(func(t *testing.T, raw, samlValues string) {
		var claims map[string]any
		if json.Unmarshal([]byte(raw), &claims) != nil || claims == nil {
			return
		}
		claims["http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"] = strings.Split(samlValues, "\n")
		claims[claimNameID] = strings.Split(samlValues, "\n")
		mapping := []GroupRole{{Group: "finops", Role: auth.RoleFinOps}, {Group: "admins", Role: auth.RoleOwner}, {Group: "x", Role: auth.RoleViewer}}
		for _, kind := range []string{KindOIDC, KindAzureAD, KindSAML, KindPingFederate, KindWSFed} {
			id := MapClaims(claims, DefaultClaims(kind), "subject")
			if id.Email != "" && (id.Email != strings.ToLower(id.Email) || !looksLikeEmail(id.Email)) {
				t.Fatalf("%s: email %q", kind, id.Email)
			}
			if !slices.IsSorted(id.Groups) || len(slices.Compact(slices.Clone(id.Groups))) != len(id.Groups) {
				t.Fatalf("%s: groups %q", kind, id.Groups)
			}
			for _, g := range id.Groups {
				if strings.TrimSpace(g) == "" {
					t.Fatalf("%s: blank group in %q", kind, id.Groups)
				}
			}
			if roles := rolesFor(id.Groups, mapping, auth.RoleViewer); slices.Contains(roles, auth.RoleOwner) || len(roles) == 0 {
				t.Fatalf("%s: roles %q from groups %q", kind, roles, id.Groups)
			}
		}
		st := OIDCSettings{TenantID: "t1"}
		if sub, err := checkAzure(st, strings.ReplaceAll(azureIssuerTemplate(st), "{tenantid}", "t1"), claims); err == nil {
			if tid, oid, ok := strings.Cut(sub, "/"); !ok || tid != "t1" || oid == "" || sub != strings.ToLower(sub) {
				t.Fatalf("Azure subject %q", sub)
			}
		}
	})
}
