package graph

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// serveUsers answers GET /users with $select, $filter, $top, $skiptoken
// and $count.
func (g *Graph) serveUsers(w http.ResponseWriter, r *http.Request, t *tenant) {
	list, sel, count, e := g.queryUsers(r, t)
	if e != nil {
		e.write(w, r)
		return
	}
	offset, size, e := pageParams(r)
	if e != nil {
		e.write(w, r)
		return
	}
	expand, e := parseExpand(r)
	if e != nil {
		e.write(w, r)
		return
	}
	items := make([]map[string]any, len(list))
	ids := make([]string, len(list))
	for i, m := range list {
		items[i], ids[i] = project(m, sel), m["id"].(string)
	}
	if expand != nil {
		expandManager(t, items, ids, expand)
	}
	n := -1
	if count {
		n = len(items)
	}
	ctx := "users"
	if r.URL.Query().Get("$select") != "" {
		ctx = "users(" + strings.Join(sel, ",") + ")"
	}
	writePage(w, r, ctx, items, offset, size, n)
}

// queryUsers returns the tenant's users that pass $filter, the properties
// to return and whether $count was asked.
func (g *Graph) queryUsers(r *http.Request, t *tenant) ([]map[string]any, []string, bool, *apiError) {
	sel, e := parseSelect(r, userProps, "microsoft.graph.user")
	if e != nil {
		return nil, nil, false, e
	}
	if sel == nil {
		sel = defaultUserProps
	}
	if slices.Contains(sel, "signInActivity") && !hasAny(claimsOf(r), permSignIns) {
		return nil, nil, false, &apiError{status: http.StatusForbidden, code: "Authorization_RequestDenied", msg: "Insufficient privileges to complete the operation."}
	}
	count, e := wantsCount(r)
	if e != nil {
		return nil, nil, false, e
	}
	f, e := parseUserFilter(r.URL.Query().Get("$filter"), eventual(r) && count)
	if e != nil {
		return nil, nil, false, e
	}
	var out []map[string]any
	for i := range t.users {
		if t.users[i].deleted() {
			continue
		}
		m := userJSON(&t.users[i])
		if f.match(m) {
			out = append(out, m)
		}
	}
	return out, sel, count, nil
}

// serveUserCount answers GET /users/$count (text/plain; needs
// ConsistencyLevel: eventual).
func (g *Graph) serveUserCount(w http.ResponseWriter, r *http.Request, t *tenant) {
	if !eventual(r) {
		badRequest("Request_BadRequest", "Count is not currently supported.").write(w, r)
		return
	}
	f, e := parseUserFilter(r.URL.Query().Get("$filter"), true)
	if e != nil {
		e.write(w, r)
		return
	}
	n := 0
	for i := range t.users {
		if !t.users[i].deleted() && f.match(userJSON(&t.users[i])) {
			n++
		}
	}
	w.Header().Set("Content-Type", "text/plain")
	_, _ = w.Write([]byte(strconv.Itoa(n)))
}

// serveUser answers GET /users/{id | userPrincipalName}.
func (g *Graph) serveUser(w http.ResponseWriter, r *http.Request, t *tenant) {
	key := strings.ToLower(r.PathValue("id"))
	i, ok := t.byKey[key]
	if !ok || t.users[i].deleted() {
		writeError(w, r, http.StatusNotFound, "Request_ResourceNotFound", "Resource '"+r.PathValue("id")+"' does not exist or one of its queried reference-property objects are not present.")
		return
	}
	sel, e := parseSelect(r, userProps, "microsoft.graph.user")
	if e != nil {
		e.write(w, r)
		return
	}
	if sel == nil {
		sel = defaultUserProps
	}
	if slices.Contains(sel, "signInActivity") && !hasAny(claimsOf(r), permSignIns) {
		writeError(w, r, http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
		return
	}
	expand, e := parseExpand(r)
	if e != nil {
		e.write(w, r)
		return
	}
	m := project(userJSON(&t.users[i]), sel)
	if expand != nil {
		expandManager(t, []map[string]any{m}, []string{t.users[i].ID}, expand)
	}
	m["@odata.context"] = baseURL(r) + "/" + r.PathValue("ver") + "/$metadata#users/$entity"
	writeJSON(w, http.StatusOK, m)
}
