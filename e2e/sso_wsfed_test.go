package e2e

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/canopyhq/canopy/internal/sso/wsfed/wsfedtest"
)

// An owner sets up a WS-Federation (ADFS) connection in Settings from the
// STS's federation metadata URL (the loopback STS of package wsfedtest)
// and enables it; a member of the federated domain types only her email,
// is sent to the STS, signs in on its form, passes the STS's and Canopy's
// self-submitting forms and lands on the overview signed in. She signs
// out: Canopy sends her to the STS (wsignout1.0), which loads Canopy's
// wsignoutcleanup1.0 in a frame and sends her back to Canopy's signed-out
// page; the old session cookie no longer works. Signed in again, she signs
// out at the STS itself: its cleanup frame ends her Canopy session too.
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

	b.singleSignOut("Corp ADFS")
	if sts.SignOuts() != 1 {
		t.Fatalf("the STS served %d sign-outs, want 1", sts.SignOuts())
	}

	// Signed in again, she signs out at the STS (as from another
	// application): the STS's page loads Canopy's cleanup URL in a frame.
	b.wsfedSignIn("wendy@adfs.test")
	old := b.browserSession()
	b.open(sts.SignInURL() + "?wa=wsignout1.0&wreply=" + url.QueryEscape(b.url("/signin")))
	waitAcrossPages(b, "Canopy's sign-in page after the STS", `location.pathname === "/signin"`)
	if res := fetch(t, "GET", b.url("/profile"), nil, old, ""); res.Status != http.StatusSeeOther {
		t.Fatalf("the session cookie still works after sign-out at the STS: status %d", res.Status)
	}
}

// wsfedSignIn signs in by email through the STS's form.
func (b *tab) wsfedSignIn(email string) {
	b.t.Helper()
	if st := b.open("/signin"); st != http.StatusOK {
		b.fatalf("sign-in page: status %d", st)
	}
	b.fill("#email", email)
	if st := b.submit(emailContinue); st != http.StatusOK {
		b.fatalf("email step: status %d", st)
	}
	waitAcrossPages(b, "the STS's sign-in form", `location.pathname === "/adfs/ls/" && !!document.querySelector("#sts-signin")`)
	if st := b.submit("#sts-signin"); st != http.StatusOK {
		b.fatalf("sign-in at the STS: status %d", st)
	}
	waitAcrossPages(b, "the overview", `location.pathname === "/" && document.body.innerText.includes("You are working in")`)
}
