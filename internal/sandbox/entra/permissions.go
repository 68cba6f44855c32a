package entra

import "strings"

// Resource identifiers (application ID URIs) of the APIs Canopy calls.
const (
	ResourceARM            = "https://management.azure.com/"
	ResourceGraph          = "https://graph.microsoft.com/"
	ResourcePartnerCenter  = "https://api.partnercenter.microsoft.com/"
	appIDGraph             = "00000003-0000-0000-c000-000000000000"
	appIDARM               = "797f4846-ba00-4fd7-ba43-dac1f8f63013"
	appIDPartnerCenter     = "fa3d9a0c-3fb0-42cc-9193-47c7ecd2edbd"
	permTypeApplication    = "Role"  // an app role: "roles" claim of app tokens
	permTypeDelegated      = "Scope" // a delegated scope: "scp" claim of user tokens
	defaultScopeSuffix     = "/.default"
	offlineAccess          = "offline_access"
	graphUserReadScopeName = "User.Read"
)

// Permission is one API permission: an application role or a delegated scope.
type Permission struct {
	Resource    string // the API's identifier URI, e.g. https://graph.microsoft.com/
	Name        string // e.g. User.Read.All or user_impersonation
	Type        string // "Role" (application) or "Scope" (delegated)
	ID          string // the permission's real ID in the API's service principal
	Description string // what the consent page shows
}

// Key is resource + name, as it appears in a scope parameter.
func (p Permission) Key() string { return strings.TrimSuffix(p.Resource, "/") + "/" + p.Name }

func (p Permission) matchesAny(names []string) bool {
	for _, n := range names {
		if strings.EqualFold(n, p.Name) || strings.EqualFold(strings.TrimSuffix(n, "/"), p.Key()) {
			return true
		}
	}
	return false
}

// catalog holds the permissions the sandbox knows, with their real IDs and
// the admin-consent descriptions Entra shows.
var catalog = []Permission{
	{ResourceARM, "user_impersonation", permTypeDelegated, "41094075-9dad-400e-a0bd-54e686782033", "Access Azure Service Management as organization users"},
	{ResourceGraph, "User.Read", permTypeDelegated, "e1fe6dd8-ba31-4d61-89e7-88639da4683d", "Sign in and read user profile"},
	{ResourceGraph, "User.Read.All", permTypeApplication, "df021288-bdef-4463-88db-98f22de89214", "Read all users' full profiles"},
	{ResourceGraph, "Directory.Read.All", permTypeApplication, "7ab1d382-f21e-4acd-a863-ba3e13f7da61", "Read directory data"},
	{ResourceGraph, "Organization.Read.All", permTypeApplication, "498476ce-e0fe-48b0-b801-37ba7e2685c6", "Read organization information"},
	{ResourceGraph, "Reports.Read.All", permTypeApplication, "230c1aed-a721-4c5d-9cb4-a90514e508ef", "Read all usage reports"},
	{ResourceGraph, "ReportSettings.Read.All", permTypeApplication, "ee353f83-55ef-4b78-82da-555bfa2b4b95", "Read all admin report settings"},
	{ResourceGraph, "Group.Read.All", permTypeApplication, "5b567255-7703-4780-807c-7be8301ae99b", "Read all groups"},
	// Write roles of Microsoft 365 delegation (not in DefaultRequired: an
	// administrator grants them when administrative actions are wanted).
	{ResourceGraph, "User.ReadWrite.All", permTypeApplication, "741f803b-c850-494e-b5df-cde7c675a1ca", "Read and write all users' full profiles"},
	{ResourceGraph, "LicenseAssignment.ReadWrite.All", permTypeApplication, "5facf0c1-8979-4e95-abcf-ff3d079771c0", "Manage all license assignments"},
	{ResourceGraph, "GroupMember.ReadWrite.All", permTypeApplication, "dbaae8cf-10b5-4b86-a4a1-f871c94c6695", "Read and write all group memberships"},
	{ResourcePartnerCenter, "user_impersonation", permTypeDelegated, "1cebfa2a-fb4d-419e-b5f9-839b4383e05a", "Access Partner Center PPE"},
}

// oidcScopes are the OpenID Connect scopes: they ask for an ID token or a
// refresh token, not for access to an API.
var oidcScopes = map[string]string{
	"openid":      "Sign users in",
	"profile":     "View users' basic profile",
	"email":       "View users' email address",
	offlineAccess: "Maintain access to data you have given it access to",
}

// DefaultRequired are the permissions Canopy's app registration asks for:
// ARM as the signed-in user (to assign roles at onboarding) and Graph
// application roles for the Microsoft 365 import.
func DefaultRequired() []Permission {
	var out []Permission
	for _, p := range catalog {
		switch p.Key() {
		case "https://management.azure.com/user_impersonation", "https://graph.microsoft.com/User.Read",
			"https://graph.microsoft.com/User.Read.All", "https://graph.microsoft.com/Directory.Read.All",
			"https://graph.microsoft.com/Organization.Read.All", "https://graph.microsoft.com/Reports.Read.All",
			"https://graph.microsoft.com/ReportSettings.Read.All":
			out = append(out, p)
		}
	}
	return out
}

// LookupPermission finds a catalog permission by resource and name.
func LookupPermission(resource, name string) (Permission, bool) {
	for _, p := range catalog {
		if sameResource(p.Resource, resource) && strings.EqualFold(p.Name, name) {
			return p, true
		}
	}
	return Permission{}, false
}

// resourceOf maps an identifier URI or app ID to the canonical resource URI.
func resourceOf(s string) (string, bool) {
	s = strings.TrimSuffix(strings.ToLower(s), "/")
	switch s {
	case "https://management.azure.com", "https://management.core.windows.net", appIDARM:
		return ResourceARM, true
	case "https://graph.microsoft.com", appIDGraph:
		return ResourceGraph, true
	case "https://api.partnercenter.microsoft.com", appIDPartnerCenter:
		return ResourcePartnerCenter, true
	}
	return "", false
}

func sameResource(a, b string) bool {
	ra, ok1 := resourceOf(a)
	rb, ok2 := resourceOf(b)
	return ok1 && ok2 && ra == rb
}

// scopeRequest is a parsed scope parameter.
type scopeRequest struct {
	resource string       // the one API resource asked for ("" = none)
	aud      string       // the audience as asked (ARM keeps its trailing slash)
	dflt     bool         // ".default": whatever was consented
	perms    []Permission // explicitly named permissions
	oidc     []string     // openid, profile, email, offline_access
	unknown  []string     // scopes the sandbox does not know
}

// parseScopes splits a v2 scope parameter. Entra issues a token for one
// resource per request; a second resource is an error (AADSTS28000).
func parseScopes(raw string) (scopeRequest, string) {
	var sr scopeRequest
	for _, s := range strings.Fields(raw) {
		if _, ok := oidcScopes[strings.ToLower(s)]; ok {
			sr.oidc = append(sr.oidc, strings.ToLower(s))
			continue
		}
		base, name := splitScope(s)
		res, ok := resourceOf(base)
		if !ok {
			sr.unknown = append(sr.unknown, s)
			continue
		}
		if sr.resource != "" && sr.resource != res {
			return sr, "AADSTS28000: Provided value for the input parameter scope is not valid because it contains more than one resource. Scope " + raw + " is not valid."
		}
		sr.resource, sr.aud = res, audience(base, res)
		if name == ".default" {
			sr.dflt = true
		} else if p, ok := LookupPermission(res, name); ok {
			sr.perms = append(sr.perms, p)
		} else {
			sr.unknown = append(sr.unknown, s)
		}
	}
	return sr, ""
}

// splitScope splits "https://graph.microsoft.com/User.Read" into the
// resource and the permission name.
func splitScope(s string) (string, string) {
	i := strings.LastIndex(s, "/")
	if i < 0 || strings.HasSuffix(strings.ToLower(s), "://") {
		return s, ""
	}
	if strings.HasSuffix(s, "//.default") { // "https://management.azure.com//.default"
		return s[:i], ".default"
	}
	return s[:i+1], s[i+1:]
}

// audience is the aud claim for a resource: ARM tokens carry the resource
// URI as asked (with its slash); Graph's v1 tokens carry no slash.
func audience(asked, res string) string {
	if res == ResourceARM {
		if strings.Contains(strings.ToLower(asked), "management.core.windows.net") {
			return "https://management.core.windows.net/"
		}
		return ResourceARM
	}
	return strings.TrimSuffix(res, "/")
}

// grantedFor returns the permissions of perms that belong to resource and
// have type typ.
func grantedFor(perms []Permission, resource, typ string) []string {
	var out []string
	for _, p := range perms {
		if sameResource(p.Resource, resource) && p.Type == typ {
			out = append(out, p.Name)
		}
	}
	return out
}
