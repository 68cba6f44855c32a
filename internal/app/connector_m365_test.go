package app

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/m365analytics"
	"github.com/canopyhq/canopy/internal/store"
)

// canopy demo's seeder consents Contoso, connects it and syncs it once;
// the directory page and API then show its users to the demo
// organisation, and another organisation sees none.
func TestDemoSeedsAndSyncsMicrosoft365(t *testing.T) {
	a, srv := openServingApp(t)
	ctx := context.Background()
	cloud, org := startDemoOrg(t, a)
	conn := waitM365Sync(t, a, org.ID)
	if seedM365Demo(ctx, a, cloud, org.ID) != nil || len(listConns(t, a, org.ID, connect.KindM365)) != 1 {
		t.Fatal("a second seeding run did not find the connection")
	}
	want := len(cloud.Graph.Users(cloud.Demo.Customer.ID))
	demoHasAnalytics(t, a, org.ID, conn)
	addOwner(t, a, "other@acme.test", "correct horse battery staple 42")
	member := addMember(t, a, org.ID, "reader@contoso.test", "correct horse battery staple 43")

	tokA, tokB := apiToken(t, a, member, org.ID), apiToken(t, a, userID(t, a, "other@acme.test"), "")
	if n := countAPIUsers(t, srv.URL, tokA); n != want {
		t.Fatalf("API lists %d users of %d (connection %s)", n, want, conn)
	}
	if n := countAPIUsers(t, srv.URL, tokB); n != 0 {
		t.Fatalf("org B lists %d users through the API", n)
	}
	first := cloud.Graph.Users(cloud.Demo.Customer.ID)[0]
	pageA := signedInGet(t, srv.URL, "reader@contoso.test", "correct horse battery staple 43", "/directory?q="+url.QueryEscape(first.UserPrincipalName))
	if !strings.Contains(pageA, first.ID) || !strings.Contains(pageA, "SPE_E3") {
		t.Fatalf("directory page lacks %s or the licences", first.DisplayName)
	}
	pageB := signedInGet(t, srv.URL, "other@acme.test", "correct horse battery staple 42", "/directory")
	if strings.Contains(pageB, first.ID) || !strings.Contains(pageB, "No users match.") {
		t.Fatal("org B's directory page shows Contoso's users")
	}
}

func listConns(t *testing.T, a *App, orgID string, kind connect.Kind) []connect.Connection {
	t.Helper()
	list, err := a.Store.ListConnections(context.Background(), orgID)
	if err != nil {
		t.Fatal(err)
	}
	var out []connect.Connection
	for _, c := range list {
		if c.Kind == string(kind) {
			out = append(out, c)
		}
	}
	return out
}

// waitM365Sync waits for the demo's Microsoft 365 sync to succeed.
func waitM365Sync(t *testing.T, a *App, orgID string) string {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second) // a bound for a loaded machine, not a timing check
	for {
		for _, c := range listConns(t, a, orgID, connect.KindM365) {
			if c.Kind != string(connect.KindM365) {
				continue
			}
			list, _ := a.Store.ListSyncs(context.Background(), orgID, c.ID, 1, nil)
			if len(list) == 1 && list[0].Finished() {
				if list[0].State != store.SyncSucceeded {
					t.Fatalf("demo sync %s: %s %s", list[0].State, list[0].Error, list[0].Warnings)
				}
				return c.ID
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the demo's Microsoft 365 sync did not finish in 30 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func addMember(t *testing.T, a *App, orgID, email, password string) string {
	t.Helper()
	u, err := a.createDemoUser(context.Background(), email, "Reader", password)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Store.AddMember(context.Background(), orgID, u.ID, []domain.RoleGrant{{Role: auth.RoleFinOps}}, domain.Now()); err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func userID(t *testing.T, a *App, email string) string {
	u, err := a.Store.GetUserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func apiToken(t *testing.T, a *App, uid, orgID string) string {
	t.Helper()
	ctx := context.Background()
	if orgID == "" {
		var err error
		if orgID, err = a.Auth.DefaultOrg(ctx, uid, ""); err != nil {
			t.Fatal(err)
		}
	}
	p, err := a.Auth.LoadPrincipal(ctx, uid, orgID)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := a.Auth.CreateAPIToken(ctx, p, "test", time.Hour, audit.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// countAPIUsers pages through /api/v1/directory/users.
func countAPIUsers(t *testing.T, base, token string) int {
	t.Helper()
	n, cursor := 0, ""
	for {
		req, _ := http.NewRequest("GET", base+"/api/v1/directory/users?limit=120&cursor="+url.QueryEscape(cursor), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Items      []map[string]any `json:"items"`
			NextCursor string           `json:"next_cursor"`
		}
		err = json.NewDecoder(res.Body).Decode(&body)
		res.Body.Close()
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("directory API: %d %v", res.StatusCode, err)
		}
		n += len(body.Items)
		if cursor = body.NextCursor; cursor == "" {
			return n
		}
	}
}

// signedInGet signs in with a password and returns the page at path.
func signedInGet(t *testing.T, base, email, password, path string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	for _, step := range []struct {
		path string
		form url.Values
	}{{"/signin", url.Values{"email": {email}}}, {"/signin/password", url.Values{"email": {email}, "password": {password}}}} {
		res, err := c.PostForm(base+step.path, step.form)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	res, err := c.Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || res.Request.URL.Path != "/directory" {
		t.Fatalf("GET %s as %s: %d at %s", path, email, res.StatusCode, res.Request.URL.Path)
	}
	return string(b)
}

// demoHasAnalytics checks that the demo tenant's sync imported the usage
// reports: licences and active users per service, without a no-data
// reason, names not concealed.
func demoHasAnalytics(t *testing.T, a *App, orgID, conn string) {
	t.Helper()
	sys, err := a.Auth.SystemPrincipal(context.Background(), orgID)
	if err != nil {
		t.Fatal(err)
	}
	o, err := m365analytics.New(a.Store).Overview(context.Background(), sys, conn, 30)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Licences.Rows) == 0 || o.Licences.NoData != nil || o.Services.NoData != nil || o.Status.Concealed || len(o.Trends.Days) == 0 {
		t.Fatalf("demo analytics: licences %+v services %+v status %+v", o.Licences, o.Services, o.Status)
	}
	// The demo's service account (svc-reports, a Global Reader) read the
	// mailbox statistics in the first sync.
	if m := o.Mailboxes; m.NoData != nil || m.Total.Mailboxes == 0 || len(m.Largest) == 0 {
		t.Fatalf("demo mailboxes: %+v", m)
	}
}
