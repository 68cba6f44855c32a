package e2e

import (
	"crypto/rand"
	"net/http"
	"slices"
	"strings"
	"testing"
)

const (
	emailContinue  = `form[action="/signin"] button[type=submit]`
	passwordSubmit = `form[action="/signin/password"] button[type=submit]`
	badCredentials = "That email and password do not match an active account."
)

// signInSteps goes through both sign-in steps and returns the status of
// the page the password step leads to.
func (b *tab) signInSteps(email, password string) int64 {
	b.t.Helper()
	if st := b.open("/signin"); st != http.StatusOK {
		b.fatalf("GET /signin: status %d", st)
	}
	b.fill("#email", email)
	if st := b.submit(emailContinue); st != http.StatusOK {
		b.fatalf("email step: status %d", st)
	}
	b.mustSee("Enter your password")
	if got := evalJS[string](b, `document.querySelector("#signin-email").value`); got != email {
		b.fatalf("password step shows email %q, want %q", got, email)
	}
	b.fill("#password", password)
	return b.submit(passwordSubmit)
}

// signIn signs in with a password and expects the overview.
func (b *tab) signIn(email, password string) {
	b.t.Helper()
	if st := b.signInSteps(email, password); st != http.StatusOK {
		b.fatalf("sign-in as %s: status %d", email, st)
	}
	if p := b.path(); p != "/" {
		b.fatalf("after sign-in the browser is at %s, want the overview /", p)
	}
}

// firstSignIn signs in with the one-time password `canopy user create`
// printed, which leads to the profile to choose a password; it chooses one
// and returns it. The browser is then signed in.
func (b *tab) firstSignIn(email, oneTime string) string {
	b.t.Helper()
	if st := b.signInSteps(email, oneTime); st != http.StatusOK {
		b.fatalf("first sign-in as %s: status %d", email, st)
	}
	if p := b.path(); p != "/profile" {
		b.fatalf("first sign-in with a one-time password ended at %s, want /profile", p)
	}
	b.mustSee("You signed in with a one-time password. Choose your own password to continue.")
	pw := newPassword()
	if st := b.changePassword(oneTime, pw); st != http.StatusOK {
		b.fatalf("choose a password: status %d", st)
	}
	b.mustSee("Your password was changed.")
	return pw
}

// changePassword uses the profile's change-password form and returns the
// status of the page it leads to.
func (b *tab) changePassword(current, next string) int64 {
	b.t.Helper()
	if b.path() != "/profile" {
		b.open("/profile")
	}
	b.fill("#profile-current", current)
	b.watchStrength("profile")
	b.fill("#profile-password", next)
	b.strengthSettled("profile")
	b.fill("#profile-confirm", next)
	return b.submit(`form[action="/profile/password"] button[type=submit]`)
}

// watchStrength starts watching the strength meter of a new-password form
// (id prefix idp) before the password is typed; strengthSettled then
// waits until the meter has rated it and nothing has changed for a
// second. Typing sends the meter's request 300 ms after the last key
// (htmx), and its answer grows the form: a click aimed at the submit
// button before that answer can land where the button no longer is, and
// no form is sent (two full runs timed out so on a loaded machine).
func (b *tab) watchStrength(idp string) {
	b.t.Helper()
	b.do("watch the strength meter", evalVoid(`(() => {
		window.__meterQuiet = performance.now();
		const quiet = () => { window.__meterQuiet = performance.now(); };
		new MutationObserver(quiet).observe(document.querySelector("#`+idp+`-strength"), {childList: true, subtree: true, characterData: true});
		document.querySelector("#`+idp+`-password").addEventListener("input", quiet);
		document.body.addEventListener("htmx:beforeRequest", quiet);
		document.body.addEventListener("htmx:afterRequest", quiet);
	})()`))
}

func (b *tab) strengthSettled(idp string) {
	b.t.Helper()
	// Without JavaScript (a test turns it off) there is no meter to wait for.
	b.waitFor("the strength meter to rate the password and settle", `typeof window.htmx === "undefined" ||
		(!!document.querySelector("#`+idp+`-strength .strength-label") &&
		!document.querySelector(".htmx-request") && performance.now() - window.__meterQuiet > 1000)`)
}

// newPassword returns a long, unique password that passes Canopy's rules.
func newPassword() string {
	return "orchid " + strings.ToLower(rand.Text()[:10]) + " velvet canyon"
}

// signInFails expects the password step to refuse with message.
func (b *tab) signInFails(email, password, message string) {
	b.t.Helper()
	st := b.signInSteps(email, password)
	if st < 400 {
		b.fatalf("sign-in as %s with a wrong password answered %d, want an error status", email, st)
	}
	if got := b.textOf("#form-error"); got != message {
		b.fatalf("sign-in error %q, want %q", got, message)
	}
	if !b.visible("#password") || !strings.Contains(b.textOf("h1"), "Enter your password") {
		b.fatalf("after a refused sign-in the password step is not shown again")
	}
}

// signOut uses the user menu's Sign out button.
func (b *tab) signOut() {
	b.t.Helper()
	b.click("details.user-menu summary")
	b.submit(`form[action="/signout"] button`)
	if p := b.path(); p != "/signin" {
		b.fatalf("after sign-out the browser is at %s, want /signin", p)
	}
}

func TestSignInShowsOverviewAndAreas(t *testing.T) {
	t.Parallel()
	n := startNode(t, nodeConfig{})
	pw := n.addUser(t, "olivia@acme.test", "Acme", "owner")
	b := newTab(t, n.URL)

	b.open("/signin")
	b.shot("signin-email")
	b.firstSignIn("olivia@acme.test", pw)
	b.open("/")
	b.mustSee("Welcome", "You are working in Acme")
	b.shot("overview")

	want := []string{"Overview", "Spend", "Allocation", "Resources", "Budgets", "Alerts", "Chargebacks", "Recommendations",
		"Microsoft 365", "Marketplace", "Connections", "Settings"}
	nav := evalJS[[]string](b, `[...document.querySelectorAll("#sidenav a")].map(a => a.innerText.trim())`)
	if !slices.Equal(nav, want) {
		t.Fatalf("navigation shows %q, want %q", nav, want)
	}
	if cur := evalJS[string](b, `document.querySelector('#sidenav a[aria-current="page"]').innerText`); cur != "Overview" {
		t.Errorf("current nav item %q, want Overview", cur)
	}

	if st := b.submit(`#sidenav a[href="/spend"]`); st != http.StatusOK {
		t.Fatalf("Spend: status %d", st)
	}
	b.mustSee("No cost data has been imported yet.")
	b.shot("area-spend")
	if st := b.open("/allocation"); st != http.StatusOK || b.textOf("main h1") != "Allocation" {
		t.Fatalf("Allocation: status %d, heading %q", st, b.textOf("main h1"))
	}
	b.mustSee("Unallocated", "No groups yet.")
	if st := b.open("/recommendations"); st != http.StatusOK || b.textOf("main h1") != "Recommendations" {
		t.Fatalf("Recommendations: status %d, heading %q", st, b.textOf("main h1"))
	}
	b.mustSee("No recommendations match.")
	for path, h1 := range map[string]string{"/budgets": "Budgets", "/alerts": "Alerts", "/chargebacks": "Chargebacks"} {
		if st := b.open(path); st != http.StatusOK || b.textOf("main h1") != h1 {
			t.Fatalf("%s: status %d, heading %q", h1, st, b.textOf("main h1"))
		}
	}
	href := evalJS[string](b, `[...document.querySelectorAll("#sidenav a")].find(a => a.innerText.trim() === "Microsoft 365").getAttribute("href")`)
	if st := b.open(href); st != http.StatusOK || b.textOf("main h1") != "Microsoft 365" {
		t.Fatalf("Microsoft 365 (%s): status %d, heading %q", href, st, b.textOf("main h1"))
	}
	b.mustSee("Connect a tenant", "Delegation")
	if st := b.open("/marketplace"); st != http.StatusOK || b.textOf("main h1") != "Marketplace" {
		t.Fatalf("Marketplace: status %d, heading %q", st, b.textOf("main h1"))
	}
	b.mustSee("Catalog", "Orders", "Subscriptions", "Agreements")
	if st := b.open("/connections"); st != http.StatusOK || b.textOf("main h1") != "Connections" {
		t.Fatalf("Connections: status %d, heading %q", st, b.textOf("main h1"))
	}
	b.mustSee("Azure, AWS, Microsoft 365 and Partner Center accounts")
}

func TestWrongPasswordAndUnknownEmailGetTheSameAnswer(t *testing.T) {
	t.Parallel()
	n := startNode(t, nodeConfig{})
	pw := n.addUser(t, "walter@acme.test", "Acme", "owner")
	b := newTab(t, n.URL)
	pw = b.firstSignIn("walter@acme.test", pw)
	b.signOut()

	b.signInFails("walter@acme.test", pw+"x", badCredentials)
	b.shot("wrong-password")
	b.signInFails("nobody@acme.test", pw, badCredentials)
	// The right password still works afterwards (two failures are far
	// below the throttle).
	b.signIn("walter@acme.test", pw)
}

func TestSignedOutBrowserIsSentToSignIn(t *testing.T) {
	t.Parallel()
	n := startNode(t, nodeConfig{})
	pw := n.addUser(t, "sam@acme.test", "Acme", "owner")
	b := newTab(t, n.URL)

	pw = b.firstSignIn("sam@acme.test", pw)
	b.signOut()
	for _, p := range []string{"/", "/settings/users", "/profile"} {
		b.open(p)
		if got := b.path(); !strings.HasPrefix(got, "/signin") {
			t.Errorf("signed out, %s ended at %s, want /signin", p, got)
		}
		if !b.visible("#email") {
			b.fatalf("signed out, %s does not show the sign-in form", p)
		}
	}
	// The sign-in form remembers where the person wanted to go.
	b.open("/settings")
	b.fill("#email", "sam@acme.test")
	b.submit(emailContinue)
	b.fill("#password", pw)
	b.submit(passwordSubmit)
	if got := b.path(); got != "/settings" {
		t.Errorf("after signing in from /settings the browser is at %s", got)
	}
}

func TestViewerCannotSeeUsers(t *testing.T) {
	t.Parallel()
	n := startNode(t, nodeConfig{})
	n.addUser(t, "owner@acme.test", "Acme", "owner")
	pw := n.addUser(t, "vera@acme.test", "Acme", "viewer")
	b := newTab(t, n.URL)

	b.firstSignIn("vera@acme.test", pw)
	if st := b.open("/settings"); st != http.StatusOK {
		t.Fatalf("viewer GET /settings: status %d", st)
	}
	sub := evalJS[[]string](b, `[...document.querySelectorAll("nav.subnav a")].map(a => a.innerText.trim())`)
	if slices.Contains(sub, "Users") || slices.Contains(sub, "Audit log") {
		t.Errorf("viewer's settings navigation shows %q; Users and Audit log must be hidden", sub)
	}
	if evalJS[bool](b, `!!document.querySelector('a[href^="/settings/users"]')`) {
		t.Errorf("a link to /settings/users is on the viewer's page")
	}
	if st := b.open("/settings/users"); st != http.StatusForbidden {
		t.Errorf("viewer GET /settings/users: status %d, want 403", st)
	}
	b.mustSee("You do not have permission")
	b.mustNotSee("owner@acme.test")
	b.shot("forbidden")
}
