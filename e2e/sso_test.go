package e2e

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canopyhq/canopy/internal/sso/optest"
)

// An owner sets up OpenID Connect single sign-on in Settings against a
// real provider on loopback (zitadel/oidc's op package, package optest)
// and tests it (the claims show, nobody is signed in); a member of the
// federated domain then types only their email, is sent to the provider,
// clicks Sign in on its page and comes back signed in; a password is no
// longer accepted for them.
func TestSingleSignOnWithOpenIDConnect(t *testing.T) {
	t.Parallel()
	idp := optest.New(t)
	idp.LoginForm = true
	noteSecret(idp.ClientSecret)
	n := startNode(t, nodeConfig{})
	idp.AllowedLogoutURIs = []string{n.URL + "/signed-out"}
	pw := n.addUser(t, "olivia@acme.test", "Acme", "owner")
	annPW := n.addUser(t, "ann@corp.test", "Acme", "viewer")
	b := newTab(t, n.URL)
	b.firstSignIn("olivia@acme.test", pw)

	if st := b.open("/settings/sso/new"); st != http.StatusOK {
		t.Fatalf("new connection form: status %d", st)
	}
	b.fill("#sso-name", "Corp IdP")
	b.fill("#sso-domains", "corp.test")
	b.fill("#sso-issuer", idp.Issuer())
	b.fill("#sso-client_id", idp.ClientID)
	b.fill("#sso-client_secret", idp.ClientSecret)
	b.click("#sso-enabled")
	if st := b.submit("#save-sso"); st != http.StatusOK {
		t.Fatalf("save connection: status %d", st)
	}
	b.mustSee("Single sign-on connection saved.", "/login/callback?connection=", n.URL+"/signed-out")
	b.shot("sso-connection")

	idp.QueueUser(optest.User{Subject: "idp-ann", Email: "ann@corp.test", EmailVerified: true, Name: "Ann Corp", Groups: []string{"finance"}})
	// The answer to the post is a page that goes on to the provider by
	// itself (the CSP's form-action keeps posts on Canopy's origin).
	if st := b.submit("#test-sso"); st != http.StatusOK {
		t.Fatalf("test connection: status %d", st)
	}
	opSignIn(b)
	waitAcrossPages(b, "the test result", `location.pathname.endsWith("/test") && document.querySelector("#sso-test-email") !== null`)
	if !strings.HasSuffix(b.path(), "/test") || b.textOf("#sso-test-email") != "ann@corp.test" {
		t.Fatalf("test result at %s shows email %q", b.path(), b.textOf("#sso-test-email"))
	}
	b.mustSee("Nobody was signed in to Canopy.", "idp-ann", "Ann Corp", "finance")
	b.shot("sso-test-result")
	b.signOut()

	// Ann types her email and signs in at the provider.
	b.fill("#email", "ann@corp.test")
	idp.QueueUser(optest.User{Subject: "idp-ann", Email: "ann@corp.test", EmailVerified: true, Name: "Ann Corp", Groups: []string{"finance"}})
	if st := b.submit(emailContinue); st != http.StatusOK {
		t.Fatalf("sign-in through the provider: status %d", st)
	}
	opSignIn(b)
	waitAcrossPages(b, "the overview", `location.pathname === "/" && document.body.innerText.includes("You are working in Acme")`)
	if p := b.path(); p != "/" {
		t.Fatalf("after single sign-on the browser is at %s, want the overview", p)
	}
	b.mustSee("You are working in Acme")
	// Signing out goes through the provider (RP-initiated logout) and
	// ends both sessions.
	b.singleSignOut("Corp IdP")
	if got := idp.Ended(); len(got) != 1 || got[0] != "idp-ann" {
		t.Fatalf("the provider ended the sessions of %v", got)
	}

	// Her one-time password from before the domain was federated is gone,
	// and a password posted anyway is refused with the single sign-on
	// message.
	noteSecret(annPW)
	res := fetch(t, "POST", n.URL+"/signin/password", url.Values{"email": {"ann@corp.test"}, "password": {annPW}}, nil, "")
	if res.Status != http.StatusForbidden || !strings.Contains(res.Body, "signs you in with single sign-on") {
		t.Fatalf("password sign-in for the federated domain: status %d", res.Status)
	}
}

// opSignIn waits for the provider's sign-in page and clicks Sign in there.
func opSignIn(b *tab) {
	b.t.Helper()
	waitAcrossPages(b, "the provider's sign-in page", `location.pathname === "/login" && !!document.querySelector("#op-signin")`)
	if st := b.submit("#op-signin"); st != http.StatusOK {
		b.fatalf("sign-in at the provider: status %d", st)
	}
}

// waitAcrossPages waits until the expression is true while the browser
// goes through pages of other origins (meta refresh, redirects): an
// evaluation that fails because its page went away is tried again.
func waitAcrossPages(b *tab, what, expr string) {
	b.t.Helper()
	deadline := time.Now().Add(actionTimeout)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.ctx, time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		cancel()
		if err == nil && ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.fatalf("%s did not come within %s; the browser is at %s", what, actionTimeout, b.path())
}
