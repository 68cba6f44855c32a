package arm

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// listSubscriptions serves GET /subscriptions: the subscriptions of the
// token's tenant where the caller has any role.
func (a *ARM) listSubscriptions(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		methodNotAllowed(w, r)
		return
	}
	c, err := a.check(r, "", "")
	if err != nil {
		writeAuthError(w, err)
		return
	}
	var items []any
	for _, s := range a.Subscriptions() {
		if strings.EqualFold(s.TenantID, c.String("tid")) && a.hasAnyRoleIn(c.String("oid"), "/subscriptions/"+s.ID) {
			items = append(items, a.subscriptionJSON(s))
		}
	}
	if items == nil {
		items = []any{}
	}
	writeJSON(w, http.StatusOK, a.page(r, items))
}

func (a *ARM) getSubscription(w http.ResponseWriter, r *http.Request, id string) {
	if r.Method != http.MethodGet {
		methodNotAllowed(w, r)
		return
	}
	if _, err := a.check(r, "/subscriptions/"+id, "Microsoft.Resources/subscriptions/read"); err != nil {
		writeAuthError(w, err)
		return
	}
	a.mu.Lock()
	s := a.subs[strings.ToLower(id)].Subscription
	a.mu.Unlock()
	writeJSON(w, http.StatusOK, a.subscriptionJSON(s))
}

// subscriptionJSON is the 2022-12-01 Subscription shape.
func (a *ARM) subscriptionJSON(s Subscription) map[string]any {
	a.mu.Lock()
	tags := copyTags(a.subs[strings.ToLower(s.ID)].tags)
	a.mu.Unlock()
	return map[string]any{
		"id": "/subscriptions/" + s.ID, "authorizationSource": "RoleBased", "managedByTenants": []any{},
		"subscriptionId": s.ID, "tenantId": s.TenantID, "displayName": s.Name, "state": s.State,
		"subscriptionPolicies": map[string]string{"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01", "spendingLimit": "Off"},
		"tags":                 tags,
	}
}

// listGroups serves GET /subscriptions/{id}/resourcegroups: every group
// the caller may read (all of them with a role on the subscription).
func (a *ARM) listGroups(w http.ResponseWriter, r *http.Request, subID string) {
	if r.Method != http.MethodGet {
		methodNotAllowed(w, r)
		return
	}
	const action = "Microsoft.Resources/subscriptions/resourceGroups/read"
	c, err := a.check(r, "/subscriptions/"+subID, "")
	if err != nil {
		writeAuthError(w, err)
		return
	}
	items := []any{}
	for _, g := range a.ResourceGroups(subID) {
		if a.allowed(c.String("oid"), groupID(g), action) {
			items = append(items, groupJSON(g))
		}
	}
	if len(items) == 0 && len(a.ResourceGroups(subID)) > 0 {
		_, err := a.check(r, "/subscriptions/"+subID, action)
		writeAuthError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, a.page(r, items))
}

func (a *ARM) getGroup(w http.ResponseWriter, r *http.Request, subID, name string) {
	if r.Method != http.MethodGet {
		methodNotAllowed(w, r)
		return
	}
	scope := "/subscriptions/" + subID + "/resourceGroups/" + name
	if _, err := a.check(r, scope, "Microsoft.Resources/subscriptions/resourceGroups/read"); err != nil {
		writeAuthError(w, err)
		return
	}
	for _, g := range a.ResourceGroups(subID) {
		if strings.EqualFold(g.Name, name) {
			writeJSON(w, http.StatusOK, groupJSON(g))
			return
		}
	}
	writeNoGroup(w, name)
}

func writeNoGroup(w http.ResponseWriter, name string) {
	writeJSON(w, http.StatusNotFound, map[string]any{"error": map[string]string{"code": "ResourceGroupNotFound", "message": "Resource group '" + name + "' could not be found."}})
}

func groupID(g ResourceGroup) string {
	return "/subscriptions/" + g.SubscriptionID + "/resourceGroups/" + g.Name
}

func groupJSON(g ResourceGroup) map[string]any {
	out := map[string]any{"id": groupID(g), "name": g.Name, "type": "Microsoft.Resources/resourceGroups",
		"location": g.Location, "properties": map[string]string{"provisioningState": "Succeeded"}}
	if len(g.Tags) > 0 {
		out["tags"] = g.Tags
	}
	return out
}

// listResources serves GET .../resources (whole subscription or one group),
// with $filter on resourceType, tagName/tagValue.
func (a *ARM) listResources(w http.ResponseWriter, r *http.Request, subID, group string) {
	if r.Method != http.MethodGet {
		methodNotAllowed(w, r)
		return
	}
	scope, action := "/subscriptions/"+subID, "Microsoft.Resources/subscriptions/resources/read"
	if group != "" {
		scope, action = scope+"/resourceGroups/"+group, "Microsoft.Resources/subscriptions/resourceGroups/resources/read"
	}
	c, err := a.check(r, scope, "")
	if err != nil {
		writeAuthError(w, err)
		return
	}
	if group != "" && !a.groupExists(subID, group) {
		writeNoGroup(w, group)
		return
	}
	f := parseFilter(r.URL.Query().Get("$filter"))
	items := []any{}
	for _, res := range a.Resources(subID) {
		if (group == "" || strings.EqualFold(res.ResourceGroup, group)) && f.match(res) && a.allowed(c.String("oid"), res.ID, action) {
			items = append(items, resourceJSON(res))
		}
	}
	if len(items) == 0 && !a.allowed(c.String("oid"), scope, action) {
		_, err := a.check(r, scope, action)
		writeAuthError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, a.page(r, items))
}

func (a *ARM) groupExists(subID, name string) bool {
	for _, g := range a.ResourceGroups(subID) {
		if strings.EqualFold(g.Name, name) {
			return true
		}
	}
	return false
}

func resourceJSON(res Resource) map[string]any {
	out := map[string]any{"id": res.ID, "name": res.Name, "type": res.Type, "location": res.Location}
	if res.Kind != "" {
		out["kind"] = res.Kind
	}
	if res.SKU != "" {
		name, tier, _ := strings.Cut(res.SKU, "|")
		sku := map[string]string{"name": name}
		if tier != "" {
			sku["tier"] = tier
		}
		out["sku"] = sku
	}
	if len(res.Tags) > 0 {
		out["tags"] = res.Tags
	}
	return out
}

// resourceFilter is the subset of $filter ARM's resource list supports.
type resourceFilter struct{ typ, tagName, tagValue string }

func parseFilter(s string) resourceFilter {
	var f resourceFilter
	for _, clause := range strings.Split(s, " and ") {
		k, v, ok := strings.Cut(strings.TrimSpace(clause), " eq ")
		if !ok {
			continue
		}
		v = strings.Trim(strings.TrimSpace(v), "'")
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "resourcetype":
			f.typ = v
		case "tagname":
			f.tagName = v
		case "tagvalue":
			f.tagValue = v
		}
	}
	return f
}

func (f resourceFilter) match(r Resource) bool {
	if f.typ != "" && !strings.EqualFold(f.typ, r.Type) {
		return false
	}
	if f.tagName != "" {
		v, ok := lookupTag(r.Tags, f.tagName)
		return ok && (f.tagValue == "" || v == f.tagValue)
	}
	return true
}

func lookupTag(tags map[string]string, name string) (string, bool) {
	for k, v := range tags {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

func itoa(n int) string { return strconv.Itoa(n) }

func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
