package e2e

import (
	"net/http"
	"testing"

	"github.com/canopyhq/canopy/internal/sso/wsfed/wsfedtest"
)

// An owner sets up a WS-Federation (ADFS) connection in Settings from the
// STS's federation metadata URL (the loopback STS of package wsfedtest)
// and enables it; a member of the federated domain types only her email,
// is sent to the STS, signs in on its form, passes the STS's and Canopy's
// self-submitting forms and lands on the overview signed in.
func TestSingleSignOnWithWSFederation(t *testing.T) {
	t.Parallel()
	sts := wsfedtest.New(t, "wendy@adfs.test", "Wendy", "Fed")
	n := startNode(t, nodeConfig{})
	pw := n.addUser(t, "olivia@acme.test", "Acme", "owner")
	n.addUser(t, "wendy@adfs.test", "Acme", "viewer")
	b := newTab(t, n.URL)
	b.firstSignIn("olivia@acme.test", pw)

	if st := b.open("/settings/sso/new?kind=wsfed"); st != http.StatusOK {
		t.Fatalf("new connection form: status %d", st)
	}
	b.fill("#sso-name", "Corp ADFS")
	b.fill("#sso-domains", "adfs.test")
	b.fill("#sso-metadata_url", sts.MetadataURL())
	b.click("#sso-enabled")
	if st := b.submit("#save-sso"); st != http.StatusOK {
		t.Fatalf("save connection: status %d", st)
	}
	b.mustSee("Single sign-on connection saved.", "WS-Federation realm", "urn:canopy:sso_", "last fetched")
	b.mustNotSee("The last refresh")
	b.signOut()

	b.fill("#email", "wendy@adfs.test")
	if st := b.submit(emailContinue); st != http.StatusOK {
		t.Fatalf("email step: status %d", st)
	}
	waitAcrossPages(b, "the STS's sign-in form", `location.pathname === "/adfs/ls/" && !!document.querySelector("#sts-signin")`)
	if v := evalJS[string](b, `document.querySelector("#username").value`); v != "wendy@adfs.test" {
		t.Fatalf("the STS was not given the email as username hint: %q", v)
	}
	if st := b.submit("#sts-signin"); st != http.StatusOK {
		t.Fatalf("sign-in at the STS: status %d", st)
	}
	waitAcrossPages(b, "the overview", `location.pathname === "/" && document.body.innerText.includes("You are working in Acme")`)
	b.mustSee("You are working in Acme")
}
