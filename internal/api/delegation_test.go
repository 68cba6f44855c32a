package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// A policy editor builds a nested OU with a licence policy, delegates it
// to a FinOps member and dry-runs that member's actions; the viewer reads
// but cannot change; the other organisation sees none of it.
func TestDelegationAPI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tok, conn := f.a.ownerToken, f.a.dlg.connID
		f.do("POST", "/api/v1/m365/ous", tok, `{"connection_id":"`+conn+`","name":"x","rules":[{"conditions":[{"attribute":"shoeSize","operator":"equals","values":["9"]}]}]}`).
			wantError(t, "bad attribute", 400, domain.CodeInvalid)
		res := f.do("POST", "/api/v1/m365/ous", tok, `{"connection_id":"`+conn+`","parent_id":"`+f.a.dlg.ouID+`","name":"Sales DE",
			"rules":[{"conditions":[{"attribute":"Country","operator":"in","values":["de","at"]}]}]}`)
		res.wantStatus(t, "create", http.StatusCreated)
		child := res.json(t)["id"].(string)
		if res.header.Get("Location") != "/api/v1/m365/ous/"+child {
			t.Fatalf("location %q", res.header.Get("Location"))
		}
		f.do("PUT", "/api/v1/m365/ous/"+f.a.dlg.ouID, tok, `{"name":"Sales","parent_id":"`+child+`"}`).
			wantError(t, "cycle", 400, domain.CodeInvalid)
		f.do("DELETE", "/api/v1/m365/ous/"+f.a.dlg.ouID, tok, nil).wantError(t, "delete parent", 409, domain.CodeConflict)
		var members listJSON[struct{ ID string }]
		f.do("GET", "/api/v1/m365/ous/"+child+"/members", f.a.viewerToken, nil).decode(t, &members)
		if len(members.Items) != 1 || members.Items[0].ID != "alex" {
			t.Fatalf("members %+v", members)
		}
		var places listJSON[struct{ Name, Reason string }]
		f.do("GET", "/api/v1/m365/connections/"+conn+"/users/alex/ous", f.a.viewerToken, nil).decode(t, &places)
		if fmt.Sprint(places.Items) != "[{Sales rule 1} {Sales DE rule 1}]" {
			t.Fatalf("alex's OUs %+v", places.Items)
		}
		f.do("PUT", "/api/v1/m365/ous/"+child+"/licence-policies", tok, `{"licence_policies":[{"sku_id":"sku-e3","quota":1,"restricted_plans":["YAMMER_ENTERPRISE"]}]}`).
			wantStatus(t, "licence policy", 200)
		res = f.do("POST", "/api/v1/m365/policies", tok, `{"name":"Licences","actions":["licence.assign","user.reset_password"]}`)
		res.wantStatus(t, "policy", http.StatusCreated)
		pol := res.json(t)["id"].(string)
		fin := f.member(f.a.org, "fin@alpha.test", auth.RoleFinOps)
		res = f.do("POST", "/api/v1/m365/delegations", tok, `{"user_id":"`+fin.ID+`","ou_id":"`+child+`","policy_id":"`+pol+`"}`)
		res.wantStatus(t, "delegate", http.StatusCreated)
		if d := res.json(t); d["user_email"] != "fin@alpha.test" || d["ou_name"] != "Sales DE" || d["policy_name"] != "Licences" {
			t.Fatalf("delegation %s", res.body)
		}
		evaluate := func(body string) map[string]any {
			t.Helper()
			res := f.do("POST", "/api/v1/m365/connections/"+conn+"/evaluate", tok, `{"actor_user_id":"`+fin.ID+`",`+body+`}`)
			res.wantStatus(t, "evaluate", 200)
			return res.json(t)
		}
		if d := evaluate(`"action":"user.reset_password","target_id":"alex"`); d["allowed"] != true || d["code"] != "allowed_delegated" {
			t.Fatalf("reset alex: %v", d)
		}
		if d := evaluate(`"action":"user.reset_password","target_id":"blake"`); d["code"] != "outside_ous" || !strings.Contains(d["reason"].(string), "no virtual OU") {
			t.Fatalf("reset blake: %v", d)
		}
		if d := evaluate(`"action":"licence.assign","target_id":"alex","params":{"sku_id":"sku-e3","disabled_plans":[]}`); d["code"] != "restricted_plan" {
			t.Fatalf("restricted: %v", d)
		}
		if d := evaluate(`"action":"licence.assign","target_id":"alex","params":{"sku_id":"sku-e3"}`); d["allowed"] != true || fmt.Sprint(d["disabled_plans"]) != "[plan-yammer]" {
			t.Fatalf("assign alex: %v", d)
		}
		if d := evaluate(`"action":"user.delete","target_id":"alex"`); d["code"] != "action_not_granted" {
			t.Fatalf("delete alex: %v", d)
		}
		f.do("PUT", "/api/v1/m365/ous/"+child+"/required-attributes", tok, `{"required_attributes":[{"attribute":"usageLocation","value":"DE"}]}`).
			wantStatus(t, "required", 200)
		var rep struct {
			Total      int `json:"total_deviations"`
			Deviations []struct {
				ID     string
				Change struct{ Method, Path string }
			}
		}
		f.do("GET", "/api/v1/m365/connections/"+conn+"/compliance", f.a.viewerToken, nil).decode(t, &rep)
		if rep.Total != 1 || rep.Deviations[0].ID != "alex" || rep.Deviations[0].Change.Path != "/users/alex" {
			t.Fatalf("compliance %+v", rep)
		}
		// The viewer reads, but neither writes nor sees delegations; the
		// other organisation finds nothing.
		f.do("GET", "/api/v1/m365/delegations", f.a.viewerToken, nil).wantError(t, "viewer lists delegations", 403, domain.CodeForbidden)
		f.do("DELETE", "/api/v1/m365/policies/"+pol, f.a.viewerToken, nil).wantError(t, "viewer deletes", 403, domain.CodeForbidden)
		f.do("GET", "/api/v1/m365/ous/"+child, f.b.ownerToken, nil).wantError(t, "B reads A's OU", 404, domain.CodeNotFound)
		f.do("GET", "/api/v1/m365/connections/"+conn+"/compliance", f.b.ownerToken, nil).wantError(t, "B reads A's compliance", 404, domain.CodeNotFound)
		var bList listJSON[struct{ ID string }]
		f.do("GET", "/api/v1/m365/ous", f.b.ownerToken, nil).decode(t, &bList)
		if len(bList.Items) != 1 || bList.Items[0].ID != f.b.dlg.ouID {
			t.Fatalf("B's OUs %+v", bList.Items)
		}
		var audit listJSON[auditJSON]
		f.do("GET", "/api/v1/audit?limit=100", tok, nil).decode(t, &audit)
		seen := map[string]bool{}
		for _, e := range audit.Items {
			seen[e.Action] = true
		}
		for _, a := range []string{"m365.ou.create", "m365.ou.licence_policies", "m365.ou.configuration", "m365.policy.create", "m365.delegation.create"} {
			if !seen[a] {
				t.Errorf("audit lacks %s", a)
			}
		}
	})
}

// Editing in place through the API: a delegation moves to another OU and
// policy (audited with what it was); the configuration policy requires
// MFA registration and turns on automatic remediation; an OU scoped by
// manager lists the manager's reports.
func TestDelegationEditAPI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tok, conn := f.a.ownerToken, f.a.dlg.connID
		res := f.do("POST", "/api/v1/m365/ous", tok, `{"connection_id":"`+conn+`","name":"Marketing","rules":[{"conditions":[{"attribute":"department","operator":"equals","values":["Marketing"]}]}]}`)
		res.wantStatus(t, "create", http.StatusCreated)
		mkt := res.json(t)["id"].(string)
		res = f.do("POST", "/api/v1/m365/policies", tok, `{"name":"Sessions","actions":["user.revoke_sessions"]}`)
		res.wantStatus(t, "policy", http.StatusCreated)
		pol := res.json(t)["id"].(string)
		res = f.do("PUT", "/api/v1/m365/delegations/"+f.a.dlg.delegationID, tok, `{"user_id":"`+f.a.owner.ID+`","ou_id":"`+mkt+`","policy_id":"`+pol+`"}`)
		res.wantStatus(t, "update delegation", 200)
		if d := res.json(t); d["ou_name"] != "Marketing" || d["policy_name"] != "Sessions" || d["id"] != f.a.dlg.delegationID {
			t.Fatalf("updated %s", res.body)
		}
		f.do("PUT", "/api/v1/m365/delegations/"+f.a.dlg.delegationID, tok, `{"user_id":"`+f.a.owner.ID+`","ou_id":"nope","policy_id":"`+pol+`"}`).
			wantError(t, "bad OU", 400, domain.CodeInvalid)
		f.do("PUT", "/api/v1/m365/delegations/"+f.a.dlg.delegationID, f.b.ownerToken, `{"user_id":"`+f.b.owner.ID+`","ou_id":"`+f.b.dlg.ouID+`","policy_id":"`+f.b.dlg.policyID+`"}`).
			wantError(t, "B updates A's delegation", 404, domain.CodeNotFound)
		f.do("PUT", "/api/v1/m365/delegations/"+f.a.dlg.delegationID, f.a.viewerToken, `{}`).wantError(t, "viewer updates", 403, domain.CodeForbidden)

		res = f.do("PUT", "/api/v1/m365/ous/"+mkt+"/required-attributes", tok, `{"required_attributes":[{"attribute":"mfaRegistered","value":"true"}],"auto_remediate":true}`)
		res.wantStatus(t, "required", 200)
		if o := res.json(t); o["auto_remediate"] != true {
			t.Fatalf("OU %s", res.body)
		}
		var rep struct {
			Deviations []struct {
				ID, Current, Manual string
				Auto                bool   `json:"auto_remediate"`
				Suggested           string `json:"suggested_action"`
			}
		}
		f.do("GET", "/api/v1/m365/connections/"+conn+"/compliance", tok, nil).decode(t, &rep)
		if len(rep.Deviations) != 1 || rep.Deviations[0].ID != "blake" || rep.Deviations[0].Current != "unknown" || !rep.Deviations[0].Auto ||
			rep.Deviations[0].Suggested != "user.revoke_sessions" || rep.Deviations[0].Manual == "" {
			t.Fatalf("compliance %+v", rep)
		}
		f.do("POST", "/api/v1/m365/ous", tok, `{"connection_id":"`+conn+`","name":"Reports","rules":[{"conditions":[{"attribute":"reportsTo","operator":"equals","values":["alex"]}]}]}`).
			wantStatus(t, "reportsTo OU", http.StatusCreated)
		var audit listJSON[auditJSON]
		f.do("GET", "/api/v1/audit?limit=100", tok, nil).decode(t, &audit)
		found := false
		for _, e := range audit.Items {
			found = found || e.Action == "m365.delegation.update"
		}
		if !found {
			t.Error("audit lacks m365.delegation.update")
		}
	})
}
