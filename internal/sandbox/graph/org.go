package graph

import (
	"net/http"
	"strings"
	"time"
)

// group is a security or Microsoft 365 group with member indices.
type group struct {
	ID, DisplayName, Description, Mail string
	Unified                            bool
	Members                            []int
}

var groupNames = []string{"All Staff", "Finance Team", "Sales EMEA", "Engineering", "IT Admins", "Project Falcon", "Marketing", "Licensing - E5 pilot"}

// buildGroups makes a few groups; members are drawn deterministically.
func buildGroups(seed int64, t *tenant) []group {
	var out []group
	for gi, name := range groupNames {
		r := rng(seed, "graph-group", t.ID, name)
		g := group{ID: uuidFrom(r), DisplayName: name, Description: name + " (sandbox)", Unified: gi%2 == 0}
		if g.Unified {
			g.Mail = strings.ToLower(strings.NewReplacer(" ", "", "-", "").Replace(name)) + "@" + t.Domain
		}
		for i := range t.users {
			if gi == 0 && t.users[i].UserType == "Member" || gi > 0 && r.IntN(len(groupNames)+2) == 0 {
				g.Members = append(g.Members, i)
			}
		}
		out = append(out, g)
	}
	return out
}

func groupJSON(g *group) map[string]any {
	types := []string{}
	if g.Unified {
		types = []string{"Unified"}
	}
	return map[string]any{
		"id": g.ID, "displayName": g.DisplayName, "description": g.Description, "mail": nilIfEmpty(g.Mail),
		"mailEnabled": g.Unified, "securityEnabled": !g.Unified, "groupTypes": types,
		"mailNickname": strings.ReplaceAll(g.DisplayName, " ", ""), "visibility": "Private",
	}
}

var groupProps = map[string]bool{}

func init() {
	for k := range groupJSON(&group{}) {
		groupProps[k] = true
	}
}

func (g *Graph) serveGroups(w http.ResponseWriter, r *http.Request, t *tenant) {
	sel, e := parseSelect(r, groupProps, "microsoft.graph.group")
	offset, size, e2 := pageParams(r)
	if e == nil {
		e = e2
	}
	if e != nil {
		e.write(w, r)
		return
	}
	items := make([]map[string]any, 0, len(t.groups))
	for i := range t.groups {
		m := groupJSON(&t.groups[i])
		if sel != nil {
			m = project(m, sel)
		}
		items = append(items, m)
	}
	writePage(w, r, "groups", items, offset, size, -1)
}

// serveMembers answers GET /groups/{id}/members (directoryObjects, here
// all users, each with its @odata.type).
func (g *Graph) serveMembers(w http.ResponseWriter, r *http.Request, t *tenant) {
	var grp *group
	for i := range t.groups {
		if strings.EqualFold(t.groups[i].ID, r.PathValue("id")) {
			grp = &t.groups[i]
		}
	}
	if grp == nil {
		writeError(w, r, http.StatusNotFound, "Request_ResourceNotFound", "Resource '"+r.PathValue("id")+"' does not exist or one of its queried reference-property objects are not present.")
		return
	}
	sel, e := parseSelect(r, userProps, "microsoft.graph.user")
	offset, size, e2 := pageParams(r)
	if e == nil {
		e = e2
	}
	if e != nil {
		e.write(w, r)
		return
	}
	if sel == nil {
		sel = defaultUserProps
	}
	items := make([]map[string]any, 0, len(grp.Members))
	for _, i := range grp.Members {
		if t.users[i].deleted() {
			continue
		}
		m := project(userJSON(&t.users[i]), sel)
		m["@odata.type"] = "#microsoft.graph.user"
		items = append(items, m)
	}
	writePage(w, r, "directoryObjects", items, offset, size, -1)
}

func (g *Graph) serveSKUs(w http.ResponseWriter, r *http.Request, t *tenant) {
	items := make([]map[string]any, 0, len(t.skus))
	for i := range t.skus {
		items = append(items, skuJSON(&t.skus[i], t.ID, t.Name))
	}
	writeJSON(w, http.StatusOK, map[string]any{"@odata.context": baseURL(r) + "/" + r.PathValue("ver") + "/$metadata#subscribedSkus", "value": items})
}

func (g *Graph) serveSKU(w http.ResponseWriter, r *http.Request, t *tenant) {
	for i := range t.skus {
		m := skuJSON(&t.skus[i], t.ID, t.Name)
		if strings.EqualFold(m["id"].(string), r.PathValue("id")) {
			m["@odata.context"] = baseURL(r) + "/" + r.PathValue("ver") + "/$metadata#subscribedSkus/$entity"
			writeJSON(w, http.StatusOK, m)
			return
		}
	}
	writeError(w, r, http.StatusNotFound, "Request_ResourceNotFound", "Resource '"+r.PathValue("id")+"' does not exist or one of its queried reference-property objects are not present.")
}

func (g *Graph) serveOrganization(w http.ResponseWriter, r *http.Request, t *tenant) {
	initial := strings.ToLower(strings.NewReplacer(" ", "", ".", "", ",", "").Replace(t.Name)) + ".onmicrosoft.com"
	domains := []map[string]any{
		{"capabilities": "Email, OfficeCommunicationsOnline", "isDefault": true, "isInitial": false, "name": t.Domain, "type": "Managed"},
	}
	if !strings.EqualFold(initial, t.Domain) {
		domains = append(domains, map[string]any{"capabilities": "Email, OfficeCommunicationsOnline", "isDefault": false, "isInitial": true, "name": initial, "type": "Managed"})
	} else {
		domains[0]["isInitial"] = true
	}
	org := map[string]any{
		"id": t.ID, "displayName": t.Name, "countryLetterCode": "US", "createdDateTime": t.created.Format(time.RFC3339),
		"tenantType": "AAD", "preferredLanguage": "en", "verifiedDomains": domains, "city": "Seattle", "country": nil,
		"postalCode": "98101", "state": "WA", "street": "1 Pine Street", "businessPhones": []string{},
		"technicalNotificationMails": []string{"admin@" + t.Domain}, "onPremisesSyncEnabled": nil,
	}
	writeJSON(w, http.StatusOK, map[string]any{"@odata.context": baseURL(r) + "/" + r.PathValue("ver") + "/$metadata#organization", "value": []any{org}})
}
