package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/connect"
	awsconn "github.com/canopyhq/canopy/internal/connect/aws"
	"github.com/canopyhq/canopy/internal/sandbox"
	"github.com/canopyhq/canopy/internal/store"
)

// waitSynced waits until every connection of the org has a finished sync.
func waitSynced(t *testing.T, a *App, p *auth.Principal) map[string]connect.Overview {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		list, err := a.Connections.Overviews(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		out, done := map[string]connect.Overview{}, len(list) > 0
		for _, o := range list {
			out[o.Kind] = o
			done = done && o.Last != nil && o.Last.Finished()
		}
		if done {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("demo connections not synced: %+v", list)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// The demo seeders connect the sandbox's AWS account and Partner Center
// partner and sync them: AWS shows the support-plan health error; a
// person opens the AWS connection, follows the error's Fix link to the
// fix page's steps, and finds the connection's external ID on its AWS
// setup page.
func TestDemoAWSHealthErrorAndItsFixPageInTheBrowser(t *testing.T) {
	a, srv := openServingApp(t)
	cloud, err := sandbox.Start(sandbox.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer cloud.Close()
	a.Connections.Env = connect.Env{Clouds: sandboxClouds(cloud), HTTPClient: cloud.CA.Client(), PublicURL: srv.URL}
	ctx := context.Background()
	addOwner(t, a, "ines@acme.test", "correct horse battery staple 42")
	org, _, err := a.findOrCreateOrg(ctx, "Acme")
	if err != nil {
		t.Fatal(err)
	}
	for _, seed := range []demoConnection{seedAWSDemo, seedPartnerCenterDemo, seedAWSDemo} { // the second AWS run finds the first
		if err := seed(ctx, a, cloud, org.ID); err != nil {
			t.Fatal(err)
		}
	}
	sys, _ := a.Auth.SystemPrincipal(ctx, org.ID)
	conns := waitSynced(t, a, sys)
	aws, pc := conns["aws"], conns["partnercenter"]
	if len(conns) != 2 || aws.Last.State != store.SyncPartial || !strings.Contains(string(aws.Last.Warnings), "Trusted Advisor needs a Business or Enterprise support plan") {
		t.Fatalf("AWS demo sync %+v (%s)", aws.Last, aws.Last.Error)
	}
	if pc.Last.State != store.SyncSucceeded || pc.Last.Rows == 0 {
		t.Fatalf("Partner Center demo sync %+v (%s)", pc.Last, pc.Last.Error)
	}

	b := &browser{t: t, ctx: browserTab(t), base: srv.URL}
	b.navigate("/signin")
	b.fill("#email", "ines@acme.test")
	b.submit(`button[type=submit]`)
	b.fill("#password", "correct horse battery staple 42")
	b.submit(`button[type=submit]`)
	b.navigate("/connections/" + aws.ID)
	fix := b.eval(`(document.querySelector('tr[data-feature="Recommendations from Trusted Advisor"] a') || {getAttribute: () => ""}).getAttribute("href")`)
	if fix != "/help/"+awsconn.FixSlug(awsconn.HealthTASupportPlan) {
		t.Fatalf("fix link %q on %s", fix, b.eval(`document.body.innerText`))
	}
	b.submit(`tr[data-feature="Recommendations from Trusted Advisor"] a`)
	if h1 := b.eval(`document.querySelector("h1").innerText`); h1 != "Trusted Advisor needs a Business or Enterprise support plan" {
		t.Fatalf("fix page heading %q", h1)
	}
	if steps := b.eval(`document.querySelector("ol.steps").innerText`); !strings.Contains(steps, "Support plans") {
		t.Fatalf("fix page steps %q", steps)
	}
	b.navigate("/connections/" + aws.ID)
	b.submit("#aws-setup")
	if page := b.eval(`document.body.innerText`); !strings.Contains(page, cloud.Demo.AWS.ExternalID) || !strings.Contains(page, sandbox.DemoCanopyAWSAccount) {
		t.Fatalf("AWS setup page without the external ID or Canopy's account: %s", page)
	}
}
