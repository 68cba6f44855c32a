package e2e

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// press sends one key to the focused element.
func (b *tab) press(key string) {
	b.t.Helper()
	b.do("press "+key, chromedp.KeyEvent(key))
}

// tabTo presses Tab until the focused element matches the JavaScript test
// expr (evaluated with el = document.activeElement).
func (b *tab) tabTo(what, expr string) {
	b.t.Helper()
	for i := 0; i < 40; i++ {
		b.press(kb.Tab)
		if evalJS[bool](b, `(el => !!el && (`+expr+`))(document.activeElement)`) {
			return
		}
	}
	b.fatalf("Tab never reached %s", what)
}

// pressEnterAndWait presses Enter and waits for the page it leads to.
func (b *tab) pressEnterAndWait() int64 {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.KeyEvent(kb.Enter))
	if err != nil {
		b.fatalf("press Enter and wait for the next page: %v", err)
	}
	return resp.Status
}

// A person without a mouse can sign in and move around: the first Tab
// reaches the skip link, forms submit with Enter, the navigation is
// reachable with Tab.
func TestKeyboardOnly(t *testing.T) {
	t.Parallel()
	n := startNode(t, nodeConfig{})
	otp := n.addUser(t, "kim@acme.test", "Acme", "owner")
	b := newTab(t, n.URL)
	b.open("/signin")
	// The email field has autofocus; without it, Tab reaches it.
	if !evalJS[bool](b, `document.activeElement && document.activeElement.name === "email"`) {
		b.tabTo("the email field", `el.name === "email"`)
	}
	b.do("type the email", chromedp.KeyEvent("kim@acme.test"))
	if st := b.pressEnterAndWait(); st != 200 {
		b.fatalf("email step by keyboard: status %d", st)
	}
	b.tabTo("the password field", `el.name === "password"`)
	noteSecret(otp)
	b.do("type the password", chromedp.KeyEvent(otp))
	b.pressEnterAndWait()
	if p := b.path(); p != "/profile" {
		b.fatalf("keyboard sign-in ended at %s, want /profile (one-time password)", p)
	}
	pw := newPassword()
	if st := b.changePassword(otp, pw); st != 200 {
		b.fatalf("change password: %d", st)
	}
	b.open("/")
	b.press(kb.Tab)
	if !evalJS[bool](b, `document.activeElement.classList.contains("skip-link")`) {
		b.fatalf("the first Tab should focus the skip link, focused %s", evalJS[string](b, `document.activeElement.outerHTML.slice(0, 80)`))
	}
	b.tabTo("the Spend link", `el.getAttribute("href") === "/spend"`)
	if !evalJS[bool](b, `getComputedStyle(document.activeElement).outlineStyle !== "none" || getComputedStyle(document.activeElement).boxShadow !== "none"`) {
		b.fatalf("the focused link shows no focus indicator")
	}
	if st := b.pressEnterAndWait(); st != 200 || b.path() != "/spend" {
		b.fatalf("Enter on the Spend link: status %d at %s", st, b.path())
	}
	b.mustSee("No cost data has been imported yet.")
}
