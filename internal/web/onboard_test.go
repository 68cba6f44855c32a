package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/config"
	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// awsStub probes without AWS: costs work, Trusted Advisor needs a plan.
type awsStub struct{}

func (awsStub) Kind() connect.Kind { return connect.KindAWS }

func (awsStub) Sync(context.Context, connect.Connection, []byte, *connect.Run) error { return nil }

func (awsStub) Probe(context.Context, connect.Env, connect.Connection, []byte) ([]connect.Check, error) {
	return []connect.Check{{Feature: "Costs", Needs: "ce:GetCostAndUsage", Granted: true, Detail: "Works"},
		{Feature: "Recommendations from Trusted Advisor", Needs: "support:*", Detail: "SubscriptionRequiredException", Fix: "web-test-tag-contributor"}}, nil
}

const awsTestSecret = "AWS-SECRET-never-shown-9d1c"

func awsForm(over map[string]string) url.Values {
	f := url.Values{"name": {"Prod AWS"}, "account_id": {"123456789012"}, "auth": {"keys"}, "access_key_id": {"AKIAEXAMPLE"},
		"secret_access_key": {awsTestSecret}, "ce_recommendations": {"on"}}
	for k, v := range over {
		f.Set(k, v)
	}
	return f
}

func TestAWSOnboardingForm(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.ui.Connections.Connectors.Register(awsStub{})
		owner, viewer := f.client("owner-a@example.com"), f.client("viewer-a@example.com")
		for _, rt := range []struct{ method, path string }{{"GET", "/connections/aws/new"}, {"POST", "/connections/aws/test"}, {"POST", "/connections/aws"},
			{"POST", "/connections/m365/consent"}, {"GET", "/connections/m365/callback"}} {
			if code, _ := f.do(viewer, rt.method, rt.path, awsForm(nil)); code != http.StatusForbidden {
				t.Errorf("viewer %s %s: %d, want 403", rt.method, rt.path, code)
			}
		}
		code, body := f.do(owner, "GET", "/connections/aws/new", nil)
		ext := between(body, `id="aws-generated-external-id" type="text" readonly value="`, `"`)
		if code != 200 || !strings.HasPrefix(ext, "canopy-") || !strings.Contains(body, "sts:ExternalId") || !strings.Contains(body, "ce:GetCostAndUsage") {
			t.Fatalf("form: %d external ID %q", code, ext)
		}
		if _, again := f.do(owner, "GET", "/connections/aws/new", nil); !strings.Contains(again, ext) {
			t.Fatal("the external ID changed before the connection was saved")
		}
		for field, bad := range map[string]map[string]string{"account_id": {"account_id": "12345"}, "role": {"auth": "role", "role": "arn:aws:iam::999999999999:role/X"},
			"secret_access_key": {"secret_access_key": ""}, "external_id": {"auth": "role", "role": "R", "own_external_id": "on", "external_id": "!"}} {
			code, body := f.do(owner, "POST", "/connections/aws", awsForm(bad))
			if code != 400 || !strings.Contains(body, `id="aws-`+field+`-error"`) || strings.Contains(body, awsTestSecret) {
				t.Errorf("%s: %d, field error shown %v, secret shown %v", field, code, strings.Contains(body, field+"-error"), strings.Contains(body, awsTestSecret))
			}
		}
		code, body = f.do(owner, "POST", "/connections/aws/test", awsForm(nil))
		if code != 200 || !strings.Contains(body, `data-granted="true"`) || !strings.Contains(body, `href="/help/web-test-tag-contributor"`) || strings.Contains(body, awsTestSecret) {
			t.Fatalf("test connection: %d (secret shown %v)", code, strings.Contains(body, awsTestSecret))
		}
		if list, _ := f.st.ListConnections(context.Background(), f.orgs["A"].ID); len(list) != 0 {
			t.Fatal("Test connection saved something")
		}
		id := f.addAWS(owner, awsForm(map[string]string{"auth": "role", "role": "CanopyReadOnly"}))
		c, err := f.st.GetConnection(context.Background(), f.orgs["A"].ID, id)
		if err != nil || !strings.Contains(string(c.Settings), `"external_id":"`+ext+`"`) || !strings.Contains(string(c.Settings), "arn:aws:iam::123456789012:role/CanopyReadOnly") {
			t.Fatalf("saved %s %v", c.Settings, err)
		}
		if syncs, _ := f.st.ListSyncs(context.Background(), c.OrgID, c.ID, 5, nil); len(syncs) != 1 {
			t.Fatalf("first sync not queued: %d", len(syncs))
		}
		if _, body := f.do(owner, "GET", "/connections/aws/new", nil); strings.Contains(body, ext) {
			t.Fatal("the saved connection's external ID is offered again")
		}
		id = f.addAWS(owner, awsForm(map[string]string{"name": "Keys AWS"}))
		if _, body := f.do(owner, "GET", "/connections/"+id, nil); strings.Contains(body, awsTestSecret) {
			t.Fatal("connection page shows the secret access key")
		}
	})
}

func (f *fixture) addAWS(c *http.Client, form url.Values) string {
	f.t.Helper()
	req, _ := http.NewRequest("POST", f.srv.URL+"/connections/aws", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	resp.Body.Close()
	m := connURL.FindStringSubmatch(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || m == nil {
		f.t.Fatalf("save AWS: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return m[1]
}

func between(s, from, to string) string {
	_, after, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(after, to)
	return v
}

// The Microsoft 365 consent: the form sends the browser on to Entra's
// admin-consent URL with a state; a callback with another state, or with
// Entra's refusal, creates nothing and says why.
func TestM365ConsentStartAndRefusals(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.ui.Connections.Env = connect.Env{PublicURL: "https://canopy.example", Clouds: config.Clouds{AzureClientID: "canopy-app",
			AzureClientSecret: "APP-SECRET-web", AzureAuthority: "https://login.example/"}}
		owner := f.client("owner-a@example.com")
		if code, body := f.do(owner, "POST", "/connections/m365/consent", url.Values{"m365_name": {"M365"}, "m365_tenant": {"not a tenant"}}); code != http.StatusSeeOther {
			t.Fatalf("bad tenant: %d %s", code, body)
		}
		code, body := f.do(owner, "POST", "/connections/m365/consent", url.Values{"m365_name": {"M365"}, "m365_tenant": {"contoso.onmicrosoft.com"}})
		to := strings.ReplaceAll(between(body, `id="azure-continue" href="`, `"`), "&amp;", "&")
		if to == "" {
			to = strings.ReplaceAll(between(body, `href="`+"https://login.example/", `"`), "&amp;", "&")
		}
		u, err := url.Parse(strings.ReplaceAll(between(body, `url=`, `"`), "&amp;", "&"))
		if code != 200 || err != nil || !strings.Contains(u.Path, "/contoso.onmicrosoft.com/v2.0/adminconsent") ||
			u.Query().Get("scope") != "https://graph.microsoft.com/.default" || u.Query().Get("redirect_uri") != "https://canopy.example/connections/m365/callback" {
			t.Fatalf("consent start: %d %v %q", code, err, u)
		}
		st := u.Query().Get("state")
		if code, body := f.do(owner, "GET", "/connections/m365/callback?admin_consent=True&tenant=x&state=forged", nil); code != 400 || !strings.Contains(body, "Start again") {
			t.Fatalf("forged state: %d", code)
		}
		f.do(owner, "POST", "/connections/m365/consent", url.Values{"m365_name": {"M365"}, "m365_tenant": {"contoso.onmicrosoft.com"}})
		_ = st
		code, body = f.do(owner, "GET", "/connections/m365/callback?"+url.Values{"state": {stateOf(t, f, owner)}, "error": {"access_denied"},
			"error_description": {"AADSTS65004: User declined to consent to access the app."}}.Encode(), nil)
		if code != 400 || !strings.Contains(body, "AADSTS65004") || !strings.Contains(body, "Global Administrator") {
			t.Fatalf("declined: %d", code)
		}
		if list, _ := f.st.ListConnections(context.Background(), f.orgs["A"].ID); len(list) != 0 {
			t.Fatal("a refused consent created a connection")
		}
	})
}

// stateOf starts a consent and returns its state.
func stateOf(t *testing.T, f *fixture, c *http.Client) string {
	t.Helper()
	_, body := f.do(c, "POST", "/connections/m365/consent", url.Values{"m365_name": {"M365"}, "m365_tenant": {"contoso.onmicrosoft.com"}})
	u, err := url.Parse(strings.ReplaceAll(between(body, `url=`, `"`), "&amp;", "&"))
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("state")
}
