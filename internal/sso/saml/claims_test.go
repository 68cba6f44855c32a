package saml

import (
	"strings"
	"testing"
)

func TestClaimMappingAzureADFallbacks(t *testing.T) {
	m := DefaultClaims(KindAzureAD)
	a := &Assertion{NameID: "3f2a-opaque-id", Attributes: map[string][]string{
		ClaimEmail:       {"Ada@Contoso.com"},
		ClaimUPN:         {"ada@contoso.onmicrosoft.com"},
		ClaimGivenName:   {"Ada"},
		ClaimSurname:     {"Lovelace"},
		ClaimDisplayName: {"Ada L."},
		ClaimGroups:      {"g1", "g2", "g1"},
	}}
	c := m.Map(a)
	if c.Email != "ada@contoso.com" || c.EmailSource != "email" || c.Subject != "3f2a-opaque-id" ||
		c.GivenName != "Ada" || c.FamilyName != "Lovelace" || c.DisplayName != "Ada L." || strings.Join(c.Groups, ",") != "g1,g2" {
		t.Fatalf("%+v", c)
	}
	// No email claim: the UPN.
	delete(a.Attributes, ClaimEmail)
	if c := m.Map(a); c.Email != "ada@contoso.onmicrosoft.com" || c.EmailSource != "upn" {
		t.Fatalf("UPN fallback %+v", c)
	}
	// ADFS often sends the UPN as the name claim.
	delete(a.Attributes, ClaimUPN)
	a.Attributes[ClaimName] = []string{"ada@corp.example"}
	if c := DefaultClaims(KindADFS).Map(a); c.Email != "ada@corp.example" || c.EmailSource != "upn" {
		t.Fatalf("name claim fallback %+v", c)
	}
	// Neither, and an opaque NameID: no email.
	delete(a.Attributes, ClaimName)
	if c := m.Map(a); c.Email != "" || c.EmailSource != "" {
		t.Fatalf("opaque %+v", c)
	}
	// An email-shaped NameID is the last resort.
	a.NameID = "Ada@Contoso.com"
	if c := m.Map(a); c.Email != "ada@contoso.com" || c.EmailSource != "nameid" {
		t.Fatalf("NameID fallback %+v", c)
	}
	// A value that is not an address is skipped, not used.
	a.Attributes[ClaimEmail] = []string{"not an address"}
	if c := m.Map(a); c.EmailSource != "nameid" {
		t.Fatalf("bad email used %+v", c)
	}
}

func TestClaimMappingPingFederate(t *testing.T) {
	a := &Assertion{NameID: "ada", Attributes: map[string][]string{
		"mail":      {"ada@example.com"},
		"givenName": {"Ada"},
		"sn":        {"Lovelace"},
		"memberOf":  {"cn=finops,ou=groups"},
	}}
	c := DefaultClaims(KindPingFederate).Map(a)
	if c.Email != "ada@example.com" || c.DisplayName != "Ada Lovelace" || len(c.Groups) != 1 || c.Groups[0] != "cn=finops,ou=groups" {
		t.Fatalf("%+v", c)
	}
	// The Azure preset does not read LDAP names.
	if c := DefaultClaims(KindAzureAD).Map(a); c.GivenName != "" || c.EmailSource != "" {
		t.Fatalf("%+v", c)
	}
}

func TestLooksLikeEmail(t *testing.T) {
	for s, want := range map[string]bool{
		"a@b.c": true, "a@b": false, "@b.c": false, "a@": false, "a@@b.c": false, "a b@c.d": false, "a@b.c>": false,
	} {
		if looksLikeEmail(s) != want {
			t.Errorf("%q: %v", s, !want)
		}
	}
}
