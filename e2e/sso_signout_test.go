package e2e

import (
	"context"
	"net/http"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// browserSession returns the browser's Canopy session cookie, to try it
// again after sign-out.
func (b *tab) browserSession() *http.Cookie {
	b.t.Helper()
	var got *http.Cookie
	b.do("read the session cookie", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		res, err := cdp.Call(ctx, tg, network.GetCookies, network.GetCookiesParams{URLs: []string{b.url("/")}})
		for _, c := range res.Cookies {
			if c.Name == "canopy_session" && c.Value != "" {
				got = &http.Cookie{Name: c.Name, Value: c.Value}
			}
		}
		return err
	}))
	if got == nil {
		b.fatalf("the browser holds no canopy_session cookie")
	}
	return got
}

// singleSignOut clicks Sign out in a session signed in with single
// sign-on: the browser goes through the identity provider and lands on
// Canopy's signed-out page naming it; the old session cookie no longer
// signs anyone in.
func (b *tab) singleSignOut(provider string) {
	b.t.Helper()
	old := b.browserSession()
	if res := fetch(b.t, "GET", b.url("/profile"), nil, old, ""); res.Status != http.StatusOK {
		b.fatalf("the session cookie does not work before sign-out: status %d", res.Status)
	}
	b.click("details.user-menu summary")
	b.submit(`form[action="/signout"] button`)
	waitAcrossPages(b, "the signed-out page", `document.querySelector("#signed-out") !== null`)
	b.mustSee("You are signed out of Canopy and of " + provider + ".")
	if res := fetch(b.t, "GET", b.url("/profile"), nil, old, ""); res.Status != http.StatusSeeOther {
		b.fatalf("the old session cookie still works after sign-out: status %d", res.Status)
	}
}
