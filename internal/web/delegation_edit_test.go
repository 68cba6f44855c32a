package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// TestDelegationEditForms: the owner edits an OU in place (name, rules,
// hand picks), sets its licence policy (quota and a restricted plan)
// and its configuration policy with automatic remediation, edits a
// policy's actions and moves a delegation to another OU; bad input names
// the field; the viewer gets 403 and the other organisation 404.
func TestDelegationEditForms(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx, orgA := context.Background(), f.orgs["A"]
		c, err := f.st.CreateConnection(ctx, store.Connection{OrgID: orgA.ID, Kind: "m365", Name: "Contoso",
			Settings: []byte(`{"tenant_id":"contoso.onmicrosoft.com"}`), SyncHour: 3, Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
		snap := store.DirectorySnapshot{HasSKUs: true, Users: []store.M365User{
			{ObjectID: "u-de", DisplayName: "Anna Berlin", UserPrincipalName: "anna@contoso.test", Country: "DE", City: "Berlin", AccountEnabled: true},
			{ObjectID: "u-mu", DisplayName: "Max Munich", UserPrincipalName: "max@contoso.test", Country: "DE", City: "Munich", AccountEnabled: true},
			{ObjectID: "u-fr", DisplayName: "Carl Paris", UserPrincipalName: "carl@contoso.test", Country: "FR", AccountEnabled: true}},
			SKUs: []store.M365SKU{{SkuID: "sku-e3", SkuPartNumber: "SPE_E3", PrepaidEnabled: 5,
				ServicePlans: []byte(`[{"servicePlanId":"plan-yammer","servicePlanName":"YAMMER_ENTERPRISE"}]`)}}}
		if _, err := f.st.ReplaceDirectory(ctx, orgA.ID, c.ID, snap, time.Now()); err != nil {
			t.Fatal(err)
		}
		owner, viewer, ownerB := f.client("owner-a@example.com"), f.client("viewer-a@example.com"), f.client("owner-b@example.com")
		for _, name := range []string{"Germany", "France"} {
			cc := map[string]string{"Germany": "DE", "France": "FR"}[name]
			if code, _ := f.do(owner, "POST", "/m365/delegation/ous", url.Values{"connection_id": {c.ID}, "name": {name},
				"attribute_0": {"country"}, "operator_0": {"equals"}, "values_0": {cc}, "rule_0": {"0"}}); code != http.StatusSeeOther {
				t.Fatalf("create OU %s: %d", name, code)
			}
		}
		if code, _ := f.do(owner, "POST", "/m365/delegation/policies", url.Values{"name": {"Helpdesk"}, "actions": {"user.reset_password"}}); code != http.StatusSeeOther {
			t.Fatalf("create policy: %d", code)
		}
		_, manage := f.do(owner, "GET", "/m365/delegation/manage?connection="+c.ID, nil)
		de := regexp.MustCompile(`<option value="(vou_[^"]+)">Germany</option>`).FindStringSubmatch(manage)
		fr := regexp.MustCompile(`<option value="(vou_[^"]+)">France</option>`).FindStringSubmatch(manage)
		pol := regexp.MustCompile(`<option value="(map_[^"]+)">Helpdesk</option>`).FindStringSubmatch(manage)
		if de == nil || fr == nil || pol == nil {
			t.Fatal("manage page lacks the OUs or the policy")
		}
		viewerID := f.users["viewer-a@example.com"].ID
		if code, _ := f.do(owner, "POST", "/m365/delegation/delegations", url.Values{"user_id": {viewerID}, "ou_id": {de[1]},
			"policy_id": {pol[1]}, "connection_id": {c.ID}}); code != http.StatusSeeOther {
			t.Fatalf("create delegation: %d", code)
		}

		// Edit the OU: rename, Berlin only (two conditions of rule 0), Munich's user by hand.
		edit := url.Values{"name": {"Germany East"}, "parent_id": {""}, "rule_0": {"0"}, "attribute_0": {"country"}, "operator_0": {"equals"},
			"values_0": {"DE"}, "rule_1": {"0"}, "attribute_1": {"city"}, "operator_1": {"equals"}, "values_1": {"Berlin"},
			"rule_2": {"1"}, "attribute_2": {""}, "include": {"u-mu"}, "exclude": {""}}
		if code, _ := f.do(viewer, "POST", "/m365/delegation/ous/"+de[1], edit); code != http.StatusForbidden {
			t.Fatalf("viewer edits: %d", code)
		}
		if code, _ := f.do(ownerB, "POST", "/m365/delegation/ous/"+de[1], edit); code != http.StatusNotFound {
			t.Fatalf("B edits A's OU: %d", code)
		}
		if code, _ := f.do(owner, "POST", "/m365/delegation/ous/"+de[1], edit); code != http.StatusSeeOther {
			t.Fatalf("edit OU: %d", code)
		}
		code, page := f.do(owner, "GET", "/m365/delegation/ous/"+de[1], nil)
		if code != 200 || !strings.Contains(page, "country equals DE and city equals Berlin") || !strings.Contains(page, `data-user="u-mu"`) ||
			!strings.Contains(page, `data-user="u-de"`) || !strings.Contains(page, `>u-mu</textarea>`) || !strings.Contains(page, "OU Germany East") {
			t.Fatalf("edited OU page: %d", code)
		}
		bad := url.Values{"name": {"Germany East"}, "parent_id": {de[1]}, "rule_0": {"0"}, "attribute_0": {"country"}, "operator_0": {"equals"}, "values_0": {"DE"}}
		if code, body := f.do(owner, "POST", "/m365/delegation/ous/"+de[1], bad); code != http.StatusBadRequest || !strings.Contains(body, "parent_id") {
			t.Fatalf("OU below itself: %d", code)
		}

		// Licence policy: quota 1 and Yammer restricted; a bad quota names the field.
		if code, body := f.do(owner, "POST", "/m365/delegation/ous/"+de[1]+"/licences", url.Values{"sku_0": {"sku-e3"}, "quota_0": {"one"}}); code != http.StatusBadRequest ||
			!strings.Contains(body, "licence_policies[0].quota") {
			t.Fatalf("bad quota: %d", code)
		}
		if code, _ := f.do(owner, "POST", "/m365/delegation/ous/"+de[1]+"/licences", url.Values{"sku_0": {"sku-e3"}, "quota_0": {"1"},
			"restrict_0": {"plan-yammer"}}); code != http.StatusSeeOther {
			t.Fatalf("licence policy: %d", code)
		}
		_, page = f.do(owner, "GET", "/m365/delegation/ous/"+de[1], nil)
		if !strings.Contains(page, `name="quota_0" inputmode="numeric" size="6" value="1"`) || !strings.Contains(page, `value="plan-yammer" checked`) {
			t.Fatal("the licence policy is not shown")
		}
		// Configuration policy with automatic remediation.
		if code, _ := f.do(owner, "POST", "/m365/delegation/ous/"+de[1]+"/required", url.Values{"attribute_0": {"mfaRegistered"}, "value_0": {"true"},
			"auto_remediate": {"1"}}); code != http.StatusSeeOther {
			t.Fatalf("required: %d", code)
		}
		_, page = f.do(owner, "GET", "/m365/delegation/ous/"+de[1], nil)
		if !strings.Contains(page, `name="auto_remediate" value="1" checked`) {
			t.Fatal("automatic remediation not shown")
		}

		// Policy: add block sign-in; delegation: move to France.
		if code, _ := f.do(viewer, "POST", "/m365/delegation/policies/"+pol[1], url.Values{"name": {"Helpdesk"}, "actions": {"user.block_sign_in"}}); code != http.StatusForbidden {
			t.Fatalf("viewer edits policy: %d", code)
		}
		if code, _ := f.do(owner, "POST", "/m365/delegation/policies/"+pol[1], url.Values{"name": {"Helpdesk 2"}, "actions": {"user.reset_password", "user.block_sign_in"},
			"connection_id": {c.ID}}); code != http.StatusSeeOther {
			t.Fatalf("edit policy: %d", code)
		}
		if code, body := f.do(owner, "POST", "/m365/delegation/policies/"+pol[1], url.Values{"name": {"Helpdesk 2"}, "connection_id": {c.ID}}); code != http.StatusBadRequest ||
			!strings.Contains(body, "actions") {
			t.Fatalf("policy without actions: %d", code)
		}
		_, manage = f.do(owner, "GET", "/m365/delegation/manage?connection="+c.ID, nil)
		dlg := regexp.MustCompile(`data-delegation="(dlg_[^"]+)"`).FindStringSubmatch(manage)
		if dlg == nil || !strings.Contains(manage, "user.reset_password, user.block_sign_in") {
			t.Fatal("manage page after the policy edit")
		}
		if code, _ := f.do(ownerB, "POST", "/m365/delegation/delegations/"+dlg[1], url.Values{"user_id": {viewerID}, "ou_id": {fr[1]}, "policy_id": {pol[1]}}); code != http.StatusNotFound {
			t.Fatalf("B edits A's delegation: %d", code)
		}
		if code, _ := f.do(owner, "POST", "/m365/delegation/delegations/"+dlg[1], url.Values{"user_id": {viewerID}, "ou_id": {fr[1]},
			"policy_id": {pol[1]}, "connection_id": {c.ID}}); code != http.StatusSeeOther {
			t.Fatalf("edit delegation: %d", code)
		}
		// The delegated viewer now administers the French user only.
		if code, body := f.do(viewer, "GET", "/m365/delegation", nil); code != 200 || !strings.Contains(body, `data-user="u-fr"`) || strings.Contains(body, `data-user="u-de"`) {
			t.Fatalf("viewer after the move: %d", code)
		}
		if code, body := f.do(viewer, "GET", "/m365/delegation/"+c.ID+"/users/u-fr", nil); code != 200 || !strings.Contains(body, `value="user.block_sign_in"`) {
			t.Fatalf("viewer on the French user: %d", code)
		}
		// Mailbox and manager actions: refusals carry the reason, before Graph.
		if code, _ := f.do(owner, "POST", "/m365/delegation/policies/"+pol[1], url.Values{"name": {"Helpdesk 2"}, "connection_id": {c.ID},
			"actions": {"user.reset_password", "mailbox.set_forwarding", "user.set_manager"}}); code != http.StatusSeeOther {
			t.Fatalf("edit policy: %d", code)
		}
		userPage := "/m365/delegation/" + c.ID + "/users/u-fr"
		if code, body := f.do(viewer, "GET", userPage, nil); code != 200 || !strings.Contains(body, `id="no-exchange"`) || !strings.Contains(body, `<fieldset disabled`) {
			t.Fatalf("mailbox actions not disabled: %d", code)
		}
		code, body := f.do(viewer, "POST", userPage+"/actions", url.Values{"action": {"mailbox.set_forwarding"}, "forward_to": {"x@contoso.test"}})
		if code != http.StatusForbidden || !strings.Contains(body, "needs an Exchange Online connection") {
			t.Fatalf("forwarding without Exchange Online: %d", code)
		}
		code, body = f.do(viewer, "POST", userPage+"/actions", url.Values{"action": {"user.set_manager"}, "manager": {"nobody@contoso.test"}})
		if code != http.StatusBadRequest || !strings.Contains(body, "No user nobody@contoso.test") {
			t.Fatalf("unknown manager: %d", code)
		}
		code, body = f.do(viewer, "POST", userPage+"/actions", url.Values{"action": {"user.set_manager"}, "manager": {"carl@contoso.test"}})
		if code != http.StatusForbidden || !strings.Contains(body, "cannot be their own manager") {
			t.Fatalf("own manager: %d", code)
		}
		if code, body = f.do(viewer, "POST", userPage+"/actions", url.Values{"action": {"user.delete"}}); code != http.StatusForbidden ||
			!strings.Contains(body, "not granted to you") {
			t.Fatalf("delete not granted: %d", code)
		}
	})
}
