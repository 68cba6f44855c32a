package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/mail/mailtest"
)

const resetSubmit = `form[action="/reset"] button[type=submit]`

func TestForgotPasswordResetsByEmailLinkOnce(t *testing.T) {
	t.Parallel()
	n := startNode(t, nodeConfig{})
	const email = "rosa@acme.test"
	oldPW := n.addUser(t, email, "Acme", "owner")
	b := newTab(t, n.URL)
	link := requestResetLink(b, n, email)
	if st := b.open(link); st != http.StatusOK {
		t.Fatalf("open reset link: status %d", st)
	}
	b.mustSee("Choose a new password", email)

	checkTooShortRefused(b)
	newPW := newPassword()
	typeNewPassword(b, "reset", newPW)
	b.shot("reset-strength")
	if st := b.submit(resetSubmit); st != http.StatusOK {
		t.Fatalf("set new password: status %d", st)
	}
	b.mustSee("Your password has been changed.")
	b.shot("reset-done")

	b.signInFails(email, oldPW, badCredentials)
	b.signIn(email, newPW)
	b.signOut()

	if st := b.open(link); st != http.StatusGone {
		t.Errorf("used reset link: status %d, want 410", st)
	}
	b.mustSee("This link has expired or has already been used.")
	b.shot("reset-link-used")
}

// requestResetLink asks for a reset from the sign-in page and returns the
// link from the email that arrives.
func requestResetLink(b *tab, n *node, email string) string {
	b.t.Helper()
	b.open("/signin")
	if st := b.submit(`a[href="/forgot"]`); st != http.StatusOK {
		b.fatalf("Forgot password? link: status %d", st)
	}
	b.fill("#email", email)
	b.submit(`form[action="/forgot"] button[type=submit]`)
	b.mustSee("If an account exists for that address, we have sent a link.")
	b.shot("forgot-sent")

	msgs := n.Mail.WaitFor(b.t, email, 1, mailTimeout)
	link := mailtest.FindLink(msgs[0].Text, n.URL+"/reset/")
	noteSecret(link)
	if link == "" {
		b.t.Fatalf("the reset email has no %s/reset/ link:\n%s", n.URL, msgs[0].Text)
	}
	return link
}

// checkTooShortRefused types a short password: the meter says it is not
// accepted, the browser's own validation keeps the form, and with that
// validation gone (an old browser) the server says why.
func checkTooShortRefused(b *tab) {
	b.t.Helper()
	b.fill("#reset-password", "too short")
	b.fill("#reset-confirm", "too short")
	b.waitFor("the meter to rate the short password", `(() => {
		const m = document.querySelector("#reset-strength .meter");
		return m && m.dataset.score <= 1 && document.querySelector("#reset-strength").innerText.includes("not accepted yet"); })()`)
	b.click(resetSubmit)
	if !evalJS[bool](b, `document.querySelector("#reset-password").validity.tooShort`) {
		b.fatalf("the browser accepted a 9-character password in a field that needs 15")
	}
	if msg := evalJS[string](b, `document.querySelector("#reset-password").validationMessage`); msg == "" {
		b.fatalf("the browser shows no validation message for a too-short password")
	}
	if p := b.path(); !strings.HasPrefix(p, "/reset/") {
		b.fatalf("a too-short password left the reset page for %s", p)
	}
	b.do("drop browser validation", evalVoid(`document.querySelectorAll("[minlength]").forEach(e => e.removeAttribute("minlength"))`))
	if st := b.submit(resetSubmit); st != http.StatusBadRequest {
		b.fatalf("server accepted a too-short password: status %d", st)
	}
	if msg := b.textOf("#reset-password-error"); !strings.Contains(msg, "at least 15 characters") {
		b.fatalf("server's message for a too-short password: %q", msg)
	}
	b.shot("reset-too-short")
}

// typeNewPassword fills a new-password form (id prefix idp) and watches the
// strength meter fill in as the password gets longer.
func typeNewPassword(b *tab, idp, pw string) {
	b.t.Helper()
	field, meter := "#"+idp+"-password", "#"+idp+"-strength"
	b.watchStrength(idp)
	b.fill(field, pw[:8])
	b.waitFor("a weak rating", `(() => { const m = document.querySelector("`+meter+` .meter");
		return m && m.dataset.score <= 1; })()`)
	weak := evalJS[float64](b, `document.querySelector("`+meter+` .meter span").getBoundingClientRect().width`)
	b.do("type the rest", sendKeys(field, pw[8:]))
	b.waitFor("a strong rating", `(() => { const m = document.querySelector("`+meter+` .meter");
		return m && m.dataset.score >= 3 && !document.querySelector("`+meter+`").innerText.includes("not accepted"); })()`)
	b.waitFor("the meter bar to grow", `document.querySelector("`+meter+` .meter span").getBoundingClientRect().width > `+jsFloat(weak)+` * 2`)
	b.waitFor("a stale server error on the field to clear", `!document.querySelector("#`+idp+`-password-error") &&
		document.querySelector("`+field+`").getAttribute("aria-invalid") !== "true"`)
	b.strengthSettled(idp)
	b.fill("#"+idp+"-confirm", pw)
}

func TestChangePasswordOnProfile(t *testing.T) {
	t.Parallel()
	n := startNode(t, nodeConfig{})
	const email = "chen@acme.test"
	otp := n.addUser(t, email, "Acme", "owner")
	b := newTab(t, n.URL)
	first := b.firstSignIn(email, otp)
	b.shot("profile")

	second := newPassword()
	if st := b.changePassword("not my current password", second); st < 400 {
		t.Fatalf("change with a wrong current password: status %d", st)
	}
	if msg := b.textOf("#profile-current-error"); msg == "" {
		b.fatalf("no error on the current-password field after a wrong current password")
	}
	if evalJS[string](b, `document.querySelector("#profile-current").getAttribute("aria-invalid")`) != "true" {
		t.Errorf("the wrong current password field is not marked aria-invalid")
	}
	b.shot("profile-wrong-current")
	if st := b.changePassword(first, second); st != http.StatusOK {
		t.Fatalf("change password: status %d", st)
	}
	b.mustSee("Your password was changed.")

	b.signOut()
	b.signInFails(email, first, badCredentials)
	b.signIn(email, second)
}
