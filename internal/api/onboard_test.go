package api_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// The onboarding steps through the API: a new external ID with its
// policies, a probe of unsaved values, and admin-consent URLs whose state
// is bound to the caller's organisation. Viewers get 403 (see the
// permission test over every route).
func TestOnboardingThroughTheAPI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tok := f.a.ownerToken
		f.do("POST", "/api/v1/connections/aws/external-id", tok, `{"account_id":"123"}`).wantError(t, "short account", 400, domain.CodeInvalid)
		f.do("POST", "/api/v1/connections/aws/external-id", f.a.viewerToken, `{"account_id":"123456789012"}`).wantError(t, "viewer", 403, domain.CodeForbidden)
		var ext struct{ ExternalID, TrustPolicy, IAMPolicy string }
		res := f.do("POST", "/api/v1/connections/aws/external-id", tok, `{"account_id":"123456789012"}`)
		res.wantStatus(t, "external id", 200)
		m := res.json(t)
		ext.ExternalID, ext.TrustPolicy, ext.IAMPolicy = m["external_id"].(string), m["trust_policy"].(string), m["iam_policy"].(string)
		if !strings.HasPrefix(ext.ExternalID, "canopy-") || !strings.Contains(ext.TrustPolicy, ext.ExternalID) || !strings.Contains(ext.IAMPolicy, "ce:GetCostAndUsage") {
			t.Fatalf("external id %+v", ext)
		}
		f.do("POST", "/api/v1/connections/test", tok, `{"kind":"aws","settings":[1]}`).wantError(t, "bad settings", 400, domain.CodeInvalid)
		res = f.do("POST", "/api/v1/connections/test", tok, `{"kind":"aws","settings":{"account_id":"123456789012","auth":"keys"},"secret":"PROBE-SECRET-1"}`)
		res.wantStatus(t, "test", 200)
		if strings.Contains(string(res.body), "PROBE-SECRET-1") || !strings.Contains(string(res.body), `"fix_url":"/help/aws-support-plan"`) {
			t.Fatalf("test: %s", res.body)
		}
		f.do("POST", "/api/v1/connections/gcp/consent", tok, `{"name":"x","tenant":"contoso.com"}`).wantError(t, "gcp", 404, domain.CodeNotFound)
		f.do("POST", "/api/v1/connections/m365/consent", tok, `{"name":"x","tenant":"not a tenant"}`).wantError(t, "tenant", 400, domain.CodeInvalid)
		for kind, scope := range map[string]string{"m365": "https://graph.microsoft.com/.default", "partnercenter": "https://api.partnercenter.microsoft.com/.default",
			"azure": "https://management.azure.com/.default https://graph.microsoft.com/.default"} {
			res = f.do("POST", "/api/v1/connections/"+kind+"/consent", tok, `{"name":"Contoso","tenant":"contoso.onmicrosoft.com"}`)
			res.wantStatus(t, kind+" consent", 200)
			m := res.json(t)
			u, err := url.Parse(m["consent_url"].(string))
			if err != nil || u.Query().Get("scope") != scope || u.Query().Get("state") != m["state"] || !strings.HasSuffix(m["callback_url"].(string), "/connections/"+kind+"/callback") {
				t.Fatalf("%s consent %v %v", kind, m, err)
			}
			var v map[string]any
			if err := f.conns.OpenState(f.b.org.ID, m["state"].(string), &v); err == nil {
				t.Fatalf("%s: org A's consent state opens for org B", kind)
			}
			if err := f.conns.OpenState(f.a.org.ID, m["state"].(string), &v); err != nil {
				t.Fatalf("%s: own state: %v", kind, err)
			}
		}
	})
}
