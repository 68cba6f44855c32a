package graph

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

type userPage struct {
	Context  string           `json:"@odata.context"`
	Count    *int             `json:"@odata.count"`
	NextLink string           `json:"@odata.nextLink"`
	Value    []map[string]any `json:"value"`
}

// collect follows @odata.nextLink from first and returns every item.
func (e *env) collect(first, tok string, hdr ...string) []map[string]any {
	e.t.Helper()
	var all []map[string]any
	next, pages := first, 0
	for next != "" {
		var p userPage
		if st := e.getJSON(next, tok, &p, hdr...); st != http.StatusOK {
			e.t.Fatalf("page %d (%s): status %d", pages, next, st)
		}
		all = append(all, p.Value...)
		next = p.NextLink
		pages++
	}
	return all
}

func TestUserPagingCollectsEveryUserExactlyOnce(t *testing.T) {
	e := newEnv(t, 350)
	props := "id,displayName,companyName,department,givenName,surname,jobTitle,state,postalCode,streetAddress,city,preferredLanguage,usageLocation,assignedLicenses,userPrincipalName,officeLocation,onPremisesExtensionAttributes,country,userType"
	all := e.collect("/v1.0/users?$top=120&$select="+props, e.token(nil))
	want := e.g.Users(testTenant)
	if len(all) != len(want) || len(want) != 350 {
		t.Fatalf("collected %d users, directory has %d", len(all), len(want))
	}
	seen := map[string]bool{}
	for i, u := range all {
		id := u["id"].(string)
		if seen[id] {
			t.Fatalf("user %s returned twice", id)
		}
		seen[id] = true
		if id != want[i].ID || u["userPrincipalName"] != want[i].UserPrincipalName {
			t.Fatalf("user %d = %v, want %s", i, u["id"], want[i].ID)
		}
		if _, ok := u["onPremisesExtensionAttributes"].(map[string]any)["extensionAttribute15"]; !ok {
			t.Fatalf("extension attributes incomplete: %v", u["onPremisesExtensionAttributes"])
		}
	}
	if st := e.getJSON("/v1.0/users?$top=1000", e.token(nil), nil); st != http.StatusBadRequest {
		t.Fatalf("$top=1000: %d", st)
	}
}

func TestSelectTrimsAndRejectsUnknownProperties(t *testing.T) {
	e := newEnv(t, 30)
	tok := e.token(nil)
	var p userPage
	if st := e.getJSON("/v1.0/users?$select=displayName,userType", tok, &p); st != 200 {
		t.Fatalf("status %d", st)
	}
	for _, u := range p.Value {
		if len(u) != 3 || u["id"] == nil || u["userType"] == nil {
			t.Fatalf("$select=displayName,userType returned %v", u)
		}
	}
	if !strings.HasSuffix(p.Context, "#users(displayName,userType)") {
		t.Fatalf("@odata.context = %s", p.Context)
	}
	// Without $select Graph returns its default set, not department.
	if e.getJSON("/v1.0/users", tok, &p); p.Value[0]["department"] != nil || p.Value[0]["userPrincipalName"] == nil {
		t.Fatalf("default properties: %v", p.Value[0])
	}
	st, _, b := e.do(http.MethodGet, "/v1.0/users?$select=displayName,shoeSize", tok, nil)
	if ge := errorOf(t, b); st != 400 || ge.Error.Code != "Request_BadRequest" || !strings.Contains(ge.Error.Message, "'shoeSize'") {
		t.Fatalf("unknown property: %d %+v", st, ge)
	}
	// One user by UPN.
	u := e.g.Users(testTenant)[3]
	var one map[string]any
	if st := e.getJSON("/v1.0/users/"+url.PathEscape(u.UserPrincipalName)+"?$select=id,department", tok, &one); st != 200 || one["id"] != u.ID {
		t.Fatalf("by UPN: %d %v", st, one)
	}
	// signInActivity needs AuditLog.Read.All.
	if st := e.getJSON("/v1.0/users?$select=signInActivity", tok, nil); st != http.StatusForbidden {
		t.Fatalf("signInActivity without AuditLog.Read.All: %d", st)
	}
}

func TestFilterAndCount(t *testing.T) {
	e := newEnv(t, 200)
	tok := e.token(nil)
	users := e.g.Users(testTenant)
	count := func(pred func(User) bool) int {
		n := 0
		for _, u := range users {
			if pred(u) {
				n++
			}
		}
		return n
	}
	skus := e.g.SKUs(testTenant)
	cases := []struct {
		filter string
		want   int
	}{
		{"accountEnabled eq false", count(func(u User) bool { return !u.AccountEnabled })},
		{"userType eq 'Guest'", count(func(u User) bool { return u.UserType == "Guest" })},
		{"startswith(displayName,'a') and accountEnabled eq true", count(func(u User) bool {
			return strings.HasPrefix(strings.ToLower(u.DisplayName), "a") && u.AccountEnabled
		})},
		{"assignedLicenses/any(x:x/skuId eq " + skus[0].SkuID + ")", skus[0].Consumed},
	}
	for _, c := range cases {
		all := e.collect("/v1.0/users?$top=50&$filter="+url.QueryEscape(c.filter), tok)
		if len(all) != c.want || c.want == 0 {
			t.Errorf("%s: %d users, want %d", c.filter, len(all), c.want)
		}
	}
	var p userPage
	if st := e.getJSON("/v1.0/users?$count=true&$top=5&$filter="+url.QueryEscape("userType eq 'Member'"), tok, &p, "ConsistencyLevel", "eventual"); st != 200 ||
		p.Count == nil || *p.Count != count(func(u User) bool { return u.UserType == "Member" }) {
		t.Fatalf("$count: %d %v", st, p.Count)
	}
	if st := e.getJSON("/v1.0/users?$count=true", tok, nil); st != 400 {
		t.Fatalf("$count without ConsistencyLevel: %d", st)
	}
	if st, _, b := e.do(http.MethodGet, "/v1.0/users/$count", tok, nil, "ConsistencyLevel", "eventual"); st != 200 || string(b) != "200" {
		t.Fatalf("/users/$count: %d %s", st, b)
	}
	if st := e.getJSON("/v1.0/users?$filter="+url.QueryEscape("userType ne 'Guest'"), tok, nil); st != 400 {
		t.Fatalf("ne without advanced query: %d", st)
	}
}

func TestSubscribedSkusCountConsumedUnits(t *testing.T) {
	e := newEnv(t, 150)
	var p struct {
		Value []struct {
			SkuID         string `json:"skuId"`
			SkuPartNumber string `json:"skuPartNumber"`
			ConsumedUnits int    `json:"consumedUnits"`
			PrepaidUnits  struct {
				Enabled, Suspended, Warning, LockedOut int
			} `json:"prepaidUnits"`
			ServicePlans []struct {
				ServicePlanID   string `json:"servicePlanId"`
				ServicePlanName string `json:"servicePlanName"`
			} `json:"servicePlans"`
		} `json:"value"`
	}
	if st := e.getJSON("/v1.0/subscribedSkus", e.token(nil), &p); st != 200 || len(p.Value) != len(catalog) {
		t.Fatalf("status %d, %d skus", st, len(p.Value))
	}
	assigned := map[string]int{}
	for _, u := range e.g.Users(testTenant) {
		for _, l := range u.AssignedLicenses {
			assigned[l.SkuID]++
		}
	}
	for _, s := range p.Value {
		if s.ConsumedUnits != assigned[s.SkuID] || s.PrepaidUnits.Enabled < s.ConsumedUnits || len(s.ServicePlans) == 0 {
			t.Errorf("%s: consumed %d (assigned %d), enabled %d", s.SkuPartNumber, s.ConsumedUnits, assigned[s.SkuID], s.PrepaidUnits.Enabled)
		}
	}
	if p.Value[0].SkuPartNumber != "SPE_E3" || p.Value[0].SkuID != "05e9a617-0261-4cee-bb44-138d3ef5d965" {
		t.Fatalf("first SKU %+v", p.Value[0])
	}
}
