package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

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
	b.fill("#sso-metadata_url", idp.URL+"/metadata")
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

// The SAML settings entered by hand in the form's own fields (entity ID,
// sign-in URL, a pasted certificate, POST binding, NameID format), also on
// a phone-wide screen. The certificate pasted first is not the identity
// provider's: the member who signs in sees only the generic refusal, and
// the audit log names signature_invalid. With the right certificate the
// same member signs in over the POST binding.
func TestSAMLRefusalAndPostBindingInBrowser(t *testing.T) {
	t.Parallel()
	idp := samltest.New(t, "sam@saml.test", "Sam", "Smith")
	_, stranger := samltest.KeyPair(t, "not the identity provider")
	n := startNode(t, nodeConfig{})
	otp := n.addUser(t, "olivia@acme.test", "Acme", "owner")
	n.addUser(t, "sam@saml.test", "Acme", "viewer")
	b := newTab(t, n.URL)
	b.do("1024x768 window", chromedp.EmulateViewport(1024, 768))
	pw := b.firstSignIn("olivia@acme.test", otp)

	if st := b.open("/settings/sso/new?kind=saml"); st != http.StatusOK {
		t.Fatalf("new connection form: status %d", st)
	}
	b.fill("#sso-name", "Corp SAML by hand")
	b.fill("#sso-domains", "saml.test")
	b.fill("#sso-idp_entity_id", idp.URL+"/metadata")
	b.fill("#sso-sign_in_url", idp.URL+"/sso")
	pasteCertificate(b, samltest.CertPEM(stranger))
	b.do("choose the POST binding and email NameIDs", evalVoid(`document.querySelector("#sso-binding").value = "post";
		document.querySelector("#sso-name_id_format").value = "email"`))
	b.click("#sso-enabled")
	if st := b.submit("#save-sso"); st != http.StatusOK {
		t.Fatalf("save connection: status %d", st)
	}
	b.mustSee("Single sign-on connection saved.", "Canopy's signing certificates", "Current (signs)")
	settings := b.path()
	if got := evalJS[[]string](b, `["#sso-binding", "#sso-name_id_format", "#sso-sign_in_url"].map(s => document.querySelector(s).value)`); strings.Join(got, " ") != "post email "+idp.URL+"/sso" {
		t.Fatalf("saved fields read back %v", got)
	}
	b.do("390x844 window", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	noHorizontalScroll(b, settings)
	if !b.visible("#sso-certificates") || !b.visible("#save-sso") || !b.visible("#sso-sp-rotate") {
		t.Fatal("the SAML form is not usable on a phone")
	}
	b.do("1024x768 window", chromedp.EmulateViewport(1024, 768))
	md := fetch(t, "GET", n.URL+"/login/metadata?connection="+strings.TrimPrefix(settings, "/settings/sso/"), nil, nil, "")
	if md.Status != http.StatusOK {
		t.Fatalf("SP metadata: %d", md.Status)
	}
	idp.Register(t, []byte(md.Body))
	b.signOut()

	samSignsIn(b)
	waitAcrossPages(b, "the refusal", `location.pathname === "/login/callback" && document.body.innerText.includes("Single sign-on did not work")`)
	b.mustNotSee("signature", "certificate")

	b.open("/signin")
	b.signIn("olivia@acme.test", pw)
	if st := b.open("/settings/audit?action=user.sso_failed"); st != http.StatusOK {
		t.Fatalf("audit log: status %d", st)
	}
	b.mustSee("signature_invalid")

	b.open(settings)
	pasteCertificate(b, idp.CertPEM())
	if st := b.submit("#save-sso"); st != http.StatusOK {
		t.Fatalf("save the right certificate: status %d", st)
	}
	b.mustSee("Single sign-on connection saved.")
	b.signOut()
	samSignsIn(b)
	waitAcrossPages(b, "the overview", `location.pathname === "/" && document.body.innerText.includes("You are working in Acme")`)
}

// pasteCertificate puts a PEM certificate into the connection form's
// certificates field, as pasting does.
func pasteCertificate(b *tab, pem string) {
	b.t.Helper()
	b.do("paste the certificate", evalVoid(`document.querySelector("#sso-certificates").value = `+jsString(pem)))
}

// samSignsIn types Sam's email at the sign-in page; the POST binding's
// page posts the request to the IdP by itself.
func samSignsIn(b *tab) {
	b.t.Helper()
	if p := b.path(); p != "/signin" {
		b.open("/signin")
	}
	b.fill("#email", "sam@saml.test")
	b.click(emailContinue)
}
