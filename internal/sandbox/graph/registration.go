package graph

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// permRegistration reads the authentication methods registration report
// (AuditLog.Read.All, or Reports.Read.All).
var permRegistration = []string{"AuditLog.Read.All", "Reports.Read.All"}

// mfaMethods are the registered methods that count for MFA (password and
// email alone do not).
var mfaMethods = []string{"microsoftAuthenticatorPush", "softwareOneTimePasscode", "mobilePhone", "fido2SecurityKey",
	"windowsHelloForBusiness", "hardwareOneTimePasscode", "microsoftAuthenticatorPasswordless", "temporaryAccessPass"}

// seedRegistrations gives about three in four members MFA methods,
// deterministic in the seed; managers form a tree (each user's manager
// comes earlier in the directory), so reporting lines have no cycles.
func seedRegistrations(seed int64, t *tenant) {
	r := rng(seed, "graph-registration", t.ID)
	for i := range t.users {
		u := &t.users[i]
		switch n := r.IntN(8); {
		case n < 4:
			u.AuthMethods = []string{"microsoftAuthenticatorPush", "softwareOneTimePasscode"}
		case n < 6:
			u.AuthMethods = []string{"mobilePhone"}
		case n == 6:
			u.AuthMethods = []string{"email"}
		}
		if i > 0 && u.UserType == "Member" && r.IntN(10) < 8 {
			m := &t.users[r.IntN(i)]
			if m.UserType == "Member" {
				u.ManagerID = m.ID
			}
		}
	}
}

func isMFA(methods []string) bool {
	return slices.ContainsFunc(methods, func(m string) bool { return slices.Contains(mfaMethods, m) })
}

// SetAuthMethods sets a user's registered authentication methods (as the
// user registering in My Security Info would); false when there is no
// such user.
func (g *Graph) SetAuthMethods(tenantID, userID string, methods []string) bool {
	t := g.tenant(tenantID)
	if t == nil {
		return false
	}
	g.data.Lock()
	defer g.data.Unlock()
	u, _ := t.liveUser(userID)
	if u == nil {
		return false
	}
	u.AuthMethods = slices.Clone(methods)
	return true
}

// registrationJSON is a userRegistrationDetails entry.
func (g *Graph) registrationJSON(u *User) map[string]any {
	methods := nonNilStrings(slices.Clone(u.AuthMethods))
	mfa := isMFA(methods)
	preferred := "none"
	if mfa {
		preferred = "push"
		if !slices.Contains(methods, "microsoftAuthenticatorPush") {
			preferred = "sms"
		}
	}
	return map[string]any{
		"id": u.ID, "userPrincipalName": u.UserPrincipalName, "userDisplayName": u.DisplayName,
		"userType": strings.ToLower(u.UserType), "isAdmin": false,
		"isSsprRegistered": len(methods) > 0, "isSsprEnabled": true, "isSsprCapable": len(methods) > 0,
		"isMfaRegistered": mfa, "isMfaCapable": mfa, "isPasswordlessCapable": slices.Contains(methods, "fido2SecurityKey"),
		"methodsRegistered": methods, "isSystemPreferredAuthenticationMethodEnabled": true,
		"systemPreferredAuthenticationMethods": []string{}, "userPreferredMethodForSecondaryAuthentication": preferred,
		"lastUpdatedDateTime": g.clock.Now().UTC().Truncate(24 * time.Hour).Format(time.RFC3339),
	}
}

// serveRegistrationDetails answers GET
// /reports/authenticationMethods/userRegistrationDetails: one entry per
// current user, paged with $top and $skiptoken; $filter supports
// isMfaRegistered eq true|false.
func (g *Graph) serveRegistrationDetails(w http.ResponseWriter, r *http.Request, t *tenant) {
	offset, size, e := pageParams(r)
	if e != nil {
		e.write(w, r)
		return
	}
	var want *bool
	if f := strings.TrimSpace(r.URL.Query().Get("$filter")); f != "" {
		var v bool
		switch strings.ToLower(strings.Join(strings.Fields(f), " ")) {
		case "ismfaregistered eq true":
			v = true
		case "ismfaregistered eq false":
		default:
			badRequest("BadRequest", fmt.Sprintf("Invalid filter clause: %s", f)).write(w, r)
			return
		}
		want = &v
	}
	items := []map[string]any{}
	for i := range t.users {
		if t.users[i].deleted() {
			continue
		}
		m := g.registrationJSON(&t.users[i])
		if want == nil || m["isMfaRegistered"] == *want {
			items = append(items, m)
		}
	}
	writePage(w, r, "reports/authenticationMethods/userRegistrationDetails", items, offset, size, -1)
}

// parseExpand reads $expand on users: only manager is supported, with an
// optional $select (manager($select=id,displayName)). It returns the
// manager properties to return, nil when nothing is expanded.
func parseExpand(r *http.Request) ([]string, *apiError) {
	raw := strings.TrimSpace(r.URL.Query().Get("$expand"))
	if raw == "" {
		return nil, nil
	}
	name, rest, _ := strings.Cut(raw, "(")
	if !strings.EqualFold(strings.TrimSpace(name), "manager") {
		return nil, badRequest("Request_BadRequest", fmt.Sprintf("Could not find a navigation property named '%s' on type 'microsoft.graph.user'.", name))
	}
	if rest == "" {
		return defaultUserProps, nil
	}
	sel, ok := strings.CutPrefix(strings.TrimSuffix(strings.TrimSpace(rest), ")"), "$select=")
	if !ok {
		return nil, badRequest("Request_BadRequest", "Only $select is supported inside $expand=manager(...).")
	}
	var props []string
	for _, p := range strings.Split(sel, ",") {
		n, ok := lookupProp(userProps, strings.TrimSpace(p))
		if !ok {
			return nil, badRequest("Request_BadRequest", fmt.Sprintf("Could not find a property named '%s' on type 'microsoft.graph.directoryObject'.", p))
		}
		props = append(props, n)
	}
	return props, nil
}

// expandManager adds each item's manager (when it has a live one), as
// Graph does for $expand=manager: absent when there is none.
func expandManager(t *tenant, items []map[string]any, ids []string, props []string) {
	for k, m := range items {
		i, ok := t.byKey[strings.ToLower(ids[k])]
		if !ok {
			continue
		}
		if mg, _ := t.liveUser(t.users[i].ManagerID); mg != nil {
			e := project(userJSON(mg), props)
			e["@odata.type"] = "#microsoft.graph.user"
			m["manager"] = e
		}
	}
}
