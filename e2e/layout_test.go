package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// noHorizontalScroll fails when the page is wider than the window.
func noHorizontalScroll(b *tab, path string) {
	b.t.Helper()
	if st := b.open(path); st != http.StatusOK {
		b.fatalf("GET %s: status %d", path, st)
	}
	widths := evalJS[[]float64](b, `[document.documentElement.scrollWidth, window.innerWidth]`)
	if widths[0] > widths[1] {
		wide := evalJS[[]string](b, `[...document.querySelectorAll("body *")]
			.filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
			.filter(e => { if (["absolute", "fixed"].includes(getComputedStyle(e).position)) return true; for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) if (getComputedStyle(a).overflowX !== "visible") return false; return true; }).slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className ? "." + String(e.className).split(" ").join(".") : ""))`)
		b.t.Errorf("%s scrolls sideways: content %v px wide in a %v px window; widest elements: %q", path, widths[0], widths[1], wide)
	}
}

func TestMobileNavigationIsBehindMenuButton(t *testing.T) {
	t.Parallel()
	n := startNode(t, nodeConfig{})
	otp := n.addUser(t, "max@acme.test", "Acme", "owner")
	b := newTab(t, n.URL)
	b.do("emulate a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait))

	b.open("/signin")
	b.shot("mobile-signin")
	b.firstSignIn("max@acme.test", otp)
	b.open("/")
	b.mustSee("You are working in Acme")
	if !b.visible(".menu-button") {
		b.fatalf("on a phone the menu button is not shown")
	}
	if b.visible("#sidenav") {
		b.fatalf("on a phone the navigation is shown before the menu button is pressed")
	}
	b.shot("mobile-overview")
	b.do("tap the menu button", chromedp.Tap(chromedp.CSS(".menu-button")))
	b.waitFor("the navigation to open", `(() => { const n = document.querySelector("#sidenav");
		return n.getClientRects().length > 0 && n.getBoundingClientRect().height > 0; })()`)
	if got := evalJS[string](b, `document.querySelector(".menu-button").getAttribute("aria-expanded")`); got != "true" {
		t.Errorf("open menu button has aria-expanded=%q, want true", got)
	}
	b.shot("mobile-menu-open")
	if st := b.submit(`#sidenav a[href="/marketplace"]`); st != http.StatusOK {
		t.Fatalf("Marketplace from the phone menu: status %d", st)
	}
	if h := b.textOf("main h1"); h != "Marketplace" {
		t.Errorf("Marketplace page heading %q", h)
	}
	b.mustSee("Catalog", "Orders", "Subscriptions", "Agreements")
	for _, p := range []string{"/", "/settings/users", "/profile"} {
		noHorizontalScroll(b, p)
		b.shot("mobile" + strings.ReplaceAll(p, "/", "-"))
	}
}

func TestDesktopPagesFitWithoutSidewaysScroll(t *testing.T) {
	t.Parallel()
	n := startNode(t, nodeConfig{})
	otp := n.addUser(t, "dana@acme.test", "Acme", "owner")
	b := newTab(t, n.URL)
	b.do("1024x768 window", chromedp.EmulateViewport(1024, 768))
	b.firstSignIn("dana@acme.test", otp)

	for _, p := range []string{"/", "/settings/users", "/settings", "/settings/audit", "/profile", "/profile/sessions", "/budgets", "/budgets/new", "/settings/webhooks"} {
		noHorizontalScroll(b, p)
	}
	b.open("/")
	if b.visible(".menu-button") || !b.visible("#sidenav") {
		t.Errorf("at 1024x768 the navigation must be shown without a menu button")
	}
	b.shot("desktop-overview")
	b.open("/settings/users")
	b.shot("desktop-users")
	b.open("/settings/audit")
	b.shot("desktop-audit")
}

func TestWithoutJavaScriptThePageSaysSo(t *testing.T) {
	t.Parallel()
	n := startNode(t, nodeConfig{})
	otp := n.addUser(t, "jo@acme.test", "Acme", "owner")
	b := newTab(t, n.URL)
	b.do("turn JavaScript off", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}))

	b.open("/signin")
	b.mustSee("Canopy needs JavaScript. Turn it on for this site in your browser settings, then reload the page.")
	b.shot("no-js-signin")

	// The forms are plain HTML, and on a phone the navigation is shown
	// since the menu button cannot work without scripts.
	b.firstSignIn("jo@acme.test", otp)
	b.do("emulate a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	b.open("/")
	b.mustSee("Canopy needs JavaScript.", "You are working in Acme")
	if b.visible(".menu-button") || !b.visible("#sidenav") {
		t.Errorf("without JavaScript on a phone the navigation must be shown and the menu button hidden")
	}
	b.shot("no-js-mobile-overview")
}
