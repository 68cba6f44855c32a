package sso

import (
	"fmt"
	"sort"
	"strings"
)

// ClaimMapping names, per attribute, the claims to read in order: the
// first that has a value wins (so email → UPN → subject is a fallback
// chain). An empty list takes the kind's default.
type ClaimMapping struct {
	Email       []string `json:"email"`
	GivenName   []string `json:"given_name"`
	FamilyName  []string `json:"family_name"`
	DisplayName []string `json:"display_name"`
	Groups      []string `json:"groups"`
}

const (
	samlEmail     = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
	samlUPN       = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"
	samlGiven     = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname"
	samlSurname   = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname"
	samlName      = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"
	samlGroups    = "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"
	samlRole      = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role"
	adfsGroup     = "http://schemas.xmlsoap.org/claims/Group"
	claimNameID   = "NameID" // SAML subject, as package sso/saml names it
	claimOIDCSub  = "sub"
	claimAzureUPN = "upn"
)

// DefaultClaims returns the mapping a kind starts with.
func DefaultClaims(kind string) ClaimMapping {
	switch kind {
	case KindAzureAD:
		return ClaimMapping{Email: []string{"email", claimAzureUPN, "preferred_username", "unique_name"},
			GivenName: []string{"given_name"}, FamilyName: []string{"family_name"}, DisplayName: []string{"name"},
			Groups: []string{"groups", "roles"}}
	case KindSAML, KindWSFed:
		m := ClaimMapping{Email: []string{samlEmail, "email", samlUPN, claimNameID},
			GivenName: []string{samlGiven, "givenName"}, FamilyName: []string{samlSurname, "sn"},
			DisplayName: []string{samlName, "displayName"}, Groups: []string{samlGroups, samlRole, "groups"}}
		if kind == KindWSFed {
			m.Groups = append(m.Groups, adfsGroup) // ADFS's "Send group membership as a claim"
		}
		return m
	case KindPingFederate:
		return ClaimMapping{Email: []string{"mail", "email", samlEmail, claimNameID},
			GivenName: []string{"givenName", samlGiven}, FamilyName: []string{"sn", samlSurname},
			DisplayName: []string{"displayName", "cn"}, Groups: []string{"memberOf", "groups"}}
	default:
		return ClaimMapping{Email: []string{"email", claimAzureUPN, claimOIDCSub},
			GivenName: []string{"given_name"}, FamilyName: []string{"family_name"}, DisplayName: []string{"name"},
			Groups: []string{"groups"}}
	}
}

// Effective fills empty lists from the kind's defaults.
func (m ClaimMapping) Effective(kind string) ClaimMapping {
	d := DefaultClaims(kind)
	pick := func(v, def []string) []string {
		if len(v) == 0 {
			return def
		}
		return v
	}
	return ClaimMapping{Email: pick(m.Email, d.Email), GivenName: pick(m.GivenName, d.GivenName),
		FamilyName: pick(m.FamilyName, d.FamilyName), DisplayName: pick(m.DisplayName, d.DisplayName),
		Groups: pick(m.Groups, d.Groups)}
}

// clean trims names, drops empty ones and checks lengths.
func (m *ClaimMapping) clean() error {
	for _, f := range []struct {
		name string
		list *[]string
	}{{"email", &m.Email}, {"given_name", &m.GivenName}, {"family_name", &m.FamilyName},
		{"display_name", &m.DisplayName}, {"groups", &m.Groups}} {
		var out []string
		for _, c := range *f.list {
			c = strings.TrimSpace(c)
			if c == "" {
				continue
			}
			if len(c) > 200 {
				return fmt.Errorf("claims.%s: a claim name is longer than 200 characters", f.name)
			}
			out = append(out, c)
		}
		if len(out) > 10 {
			return fmt.Errorf("claims.%s: list at most 10 claims", f.name)
		}
		*f.list = out
	}
	return nil
}

// Identity is what a sign-in proved about a person.
type Identity struct {
	Subject     string   `json:"subject"` // unique and stable at the connection (Azure AD: tid/oid)
	Email       string   `json:"email"`
	GivenName   string   `json:"given_name"`
	FamilyName  string   `json:"family_name"`
	DisplayName string   `json:"display_name"`
	Groups      []string `json:"groups"`
}

// Name is the display name, or given and family names.
func (id Identity) Name() string {
	if id.DisplayName != "" {
		return id.DisplayName
	}
	return strings.TrimSpace(id.GivenName + " " + id.FamilyName)
}

func claimStrings(v any) []string {
	switch t := v.(type) {
	case string:
		if s := strings.TrimSpace(t); s != "" {
			return []string{s}
		}
	case []string: // a SAML or WS-Fed attribute's values, as the IdP sent them
		var out []string
		for _, e := range t {
			if s := strings.TrimSpace(e); s != "" {
				out = append(out, s)
			}
		}
		return out
	case []any:
		var out []string
		for _, e := range t {
			if s, ok := e.(string); ok && strings.TrimSpace(s) != "" {
				out = append(out, strings.TrimSpace(s))
			}
		}
		return out
	}
	return nil
}

func firstClaim(claims map[string]any, names []string, accept func(string) bool) string {
	for _, n := range names {
		for _, v := range claimStrings(claims[n]) {
			if accept == nil || accept(v) {
				return v
			}
		}
	}
	return ""
}

func looksLikeEmail(s string) bool {
	i := strings.LastIndexByte(s, '@')
	return i > 0 && i < len(s)-1 && !strings.ContainsAny(s, " \t\r\n<>")
}

// MapClaims reads an identity out of the claims with the mapping (already
// effective). The email takes the first claim of its list that is shaped
// like an email address, so "sub" or "NameID" serve only when they are one.
func MapClaims(claims map[string]any, m ClaimMapping, subject string) Identity {
	id := Identity{Subject: subject,
		Email:       strings.ToLower(firstClaim(claims, m.Email, looksLikeEmail)),
		GivenName:   firstClaim(claims, m.GivenName, nil),
		FamilyName:  firstClaim(claims, m.FamilyName, nil),
		DisplayName: firstClaim(claims, m.DisplayName, nil)}
	seen := map[string]bool{}
	for _, n := range m.Groups {
		for _, g := range claimStrings(claims[n]) {
			if !seen[g] {
				seen[g] = true
				id.Groups = append(id.Groups, g)
			}
		}
	}
	sort.Strings(id.Groups)
	return id
}

// GroupRole gives members of an identity provider group a Canopy role when
// their account is created just in time.
type GroupRole struct {
	Group string `json:"group"`
	Role  string `json:"role"`
}

// rolesFor returns the roles the groups map to, or def when none does.
func rolesFor(groups []string, mapping []GroupRole, def string) []string {
	out, _ := mappedRoles(groups, mapping)
	if len(out) == 0 && def != "" {
		out = []string{def}
	}
	return out
}
