package api_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

type resultsJSON struct {
	Version int `json:"version"`
	Totals  []struct {
		Group     string            `json:"group"`
		GroupName string            `json:"group_name"`
		Currency  string            `json:"currency"`
		Measures  map[string]string `json:"measures"`
	} `json:"totals"`
}

// A program builds groups and rules through the API and reads results
// that add up exactly to the imported costs, per currency; the explorer
// groups and filters by custom group; splits that do not add up and
// stale edits are refused with a message.
func TestAllocationThroughTheAPI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		stats := f.importCosts(f.a, 11)
		tok := f.a.ownerToken
		platform := f.do("POST", "/api/v1/allocation/groups", tok, `{"name":"Platform","kind":"business_unit"}`)
		platform.wantStatus(t, "create group", 201)
		pid := platform.json(t)["id"].(string)
		data := f.do("POST", "/api/v1/allocation/groups", tok, fmt.Sprintf(`{"name":"Data","kind":"cost_center","parent_id":%q}`, pid))
		data.wantStatus(t, "create child group", 201)
		did := data.json(t)["id"].(string)
		cur := f.do("GET", "/api/v1/allocation/rules", tok, nil)
		cur.wantStatus(t, "get rules", 200)
		base := int(cur.json(t)["version"].(float64))

		bad := fmt.Sprintf(`{"base_version":%d,"splits":[{"name":"half","method":"fixed","shares":[{"group":%q,"percent":"50"},{"group":%q,"percent":"40"}]}],"rules":[]}`, base, pid, did)
		if e := f.do("PUT", "/api/v1/allocation/rules", tok, bad).wantError(t, "split of 90%", 400, domain.CodeInvalid); !strings.Contains(e.Error.Message, "add up to 90, not 100") {
			t.Fatalf("split message: %q", e.Error.Message)
		}
		rules := fmt.Sprintf(`{"base_version":%d,"note":"first","splits":[{"id":"spl_shared","name":"shared","method":"fixed","shares":[{"group":%q,"percent":"60"},{"group":%q,"percent":"40"}]}],
			"rules":[{"name":"data team","group":%q,"conditions":[{"field":"tag","key":"team","op":"in","values":["data"]}]},
			{"name":"platform team","group":%q,"conditions":[{"field":"tag","key":"team","op":"in","values":["platform"]}]},
			{"name":"networking","split":"spl_shared","conditions":[{"field":"service_category","op":"in","values":["Networking"]}]}]}`, base, did, pid, did, pid)
		saved := f.do("PUT", "/api/v1/allocation/rules", tok, rules)
		saved.wantStatus(t, "save rules", 200)
		f.do("PUT", "/api/v1/allocation/rules", tok, rules).wantError(t, "stale base version", 409, domain.CodeConflict)

		res := f.do("GET", "/api/v1/allocation/results?"+costRangeQuery, f.a.viewerToken, nil)
		res.wantStatus(t, "results", 200)
		var got resultsJSON
		res.decode(t, &got)
		sums := map[string]string{}
		groups := map[string]bool{}
		for _, x := range got.Totals {
			groups[x.GroupName] = true
			var a, b domain.Amount
			if sums[x.Currency] != "" {
				_ = a.UnmarshalText([]byte(sums[x.Currency]))
			}
			_ = b.UnmarshalText([]byte(x.Measures["billed"]))
			s, _ := a.Add(b)
			sums[x.Currency] = s.String()
		}
		for cur, want := range stats.BilledCost {
			if reduced(sums[cur]) != reduced(want) {
				t.Errorf("%s: groups add up to %s, the costs are %s", cur, sums[cur], want)
			}
		}
		if !groups["Platform"] || !groups["Data"] || !groups["Unallocated"] {
			t.Fatalf("groups in results: %v", groups)
		}
		// The explorer by custom group, per billing currency, adds up to
		// the same totals; filtering by Platform includes Data below it.
		ex := f.do("GET", "/api/v1/costs/explore?"+costRangeQuery+"&group_by=custom_group&currency=billing&granularity=month", f.a.viewerToken, nil)
		ex.wantStatus(t, "explore by group", 200)
		var e exploreJSON
		ex.decode(t, &e)
		for _, c := range e.Currencies {
			if reduced(c.Total) != reduced(stats.BilledCost[c.Currency]) {
				t.Errorf("explore %s total %s, want %s", c.Currency, c.Total, stats.BilledCost[c.Currency])
			}
		}
		only := f.do("GET", "/api/v1/costs/explore?"+costRangeQuery+"&group_by=custom_group&currency=billing&filter="+url.QueryEscape("custom_group:"+pid), f.a.viewerToken, nil)
		only.wantStatus(t, "explore one group", 200)
		var o exploreJSON
		only.decode(t, &o)
		for _, c := range o.Currencies {
			for _, s := range c.Series {
				if s.Group != pid && s.Group != did {
					t.Fatalf("filter by Platform returned group %s", s.Group)
				}
			}
		}
		// Why is a networking resource here: the split, with its shares.
		vals := f.do("GET", "/api/v1/costs/values?dim=resource&"+costRangeQuery+"&filter="+url.QueryEscape("service_category:Networking"), tok, nil)
		vals.wantStatus(t, "networking resources", 200)
		items := vals.json(t)["items"].([]any)
		if len(items) == 0 {
			t.Fatal("the generated data has no networking resource")
		}
		resID := items[0].(map[string]any)["value"].(string)
		why := f.do("GET", "/api/v1/allocation/explain?"+costRangeQuery+"&resource="+url.QueryEscape(resID), f.a.viewerToken, nil)
		why.wantStatus(t, "explain", 200)
		var xs struct {
			Items []struct {
				Rule     *struct{ Name string } `json:"rule"`
				Split    *struct{ Name string } `json:"split"`
				Portions []json.RawMessage      `json:"portions"`
			} `json:"items"`
		}
		why.decode(t, &xs)
		if len(xs.Items) == 0 {
			t.Fatalf("no explanation: %s", why.body)
		}
		for _, x := range xs.Items {
			if x.Rule != nil && x.Rule.Name == "networking" && (x.Split == nil || len(x.Portions) != 2) {
				t.Fatalf("networking line explained as %s", why.body)
			}
		}
		// Why is the Platform total what it is: per rule and split, and
		// only Platform's own lines (Data's rule reaches Data, not it).
		lin := f.do("GET", "/api/v1/allocation/results?"+costRangeQuery+"&group="+pid, f.a.viewerToken, nil)
		lin.wantStatus(t, "a group's lineage", 200)
		var lineage struct {
			Totals []struct {
				Group     string `json:"group"`
				RuleName  string `json:"rule_name"`
				SplitName string `json:"split_name"`
				Via       string `json:"via"`
			} `json:"totals"`
		}
		lin.decode(t, &lineage)
		ways := map[string]bool{}
		for _, x := range lineage.Totals {
			if x.Group != pid || x.RuleName == "data team" {
				t.Fatalf("Platform's lineage holds %+v", x)
			}
			ways[x.Via+":"+x.RuleName+":"+x.SplitName] = true
		}
		if !ways["rule:platform team:"] || !ways["split:networking:shared"] {
			t.Fatalf("Platform's lineage: %v (%s)", ways, lin.body)
		}
		vs := f.do("GET", "/api/v1/allocation/versions", tok, nil)
		vs.wantStatus(t, "versions", 200)
		if n := len(vs.json(t)["items"].([]any)); n != 2 {
			t.Fatalf("%d versions, want the seeded one and ours", n)
		}
		f.do("GET", fmt.Sprintf("/api/v1/allocation/results?%s&version=%d", costRangeQuery, base), tok, nil).wantStatus(t, "old version's results", 200)
		f.do("DELETE", "/api/v1/allocation/groups/"+did, tok, nil).wantError(t, "delete a group in use", 409, domain.CodeConflict)
	})
}

// A member whose viewer role is limited to one custom group sees, in the
// explorer, only that group's share; other areas stay closed to them.
func TestGroupScopedViewerSeesOnlyTheGroup(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.importCosts(f.a, 12)
		tok := f.a.ownerToken
		data := f.do("POST", "/api/v1/allocation/groups", tok, `{"name":"Data"}`)
		data.wantStatus(t, "create group", 201)
		did := data.json(t)["id"].(string)
		f.do("PUT", "/api/v1/allocation/rules", tok, fmt.Sprintf(`{"rules":[{"name":"data","group":%q,
			"conditions":[{"field":"tag","key":"team","op":"in","values":["data"]}]}]}`, did)).wantStatus(t, "rules", 200)
		u := f.createUser("scoped@alpha.test")
		if err := f.st.AddMember(f.ctx, f.a.org.ID, u.ID, nil, domain.Now()); err != nil {
			t.Fatal(err)
		}
		f.do("PUT", "/api/v1/allocation/groups/"+did+"/access/"+u.ID, tok, `{"role":"admin"}`).wantError(t, "scoped admin", 400, domain.CodeInvalid)
		f.do("PUT", "/api/v1/allocation/groups/"+did+"/access/"+u.ID, tok, `{"role":"viewer"}`).wantStatus(t, "scope viewer", 200)
		scopedTok, _ := f.insertToken(u.ID, f.a.org.ID, nil)

		all := f.do("GET", "/api/v1/costs/explore?"+costRangeQuery+"&group_by=custom_group&currency=billing", tok, nil)
		mine := f.do("GET", "/api/v1/costs/explore?"+costRangeQuery+"&group_by=custom_group&currency=billing", scopedTok, nil)
		mine.wantStatus(t, "scoped explore", 200)
		var a, m exploreJSON
		all.decode(t, &a)
		mine.decode(t, &m)
		want := map[string]string{}
		for _, c := range a.Currencies {
			for _, s := range c.Series {
				if s.Group == did {
					want[c.Currency] = s.Total
				}
			}
		}
		if len(want) == 0 {
			t.Fatal("the data group has no cost")
		}
		for _, c := range m.Currencies {
			for _, s := range c.Series {
				if s.Group != did || reduced(s.Total) != reduced(want[c.Currency]) {
					t.Fatalf("scoped viewer saw %s %s %s, want only %s's %s", c.Currency, s.Group, s.Total, did, want[c.Currency])
				}
			}
		}
		// Asking for another group or Unallocated adds nothing.
		other := f.do("GET", "/api/v1/costs/explore?"+costRangeQuery+"&group_by=service&filter="+url.QueryEscape("custom_group:"), scopedTok, nil)
		other.wantStatus(t, "scoped explore of Unallocated", 200)
		var o exploreJSON
		other.decode(t, &o)
		for _, c := range o.Currencies {
			if len(c.Series) != 0 {
				t.Fatalf("scoped viewer saw Unallocated: %+v", c.Series)
			}
		}
		vals := f.do("GET", "/api/v1/costs/values?dim=service&"+costRangeQuery, scopedTok, nil)
		vals.wantStatus(t, "scoped values", 200)
		if items := vals.json(t)["items"].([]any); len(items) != 0 {
			t.Fatalf("scoped viewer listed services of the whole org: %v", items)
		}
		f.do("GET", "/api/v1/costs/consumption?"+costRangeQuery, scopedTok, nil).wantError(t, "scoped consumption", 403, domain.CodeForbidden)
		f.do("GET", "/api/v1/allocation/groups", scopedTok, nil).wantError(t, "scoped groups", 403, domain.CodeForbidden)
		f.do("DELETE", "/api/v1/allocation/groups/"+did+"/access/"+u.ID, tok, nil).wantStatus(t, "remove access", 204)
		f.do("GET", "/api/v1/costs/explore?"+costRangeQuery, scopedTok, nil).wantError(t, "after removal", 403, domain.CodeForbidden)
	})
}
