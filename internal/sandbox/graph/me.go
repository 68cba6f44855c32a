package graph

import (
	"net/http"
	"strings"
)

// permMe are the delegated scopes that allow reading the signed-in user.
var permMe = []string{"User.Read", "User.ReadWrite", "User.ReadBasic.All", "User.Read.All", "Directory.Read.All"}

// serveMe answers GET /me: the signed-in user of a delegated token. As in
// Microsoft Graph, an app-only token has no signed-in user and is refused
// with 400 — this is the user-context call Canopy makes with its
// Microsoft 365 service account.
func (g *Graph) serveMe(w http.ResponseWriter, r *http.Request) {
	if v := r.PathValue("ver"); v != "v1.0" && v != "beta" {
		writeError(w, r, http.StatusBadRequest, "BadRequest", "Invalid version: "+v)
		return
	}
	c := claimsOf(r)
	if c.String("idtyp") == "app" || c.String("upn") == "" {
		writeError(w, r, http.StatusBadRequest, "BadRequest", "/me request is only valid with delegated authentication flow.")
		return
	}
	if !hasAny(c, permMe) {
		writeError(w, r, http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
		return
	}
	me := map[string]any{"@odata.context": baseURL(r) + "/v1.0/$metadata#users/$entity", "id": c.String("oid"),
		"userPrincipalName": c.String("upn"), "displayName": c.String("name")}
	if t := g.tenant(c.String("tid")); t != nil {
		if i, ok := t.byKey[strings.ToLower(c.String("upn"))]; ok {
			u := t.users[i]
			me["displayName"], me["mail"], me["jobTitle"] = u.DisplayName, u.Mail, u.JobTitle
		}
	}
	writeJSON(w, http.StatusOK, me)
}
