package web_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// allocCSV has March and April lines in USD: a web and a data tagged
// resource, a shared network line and an untagged storage line.
const allocCSV = `BilledCost,BillingAccountId,BillingAccountName,BillingCurrency,BillingPeriodEnd,BillingPeriodStart,ChargeCategory,ChargeClass,ChargeDescription,ChargeFrequency,ChargePeriodEnd,ChargePeriodStart,ContractedCost,EffectiveCost,InvoiceIssuerName,ListCost,ProviderName,PublisherName,RegionId,RegionName,ResourceId,ResourceName,ServiceCategory,ServiceName,SkuId,SubAccountId,SubAccountName,Tags,PricingCurrency,PricingQuantity,PricingUnit,ConsumedQuantity,ConsumedUnit
100,acct,Acct,USD,2026-04-01,2026-03-01,Usage,,x,Usage-Based,2026-03-11,2026-03-10,100,100,Cloud,100,Cloud,Cloud,westeurope,West Europe,/subscriptions/s1/resourceGroups/rg-web/providers/x/vm1,vm1,Compute,Virtual Machines,sku,s1,s1,"{""team"":""web""}",USD,,,,
60,acct,Acct,USD,2026-04-01,2026-03-01,Usage,,x,Usage-Based,2026-03-21,2026-03-20,60,60,Cloud,60,Cloud,Cloud,westeurope,West Europe,/subscriptions/s1/resourceGroups/rg-data/providers/x/db1,db1,Compute,SQL Database,sku,s1,s1,"{""Team"":""data""}",USD,,,,
40,acct,Acct,USD,2026-04-01,2026-03-01,Usage,,x,Usage-Based,2026-03-21,2026-03-20,40,40,Cloud,40,Cloud,Cloud,westeurope,West Europe,/subscriptions/s2/resourceGroups/rg-net/providers/x/fw1,fw1,Compute,Shared Network,sku,s2,s2,,USD,,,,
7.5,acct,Acct,USD,2026-04-01,2026-03-01,Usage,,x,Usage-Based,2026-03-22,2026-03-21,7.5,7.5,Cloud,7.5,Cloud,Cloud,westeurope,West Europe,/subscriptions/s2/resourceGroups/rg-misc/providers/x/st1,st1,Compute,Storage,sku,s2,s2,,USD,,,,
200,acct,Acct,USD,2026-05-01,2026-04-01,Usage,,x,Usage-Based,2026-04-03,2026-04-02,200,200,Cloud,200,Cloud,Cloud,westeurope,West Europe,/subscriptions/s1/resourceGroups/rg-web/providers/x/vm1,vm1,Compute,Virtual Machines,sku,s1,s1,"{""team"":""web""}",USD,,,,
`

const vm1 = "/subscriptions/s1/resourceGroups/rg-web/providers/x/vm1"

func (f *fixture) importAllocCosts(org string) {
	f.t.Helper()
	r, err := billing.Open(bytes.NewReader([]byte(allocCSV)))
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.st.Costs().Import(context.Background(), f.orgs[org].ID, r, costs.ImportMeta{FileName: "alloc.csv"}); err != nil {
		f.t.Fatal(err)
	}
}

var groupURL = regexp.MustCompile(`^/allocation/groups/([A-Za-z0-9_-]+)$`)

// createGroup posts the new-group form and returns the group's ID.
func (f *fixture) createGroup(c *http.Client, name, parent string) string {
	f.t.Helper()
	req, _ := http.NewRequest("POST", f.srv.URL+"/allocation/groups",
		strings.NewReader(url.Values{"name": {name}, "kind": {"business_unit"}, "parent_id": {parent}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	resp.Body.Close()
	m := groupURL.FindStringSubmatch(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || m == nil {
		f.t.Fatalf("create group %s: %d %s", name, resp.StatusCode, resp.Header.Get("Location"))
	}
	return m[1]
}

// ruleForm is the add-rule form with one tag condition.
func ruleForm(base, name, group, tagKey, tagValue string) url.Values {
	return url.Values{"base": {base}, "name": {name}, "target": {"group:" + group}, "cond_field_1": {"tag"},
		"cond_key_1": {tagKey}, "cond_op_1": {"in"}, "cond_values_1": {tagValue}, "note": {"test"}}
}

// cell is the text of the element with attr in the row of data-group id.
func cell(t *testing.T, body, group, attr string) string {
	t.Helper()
	re := regexp.MustCompile(`(?s)data-group="` + regexp.QuoteMeta(group) + `".*?` + attr + `>([^<]*)<`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s cell for group %s", attr, group)
	}
	return m[1]
}

func unallocated(t *testing.T, body string) string {
	t.Helper()
	m := regexp.MustCompile(`data-unallocated>([^<]*)<`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no Unallocated row")
	}
	return m[1]
}

func TestAllocationOverviewRulesLineageAndVersions(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.importAllocCosts("A")
		owner := f.client("owner-a@example.com")
		code, body := f.do(owner, "GET", "/allocation?month=2026-03", nil)
		if code != http.StatusOK || unallocated(t, body) != "207.50" || !strings.Contains(body, "March 2026") {
			t.Fatalf("overview before any rule: %d, unallocated %s", code, unallocated(t, body))
		}
		web := f.createGroup(owner, "Web", "")
		front := f.createGroup(owner, "Web frontend", web)
		data := f.createGroup(owner, "Data", "")
		if code, _ := f.do(owner, "POST", "/allocation/rules", ruleForm("0", "web team", front, "team", "web")); code != http.StatusSeeOther {
			t.Fatalf("add rule: %d", code)
		}
		code, body = f.do(owner, "GET", "/allocation/rules", nil)
		if code != 200 || !strings.Contains(body, "Saved as version 1; recomputed: March 2026.") || !strings.Contains(body, "tag team in [web]") {
			t.Fatalf("rules after saving (only March was computed before): %d", code)
		}
		_, body = f.do(owner, "GET", "/allocation?month=2026-03", nil)
		if got := unallocated(t, body); got != "107.50" {
			t.Fatalf("Unallocated after the rule: %s, want 107.50", got)
		}
		if own, total := cell(t, body, web, "data-own"), cell(t, body, web, "data-total"); own != "0.00" || total != "100.00" {
			t.Fatalf("Web: own %s total %s, want 0.00 and 100.00 (its child's)", own, total)
		}
		if own := cell(t, body, front, "data-own"); own != "100.00" {
			t.Fatalf("Web frontend own %s", own)
		}

		// A split whose percentages do not add up is refused with the
		// service's message next to the form.
		bad := url.Values{"base": {"1"}, "name": {"network"}, "method": {"fixed"}, "share_group_1": {web}, "share_percent_1": {"60"},
			"share_group_2": {data}, "share_percent_2": {"30"}}
		code, body = f.do(owner, "POST", "/allocation/splits", bad)
		if code != http.StatusBadRequest || !strings.Contains(body, `id="split-error"`) || !strings.Contains(body, "add up to 90, not 100") ||
			!strings.Contains(body, `name="share_percent_2" type="text" inputmode="decimal" value="30"`) {
			t.Fatalf("bad split: %d", code)
		}

		// A second rule from version 1; then an edit still based on version
		// 1 is a conflict, shown as an error flash.
		if code, _ := f.do(owner, "POST", "/allocation/rules", ruleForm("1", "data team", data, "team", "data")); code != http.StatusSeeOther {
			t.Fatalf("second rule: %d", code)
		}
		code, body = f.do(owner, "POST", "/allocation/rules", ruleForm("1", "stale edit", data, "team", "ops"))
		if code != http.StatusConflict || !strings.Contains(body, `class="alert alert-error" role="alert">the rules changed since you opened them`) ||
			!strings.Contains(body, `value="stale edit"`) {
			t.Fatalf("stale edit: %d", code)
		}

		checkLineageAndExplain(t, f, owner, front)
		// The parent holds nothing itself; with its child it holds 100.
		code, body = f.do(owner, "GET", "/allocation/groups/"+web+"?month=2026-03", nil)
		if code != 200 || !strings.Contains(body, "Nothing was placed directly in this group") ||
			!strings.Contains(body, "reporting currency: <strong>100.00 USD</strong>") {
			t.Fatalf("parent group page: %d", code)
		}
		checkVersionsAndExplorer(t, f, owner)
	})
}

func checkLineageAndExplain(t *testing.T, f *fixture, owner *http.Client, front string) {
	t.Helper()
	code, body := f.do(owner, "GET", "/allocation/groups/"+front+"?month=2026-03", nil)
	why := "/allocation/explain?" + url.Values{"from": {"2026-03-01"}, "resource": {vm1}, "to": {"2026-03-31"}}.Encode()
	if code != 200 || !strings.Contains(body, "web team") || !strings.Contains(body, "100.00 USD") || !strings.Contains(body, "<strong>100.00 USD</strong></p>") ||
		!strings.Contains(body, `href="`+strings.ReplaceAll(why, "&", "&amp;")+`"`) {
		t.Fatalf("group page: %d", code)
	}
	code, body = f.do(owner, "GET", why, nil)
	if code != 200 || !strings.Contains(body, `Rule 1, <strong class="rule-name">web team</strong>`) || !strings.Contains(body, "<code>team=web</code>") {
		t.Fatalf("explain vm1: %d", code)
	}
	st1 := "/subscriptions/s2/resourceGroups/rg-misc/providers/x/st1"
	code, body = f.do(owner, "GET", "/allocation/explain?month=2026-03&resource="+url.QueryEscape(st1), nil)
	if code != 200 || !strings.Contains(body, "No rule matched (Unallocated).") {
		t.Fatalf("explain st1: %d", code)
	}
}

func checkVersionsAndExplorer(t *testing.T, f *fixture, owner *http.Client) {
	t.Helper()
	code, body := f.do(owner, "GET", "/allocation/versions", nil)
	if code != 200 || !strings.Contains(body, `href="/allocation/versions/1"`) || !strings.Contains(body, `href="/allocation/versions/2"`) {
		t.Fatalf("versions: %d", code)
	}
	// Version 1 still says what it said: the data team's 60 unallocated.
	code, body = f.do(owner, "GET", "/allocation/versions/1?month=2026-03", nil)
	if code != 200 || !regexp.MustCompile(`Unallocated</th><td class="num">107.50`).MatchString(body) {
		t.Fatalf("version 1: %d", code)
	}
	code, body = f.do(owner, "GET", "/allocation/versions/2?month=2026-03", nil)
	if code != 200 || !regexp.MustCompile(`Unallocated</th><td class="num">47.50`).MatchString(body) {
		t.Fatalf("version 2: %d", code)
	}
	code, body = f.do(owner, "GET", "/spend?from=2026-03-01&to=2026-03-31&group_by=custom_group", nil)
	if code != 200 || !strings.Contains(body, `<option value="custom_group" selected>Custom group</option>`) ||
		!strings.Contains(body, `id="filter-custom_group"`) || !strings.Contains(body, "Web frontend") {
		t.Fatalf("explorer by custom group: %d", code)
	}
	// The overview's Unallocated link: the lines no rule placed, by resource.
	_, body = f.do(owner, "GET", "/allocation?month=2026-03", nil)
	m := regexp.MustCompile(`<a href="(/spend\?[^"]*)">Unallocated</a>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no Unallocated link")
	}
	code, body = f.do(owner, "GET", strings.ReplaceAll(m[1], "&amp;", "&"), nil)
	if code != 200 || !strings.Contains(body, `data-sort-value="st1"`) || !strings.Contains(body, `data-sort-value="fw1"`) || strings.Contains(body, `data-sort-value="vm1"`) ||
		!strings.Contains(body, "USD · total 47.50 USD") {
		t.Fatalf("explorer of the Unallocated lines: %d", code)
	}
}

func TestAllocationViewerSeesNoEditControls(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		owner := f.client("owner-a@example.com")
		web := f.createGroup(owner, "Web", "")
		if code, _ := f.do(owner, "POST", "/allocation/rules", ruleForm("0", "web team", web, "team", "web")); code != http.StatusSeeOther {
			t.Fatalf("add rule: %d", code)
		}
		viewer := f.client("viewer-a@example.com")
		for path, controls := range map[string][]string{
			"/allocation":               {`href="/allocation/groups/new"`},
			"/allocation/rules":         {`action="/allocation/rules"`, `/delete"`, `/move"`, `action="/allocation/splits"`},
			"/allocation/groups/" + web: {`method="post" action="/allocation/groups/` + web + `"`, `/delete"`},
			"/allocation/licences":      {`action="/allocation/licences"`},
		} {
			code, body := f.do(viewer, "GET", path, nil)
			if code != http.StatusOK {
				t.Fatalf("viewer GET %s: %d", path, code)
			}
			for _, c := range controls {
				if strings.Contains(body, c) {
					t.Errorf("viewer sees %s on %s", c, path)
				}
			}
		}
		for _, path := range []string{"/allocation/groups", "/allocation/rules", "/allocation/groups/" + web + "/delete", "/allocation/splits"} {
			if code, _ := f.do(viewer, "POST", path, ruleForm("1", "viewer rule", web, "team", "x")); code != http.StatusForbidden {
				t.Errorf("viewer POST %s: %d, want 403", path, code)
			}
		}
		if code, body := f.do(viewer, "GET", "/allocation/groups/new", nil); code != http.StatusForbidden || strings.Contains(body, `name="owners"`) {
			t.Errorf("viewer new group form: %d", code)
		}
	})
}

// A FinOps analyst (allocation.write, no users.read) names group owners
// from the members, and maps licence prices; bad input names the field.
func TestAllocationOwnersAndLicencePrices(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		viewer := f.users["viewer-a@example.com"]
		finops := f.users["owner-b@example.com"] // also made a FinOps analyst in org A
		if err := f.st.AddMember(ctx, f.orgs["A"].ID, finops.ID, []domain.RoleGrant{{Role: auth.RoleFinOps}}, domain.Now()); err != nil {
			t.Fatal(err)
		}
		c := f.client("owner-b@example.com")
		if code, _ := f.do(c, "POST", "/org/switch", url.Values{"org_id": {f.orgs["A"].ID}}); code != http.StatusSeeOther {
			t.Fatalf("switch: %d", code)
		}
		code, body := f.do(c, "GET", "/allocation/groups/new", nil)
		if code != 200 || !strings.Contains(body, `<option value="`+viewer.ID+`">viewer-a@example.com</option>`) {
			t.Fatalf("new group form for FinOps: %d", code)
		}
		id := f.createGroup(c, "Payments", "")
		form := url.Values{"name": {"Payments"}, "kind": {"cost_center"}, "owners": {viewer.ID, finops.ID}}
		if code, _ := f.do(c, "POST", "/allocation/groups/"+id, form); code != http.StatusSeeOther {
			t.Fatalf("set owners: %d", code)
		}
		_, body = f.do(c, "GET", "/allocation/groups/"+id, nil)
		if !strings.Contains(body, `<option value="`+viewer.ID+`" selected>`) || !strings.Contains(body, `<option value="cost_center" selected>`) {
			t.Fatal("owners or kind not kept")
		}
		form.Set("owners", f.users["viewer-b@example.com"].ID) // not a member of org A
		if code, body := f.do(c, "POST", "/allocation/groups/"+id, form); code != http.StatusBadRequest || !strings.Contains(body, `id="group-owners-error"`) {
			t.Fatalf("owner from another org: %d", code)
		}

		price := url.Values{"sku_part_number": {"SPE_E3"}, "cost_sku": {"CFQ7TTC0LFLX:0002"}, "unit_price": {"abc"}, "currency": {"EUR"}}
		if code, body := f.do(c, "POST", "/allocation/licences", price); code != http.StatusBadRequest || !strings.Contains(body, `id="price-unit-error"`) {
			t.Fatalf("bad price: %d", code)
		}
		price.Set("unit_price", "36.00")
		if code, _ := f.do(c, "POST", "/allocation/licences", price); code != http.StatusSeeOther {
			t.Fatalf("price: %d", code)
		}
		if _, body := f.do(c, "GET", "/allocation/licences", nil); !strings.Contains(body, "<code>SPE_E3</code>") || !strings.Contains(body, "36.00 EUR") {
			t.Fatal("price not listed")
		}
		if code, _ := f.do(c, "POST", "/allocation/licences/delete", url.Values{"sku_part_number": {"SPE_E3"}}); code != http.StatusSeeOther {
			t.Fatalf("delete price: %d", code)
		}
		if _, body := f.do(c, "GET", "/allocation/licences", nil); strings.Contains(body, "<code>SPE_E3</code>") {
			t.Fatal("price still listed after removal")
		}
	})
}

var ruleRow = regexp.MustCompile(`data-rule="(rul_[A-Za-z0-9_-]+)"`)

// ruleIDs are the rule IDs in the order the rules page lists them.
func ruleIDs(t *testing.T, f *fixture, c *http.Client) ([]string, string) {
	t.Helper()
	code, body := f.do(c, "GET", "/allocation/rules", nil)
	if code != 200 {
		t.Fatalf("rules page: %d", code)
	}
	var ids []string
	for _, m := range ruleRow.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids, body
}

func TestAllocationRuleEditMoveDeleteAndSplit(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.importAllocCosts("A")
		c := f.client("owner-a@example.com")
		web, data := f.createGroup(c, "Web", ""), f.createGroup(c, "Data", "")
		split := url.Values{"base": {"0"}, "name": {"network"}, "method": {"fixed"}, "share_group_1": {web}, "share_percent_1": {"75"},
			"share_group_2": {data}, "share_percent_2": {"25"}}
		if code, _ := f.do(c, "POST", "/allocation/splits", split); code != http.StatusSeeOther {
			t.Fatalf("split: %d", code)
		}
		_, body := f.do(c, "GET", "/allocation/rules", nil)
		m := regexp.MustCompile(`data-split="(spl_[A-Za-z0-9_-]+)"`).FindStringSubmatch(body)
		if m == nil || !strings.Contains(body, "Web 75 %") {
			t.Fatal("split not listed")
		}
		shared := url.Values{"base": {"1"}, "name": {"shared network"}, "target": {"split:" + m[1]}, "cond_field_1": {"service"},
			"cond_op_1": {"matches"}, "cond_values_1": {"shared *"}}
		if code, _ := f.do(c, "POST", "/allocation/rules", shared); code != http.StatusSeeOther {
			t.Fatalf("rule to the split: %d", code)
		}
		if code, _ := f.do(c, "POST", "/allocation/rules", ruleForm("2", "web team", web, "team", "web")); code != http.StatusSeeOther {
			t.Fatalf("web rule: %d", code)
		}
		ids, _ := ruleIDs(t, f, c)
		if len(ids) != 2 {
			t.Fatalf("rules %v", ids)
		}
		if code, _ := f.do(c, "POST", "/allocation/rules/"+ids[1]+"/move", url.Values{"base": {"3"}, "direction": {"up"}}); code != http.StatusSeeOther {
			t.Fatalf("move up: %d", code)
		}
		moved, body := ruleIDs(t, f, c)
		if moved[0] != ids[1] || !strings.Contains(body, "no month needed recomputing") {
			t.Fatalf("after moving up: %v (was %v)", moved, ids)
		}
		// Edit: the form comes filled; saving keeps the rule's place.
		_, body = f.do(c, "GET", "/allocation/rules?edit="+ids[1], nil)
		if !strings.Contains(body, `name="rule_id" value="`+ids[1]+`"`) || !strings.Contains(body, `id="rule-name" name="name" type="text" value="web team"`) {
			t.Fatal("edit form not filled")
		}
		edit := ruleForm("4", "web team (renamed)", web, "team", "web")
		edit.Set("rule_id", ids[1])
		if code, _ := f.do(c, "POST", "/allocation/rules", edit); code != http.StatusSeeOther {
			t.Fatalf("edit: %d", code)
		}
		if after, body := ruleIDs(t, f, c); after[0] != ids[1] || !strings.Contains(body, "web team (renamed)") {
			t.Fatalf("after edit: %v", after)
		}
		code, body := f.do(c, "GET", "/allocation/explain?month=2026-03&resource="+url.QueryEscape("/subscriptions/s2/resourceGroups/rg-net/providers/x/fw1"), nil)
		if code != 200 || !strings.Contains(body, "Divided by the split <strong>network (Fixed percentages)</strong>: Web 75 %, Data 25 %") ||
			!strings.Contains(body, ">30.00<") {
			t.Fatalf("explain the split line: %d", code)
		}
		// Deleting the split a rule uses is refused with the service's message.
		if code, body := f.do(c, "POST", "/allocation/splits/"+m[1]+"/delete", url.Values{"base": {"5"}}); code != http.StatusBadRequest ||
			!strings.Contains(body, `id="split-error"`) {
			t.Fatalf("delete a used split: %d", code)
		}
		if code, _ := f.do(c, "POST", "/allocation/rules/"+ids[0]+"/delete", url.Values{"base": {"5"}}); code != http.StatusSeeOther {
			t.Fatalf("delete rule: %d", code)
		}
		if after, _ := ruleIDs(t, f, c); len(after) != 1 || after[0] != ids[1] {
			t.Fatalf("after delete: %v", after)
		}
		_, body = f.do(c, "GET", "/allocation/versions", nil)
		for _, note := range []string{"added split network", "moved rule web team up", "deleted rule shared network", "test"} {
			if !strings.Contains(body, note) {
				t.Errorf("versions lack the note %q", note)
			}
		}
	})
}

func TestAllocationBadPeriodIsExplained(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		c := f.client("viewer-a@example.com")
		code, body := f.do(c, "GET", "/allocation?from=2026-03-31&to=2026-03-01", nil)
		if code != http.StatusBadRequest || !strings.Contains(body, `id="form-error">to must be the same day as from or later.`) {
			t.Fatalf("reversed range: %d", code)
		}
		if code, body := f.do(c, "GET", "/allocation/explain?month=March", nil); code != http.StatusBadRequest || !strings.Contains(body, "Choose a month like 2026-03.") {
			t.Fatalf("bad month: %d", code)
		}
	})
}
