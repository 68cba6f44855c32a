package saml

import (
	"strings"
)

// Claims are the user facts Canopy uses, mapped from an Assertion.
type Claims struct {
	// Subject is the stable IdP identifier of the user (the NameID).
	Subject     string
	Email       string
	GivenName   string
	FamilyName  string
	DisplayName string
	Groups      []string
	// EmailSource tells where Email came from: "email", "upn" or "nameid"
	// ("" when no email was found).
	EmailSource string
}

// ClaimMapping lists, per claim, the attribute names to try in order. Names
// match Attribute Name or FriendlyName exactly.
type ClaimMapping struct {
	Email       []string
	UPN         []string
	GivenName   []string
	FamilyName  []string
	DisplayName []string
	Groups      []string
}

// IdP kinds with claim presets.
const (
	KindSAML         = "saml"
	KindPingFederate = "pingfederate"
	KindAzureAD      = "azuread"
	KindADFS         = "adfs"
)

// Claim URIs issued by Azure AD (Entra ID) and ADFS.
const (
	ClaimEmail       = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
	ClaimUPN         = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"
	ClaimName        = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"
	ClaimGivenName   = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname"
	ClaimSurname     = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname"
	ClaimDisplayName = "http://schemas.microsoft.com/identity/claims/displayname"
	ClaimGroups      = "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"
	ClaimRole        = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role"
	ClaimCommonName  = "http://schemas.xmlsoap.org/claims/CommonName"
	ClaimGroupADFS   = "http://schemas.xmlsoap.org/claims/Group"
)

// PingFederateClaims are the attribute names of a PingFederate SP connection's
// usual attribute contract (LDAP-style names).
var PingFederateClaims = ClaimMapping{
	Email:       []string{"mail", "email", "Email", "emailAddress"},
	UPN:         []string{"userPrincipalName", "upn"},
	GivenName:   []string{"givenName", "firstName", "FirstName"},
	FamilyName:  []string{"sn", "lastName", "LastName", "surname"},
	DisplayName: []string{"displayName", "cn", "name"},
	Groups:      []string{"memberOf", "groups", "Groups"},
}

// AzureADClaims are the claim URIs Azure AD and ADFS put in SAML tokens.
var AzureADClaims = ClaimMapping{
	Email:       []string{ClaimEmail},
	UPN:         []string{ClaimUPN, ClaimName},
	GivenName:   []string{ClaimGivenName},
	FamilyName:  []string{ClaimSurname},
	DisplayName: []string{ClaimDisplayName, ClaimCommonName},
	Groups:      []string{ClaimGroups, ClaimGroupADFS, ClaimRole},
}

// GenericClaims cover common names (LDAP, SAML2 URN OIDs, and the Azure AD /
// ADFS URIs) for a plain SAML connection.
var GenericClaims = ClaimMapping{
	Email:       []string{"email", "mail", "urn:oid:0.9.2342.19200300.100.1.3", ClaimEmail, "Email"},
	UPN:         []string{"userPrincipalName", "upn", ClaimUPN, "urn:oid:1.3.6.1.4.1.5923.1.1.1.6"},
	GivenName:   []string{"givenName", "firstName", "urn:oid:2.5.4.42", ClaimGivenName},
	FamilyName:  []string{"sn", "surname", "lastName", "urn:oid:2.5.4.4", ClaimSurname},
	DisplayName: []string{"displayName", "cn", "name", "urn:oid:2.16.840.1.113730.3.1.241", "urn:oid:2.5.4.3", ClaimDisplayName},
	Groups:      []string{"groups", "memberOf", "eduPersonAffiliation", "urn:oid:1.3.6.1.4.1.5923.1.1.1.1", ClaimGroups, ClaimRole},
}

// DefaultClaims returns the claim mapping preset of an IdP kind.
func DefaultClaims(kind string) ClaimMapping {
	switch kind {
	case KindPingFederate:
		return PingFederateClaims
	case KindAzureAD, KindADFS:
		return AzureADClaims
	default:
		return GenericClaims
	}
}

// PingFederateIdP fills the endpoints a PingFederate server uses by default
// ({base}/idp/SSO.saml2 and {base}/idp/SLO.saml2, both bindings) for a
// connection configured by hand.
func PingFederateIdP(baseURL, entityID, certificatesPEM string) (IdPSettings, error) {
	base := strings.TrimRight(baseURL, "/")
	s, err := ManualIdP(entityID, base+"/idp/SSO.saml2", base+"/idp/SLO.saml2", certificatesPEM)
	if err != nil {
		return IdPSettings{}, err
	}
	return s, nil
}

func first(a *Assertion, names []string) string {
	for _, n := range names {
		for _, v := range a.Attributes[n] {
			if v = strings.TrimSpace(v); v != "" {
				return v
			}
		}
	}
	return ""
}

func looksLikeEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	return at > 0 && at == strings.LastIndexByte(s, '@') && at < len(s)-1 &&
		strings.Contains(s[at+1:], ".") && !strings.ContainsAny(s, " \t\r\n<>,;\"")
}

// Map applies the mapping to a validated assertion. Email falls back from
// the email attributes to the UPN attributes to the NameID, taking the
// first that looks like an address; it is lower-cased.
func (m ClaimMapping) Map(a *Assertion) Claims {
	c := Claims{
		Subject:     a.NameID,
		GivenName:   first(a, m.GivenName),
		FamilyName:  first(a, m.FamilyName),
		DisplayName: first(a, m.DisplayName),
	}
	for _, cand := range []struct{ v, src string }{
		{first(a, m.Email), "email"},
		{first(a, m.UPN), "upn"},
		{a.NameID, "nameid"},
	} {
		if looksLikeEmail(cand.v) {
			c.Email, c.EmailSource = strings.ToLower(cand.v), cand.src
			break
		}
	}
	seen := map[string]bool{}
	for _, n := range m.Groups {
		for _, g := range a.Attributes[n] {
			if g = strings.TrimSpace(g); g != "" && !seen[g] {
				seen[g] = true
				c.Groups = append(c.Groups, g)
			}
		}
	}
	if c.DisplayName == "" {
		c.DisplayName = strings.TrimSpace(c.GivenName + " " + c.FamilyName)
	}
	return c
}
