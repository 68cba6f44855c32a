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

// TestDelegationPages: an owner creates OUs by country, a policy and a
// delegation through the forms; the delegated viewer sees the DE user
// only, may open it and is refused on the FR user with the reason; a
// member without delegation sees nothing; the viewer cannot manage; the
// other organisation gets 404.
func TestDelegationPages(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx, orgA := context.Background(), f.orgs["A"]
		c, err := f.st.CreateConnection(ctx, store.Connection{OrgID: orgA.ID, Kind: "m365", Name: "Contoso",
			Settings: []byte(`{"tenant_id":"contoso.onmicrosoft.com"}`), SyncHour: 3, Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
		snap := store.DirectorySnapshot{Users: []store.M365User{
			{ObjectID: "u-de", DisplayName: "Anna Berlin", UserPrincipalName: "anna@contoso.test", Country: "DE", AccountEnabled: true},
			{ObjectID: "u-fr", DisplayName: "Carl Paris", UserPrincipalName: "carl@contoso.test", Country: "FR", AccountEnabled: true}}}
		if _, err := f.st.ReplaceDirectory(ctx, orgA.ID, c.ID, snap, time.Now()); err != nil {
			t.Fatal(err)
		}
		owner, viewer := f.client("owner-a@example.com"), f.client("viewer-a@example.com")

		// Nothing to administer yet.
		if code, body := f.do(viewer, "GET", "/m365/delegation", nil); code != 200 || !strings.Contains(body, `id="nothing-to-administer"`) {
			t.Fatalf("viewer before delegation: %d", code)
		}
		// The viewer cannot manage.
		if code, _ := f.do(viewer, "GET", "/m365/delegation/manage", nil); code != http.StatusForbidden {
			t.Fatalf("viewer manage: %d", code)
		}
		if code, _ := f.do(viewer, "POST", "/m365/delegation/ous", url.Values{"connection_id": {c.ID}, "name": {"X"}}); code != http.StatusForbidden {
			t.Fatalf("viewer creates OU: %d", code)
		}

		// A bad rule names the field.
		code, body := f.do(owner, "POST", "/m365/delegation/ous", url.Values{"connection_id": {c.ID}, "name": {"Bad"},
			"attribute_0": {"shoeSize"}, "operator_0": {"equals"}, "values_0": {"9"}, "rule_0": {"0"}})
		if code != http.StatusBadRequest || !strings.Contains(body, "shoeSize") {
			t.Fatalf("bad rule: %d", code)
		}
		for _, cc := range []string{"DE", "FR"} {
			code, _ := f.do(owner, "POST", "/m365/delegation/ous", url.Values{"connection_id": {c.ID}, "name": {"Country " + cc},
				"attribute_0": {"country"}, "operator_0": {"equals"}, "values_0": {cc}, "rule_0": {"0"}})
			if code != http.StatusSeeOther {
				t.Fatalf("create OU %s: %d", cc, code)
			}
		}
		if code, _ := f.do(owner, "POST", "/m365/delegation/policies", url.Values{"name": {"Helpdesk"}, "actions": {"user.reset_password"}}); code != http.StatusSeeOther {
			t.Fatalf("create policy: %d", code)
		}
		_, manage := f.do(owner, "GET", "/m365/delegation/manage?connection="+c.ID, nil)
		ouDE := regexp.MustCompile(`<option value="(vou_[^"]+)">Country DE</option>`).FindStringSubmatch(manage)
		pol := regexp.MustCompile(`<option value="(map_[^"]+)">Helpdesk</option>`).FindStringSubmatch(manage)
		if ouDE == nil || pol == nil {
			t.Fatalf("manage page lacks the OU or policy")
		}
		code, _ = f.do(owner, "POST", "/m365/delegation/delegations", url.Values{"user_id": {f.users["viewer-a@example.com"].ID},
			"ou_id": {ouDE[1]}, "policy_id": {pol[1]}, "connection_id": {c.ID}})
		if code != http.StatusSeeOther {
			t.Fatalf("create delegation: %d", code)
		}
		if code, body := f.do(owner, "GET", "/m365/delegation/ous/"+ouDE[1], nil); code != 200 || !strings.Contains(body, `data-user="u-de"`) ||
			strings.Contains(body, `data-user="u-fr"`) {
			t.Fatalf("OU members: %d", code)
		}

		// The delegated viewer sees and may act on the DE user only.
		code, body = f.do(viewer, "GET", "/m365/delegation", nil)
		if code != 200 || !strings.Contains(body, `data-user="u-de"`) || strings.Contains(body, `data-user="u-fr"`) {
			t.Fatalf("delegated list: %d %s", code, body)
		}
		if code, body := f.do(viewer, "GET", "/m365/delegation/"+c.ID+"/users/u-de", nil); code != 200 || !strings.Contains(body, `id="act-reset-password"`) ||
			strings.Contains(body, "Block sign-in") {
			t.Fatalf("DE user page: %d", code)
		}
		code, body = f.do(viewer, "GET", "/m365/delegation/"+c.ID+"/users/u-fr", nil)
		if code != http.StatusForbidden || !strings.Contains(body, "you administer OU Country DE") || strings.Contains(body, `id="act-reset-password"`) {
			t.Fatalf("FR user page: %d %s", code, body)
		}
		code, body = f.do(viewer, "POST", "/m365/delegation/"+c.ID+"/users/u-fr/actions", url.Values{"action": {"user.reset_password"}})
		if code != http.StatusForbidden || !strings.Contains(body, "you administer OU Country DE") || strings.Contains(body, `id="new-password"`) {
			t.Fatalf("FR reset: %d", code)
		}
		audits, err := f.st.ListAudit(ctx, orgA.ID, store.AuditFilter{Action: "m365.action.user.reset_password"})
		if err != nil || len(audits.Items) != 1 {
			t.Fatalf("refusal audit: %+v %v", audits, err)
		}

		// A configuration policy: DE users must be in Sales. The report
		// lists the DE user; the delegated viewer may not set departments,
		// so remediation is refused with the reason and nothing changes.
		code, _ = f.do(owner, "POST", "/m365/delegation/ous/"+ouDE[1]+"/required", url.Values{"attribute_0": {"department"}, "value_0": {"Sales"}})
		if code != http.StatusSeeOther {
			t.Fatalf("required attributes: %d", code)
		}
		code, body = f.do(viewer, "GET", "/m365/delegation/compliance?connection="+c.ID, nil)
		if code != 200 || !strings.Contains(body, `data-user="u-de" data-attribute="department"`) || strings.Contains(body, `data-user="u-fr"`) {
			t.Fatalf("compliance: %d", code)
		}
		code, body = f.do(viewer, "POST", "/m365/delegation/compliance/remediate", url.Values{"connection_id": {c.ID}, "id": {"u-de"}, "attribute": {"department"}})
		if code != 200 || !strings.Contains(body, `data-status="refused"`) || !strings.Contains(body, "user.set_department") {
			t.Fatalf("remediate: %d %s", code, body)
		}
		if code, _ := f.do(f.client("viewer-b@example.com"), "POST", "/m365/delegation/compliance/remediate", url.Values{"connection_id": {c.ID}, "all": {"1"}}); code != http.StatusForbidden {
			t.Fatalf("remediate without delegation: %d", code)
		}

		// The other organisation sees none of it.
		ownerB := f.client("owner-b@example.com")
		for _, path := range []string{"/m365/delegation/ous/" + ouDE[1], "/m365/delegation/" + c.ID + "/users/u-de"} {
			if code, _ := f.do(ownerB, "GET", path, nil); code != http.StatusNotFound {
				t.Errorf("other org %s: %d", path, code)
			}
		}
		if code, body := f.do(ownerB, "GET", "/m365/delegation", nil); code != 200 || strings.Contains(body, "u-de") {
			t.Errorf("other org list: %d", code)
		}
	})
}
