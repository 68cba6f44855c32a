package api_test

import (
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// The action endpoints need membership plus a delegation (or
// m365.manage); each target is then authorized, refusals are answered
// per target and audited. (Execution through Graph is tested against the
// sandbox Graph in internal/delegation.)
func TestDelegationActionsAPI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		conn := f.a.dlg.connID
		path := "/api/v1/m365/connections/" + conn + "/actions"
		f.do("POST", "/api/v1/m365/delegations", f.a.ownerToken, `{"user_id":"`+f.a.viewer.ID+`","ou_id":"`+f.a.dlg.ouID+`","policy_id":"`+f.a.dlg.policyID+`"}`).
			wantStatus(t, "delegate the viewer", 201)
		tok := f.a.viewerToken

		res := f.do("POST", path, tok, `{"action":"user.reset_password","target_ids":["blake"]}`)
		res.wantStatus(t, "outside the OU", 200)
		if b := string(res.body); !strings.Contains(b, `"status":"refused"`) || !strings.Contains(b, `"code":"outside_ous"`) || !strings.Contains(b, `"refused":1`) {
			t.Fatalf("outside the OU: %s", b)
		}
		res = f.do("POST", path, tok, `{"action":"user.revoke_sessions","target_id":"alex"}`)
		if b := string(res.body); !strings.Contains(b, `"code":"action_not_granted"`) {
			t.Fatalf("not granted: %s", b)
		}
		res = f.do("POST", path, tok, `{"action":"user.reset_password","target_ids":["alex","nobody"],"params":{"password":"weak"}}`)
		res.wantError(t, "weak password", 400, domain.CodeInvalid)
		f.do("POST", path, tok, `{"action":"user.explode","target_ids":["alex"]}`).wantError(t, "unknown action", 400, domain.CodeInvalid)
		f.do("POST", path, tok, `{"action":"user.set_department","target_ids":["alex"],"params":{"attributes":{"city":"Paris"}}}`).
			wantError(t, "wrong attribute", 400, domain.CodeInvalid)

		// A member with neither a delegation nor m365.manage is stopped before the body is read.
		fin := f.member(f.a.org, "fin-actions@alpha.test", auth.RoleFinOps)
		finTok, _ := f.insertToken(fin.ID, f.a.org.ID, nil)
		f.do("POST", path, finTok, `{"junk":`).wantError(t, "not delegated", 403, domain.CodeForbidden)
		f.do("POST", "/api/v1/m365/connections/"+conn+"/compliance/remediate", finTok, `{"all":true}`).wantError(t, "remediate, not delegated", 403, domain.CodeForbidden)
		f.do("POST", "/api/v1/m365/connections/"+conn+"/compliance/remediate", tok, `{}`).wantError(t, "remediate nothing", 400, domain.CodeInvalid)
		// Another organisation's connection does not exist for this caller.
		f.do("POST", "/api/v1/m365/connections/"+f.b.dlg.connID+"/actions", f.a.ownerToken, `{"action":"user.revoke_sessions","target_ids":["alex"]}`).
			wantError(t, "other org", 404, domain.CodeNotFound)

		log, err := f.st.ListAudit(f.ctx, f.a.org.ID, store.AuditFilter{Action: "m365.action.", Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		var refused int
		for _, e := range log.Items {
			if e.ActorID == f.a.viewer.ID && strings.Contains(e.Details, `"status":"refused"`) {
				refused++
			}
		}
		if refused != 2 {
			t.Fatalf("%d refusals audited, want 2", refused)
		}
	})
}
