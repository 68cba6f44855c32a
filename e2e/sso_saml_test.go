package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/sso/saml/samltest"
)

// An owner sets up a SAML connection in Settings from the identity
// provider's metadata URL (crewjam/saml's IdP on loopback), the IdP reads
// Canopy's SP metadata from the link on the settings page, and a member of
// the federated domain types only her email, passes the IdP's and
// Canopy's self-submitting forms and lands on the overview signed in;
// signing out ends her session at the IdP too (single logout).
func TestSingleSignOnWithSAML(t *testing.T) {
	t.Parallel()
	idp := samltest.New(t, "sam@saml.test", "Sam", "Smith")
	n := startNode(t, nodeConfig{})
	pw := n.addUser(t, "olivia@acme.test", "Acme", "owner")
	n.addUser(t, "sam@saml.test", "Acme", "viewer")
	b := newTab(t, n.URL)
	b.firstSignIn("olivia@acme.test", pw)

	if st := b.open("/settings/sso/new?kind=saml"); st != http.StatusOK {
		t.Fatalf("new connection form: status %d", st)
	}
	b.fill("#sso-name", "Corp SAML")
	b.fill("#sso-domains", "saml.test")
	b.fill("#sso-settings_json", `{"metadata_url":"`+idp.URL+`/metadata"}`)
	b.click("#sso-enabled")
	if st := b.submit("#save-sso"); st != http.StatusOK {
		t.Fatalf("save connection: status %d", st)
	}
	b.mustSee("Single sign-on connection saved.", "/login/metadata?connection=")
	href := b.textOf("#sso-metadata")
	md := fetch(t, "GET", href, nil, nil, "")
	if md.Status != http.StatusOK || !strings.Contains(md.Body, "urn:canopy:sso_") {
		t.Fatalf("SP metadata at %s: %d", href, md.Status)
	}
	idp.Register(t, []byte(md.Body))
	b.signOut()

	b.fill("#email", "sam@saml.test")
	if st := b.submit(emailContinue); st != http.StatusOK {
		t.Fatalf("sign-in through the IdP: status %d", st)
	}
	waitAcrossPages(b, "the overview", `location.pathname === "/" && document.body.innerText.includes("You are working in Acme")`)
	b.mustSee("You are working in Acme")

	// Signing out sends a signed LogoutRequest to the IdP, whose signed
	// LogoutResponse comes back to Canopy's single logout service.
	b.singleSignOut("Corp SAML")
	if got := idp.LoggedOut(); len(got) != 1 || got[0] != "sam@saml.test" {
		t.Fatalf("the IdP ended the sessions of %v", got)
	}
}
