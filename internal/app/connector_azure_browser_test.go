package app

import (
	"context"
	"github.com/canopyhq/canopy/internal/sandbox"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// azureBrowserTab is browserTab trusting any certificate: the sandbox's
// Entra pages are served with the sandbox's own CA, which chromium does
// not know.
func azureBrowserTab(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium(t)), chromedp.Headless,
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("ignore-certificate-errors", true), chromedp.WindowSize(1024, 768))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// waitAcross polls expr until it is true, through page navigations (the
// consent flow hops between Canopy and the sandbox by itself).
func (b *browser) waitAcross(what, expr string) {
	b.t.Helper()
	deadline := time.Now().Add(90 * time.Second) // a bound for a loaded machine, not a timing check
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+expr+")"))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("wait for %s: %v (at %s)\npage: %.2000s", what, err, b.eval("location.href"), b.eval("document.body.innerText"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A person adds Azure by admin consent: Canopy's form, the sandbox's
// sign-in and consent pages (listing the permissions), back to Canopy,
// which grants Canopy's roles with the Owner's sign-in and shows the
// report (Production granted, Development skipped: not Owner), then the
// new connection's page.
func TestAzureConsentFlowInTheBrowser(t *testing.T) {
	cloud, b := signedInWithSandbox(t, "/connections/azure/callback")

	b.navigate("/connections")
	b.fill("#azure-name", "Contoso Azure")
	b.fill("#azure-tenant", "contoso.onmicrosoft.com")
	b.submit("#azure-connect-submit")
	b.waitAcross("the sandbox's sign-in page", `!!document.querySelector('#i0116')`)
	b.fill("#i0116", cloud.Demo.Admin.UPN)
	b.fill("#i0118", "Sandbox!2026")
	b.submit("#idSIButton9")
	b.waitAcross("the consent page", `document.querySelectorAll('#permissions li').length > 0`)
	if perms := b.eval(`document.querySelector('#permissions').innerText`); !strings.Contains(perms, "user_impersonation") && !strings.Contains(perms, "User.Read") {
		t.Fatalf("consent page permissions: %q", perms)
	}
	b.submit("#idSIButton9")
	for range 3 { // the Owner's sign-in may ask for its delegated consent too
		b.waitAcross("Canopy's report or a consent page", `!!document.querySelector('tr[data-subscription], #azure-error, #permissions')`)
		if b.eval(`document.querySelector('#permissions') ? "consent" : ""`) == "" {
			break
		}
		b.submit("#idSIButton9")
	}
	d := cloud.Demo
	row := func(id string) string {
		return b.eval(`(document.querySelector('tr[data-subscription="` + id + `"]') || {innerText: ""}).innerText`)
	}
	if r := row(d.Production.ID); !strings.Contains(r, "Reader") {
		t.Fatalf("production row %q (page: %s)", r, b.eval(`document.body.innerText`))
	}
	if r := row(d.Development.ID); !strings.Contains(r, "not Owner") {
		t.Fatalf("development row %q", r)
	}
	page := b.eval(`document.documentElement.outerHTML`)
	if strings.Contains(page, d.App.Secret) || strings.Contains(page, "access_token") {
		t.Fatal("the report shows a secret or a token")
	}
	b.submit("#azure-connection-link")
	if p := b.eval(`location.pathname`); !strings.HasPrefix(p, "/connections/con_") {
		t.Fatalf("after the report: %s", p)
	}
	if h1 := b.eval(`document.querySelector("h1").innerText`); h1 != "Contoso Azure" {
		t.Fatalf("connection page heading %q", h1)
	}

	// A sync queued before the revocation below (by the schedule) would
	// run with a token taken before it; wait for any to end, so that "Sync
	// now" starts a new sync that must ask Entra for a token.
	b.waitAcross("the first sync to end", `(() => { const p = document.querySelector('#sync-progress');
		return !p || !['queued', 'running'].includes(p.dataset.status); })()`)

	// The customer removes Canopy's enterprise application: the next sync
	// fails and the page shows the token state, its fix and help page.
	cloud.Entra.RevokeConsent(d.Customer.ID, d.App.ClientID)
	conn := b.eval(`location.pathname`)
	b.submit("#sync-now")
	// A sync that fails at once may be over before the page after "Sync
	// now" renders: then the page has no progress panel, and the history's
	// newest row says it failed.
	b.waitAcross("the sync to fail", `(() => { const p = document.querySelector('#sync-progress');
		if (p) return p.dataset.status === 'failed';
		const row = document.querySelector('#history tbody tr');
		return !!row && row.innerText.includes('failed'); })()`)
	b.navigate(conn)
	state := b.eval(`(document.querySelector('#azure-token-state') || {innerText: ""}).innerText`)
	if !strings.Contains(state, "consent revoked") || !strings.Contains(state, "connect Azure again") {
		t.Fatalf("token state %q", state)
	}
	help := b.eval(`document.querySelector('#azure-token-state a').getAttribute("href")`)
	b.navigate(help)
	if h1 := b.eval(`document.querySelector("h1").innerText`); help != "/help/azure-token-revoked" || h1 != "Canopy's consent was revoked" {
		t.Fatalf("help %s: %q", help, h1)
	}
}

// signedInWithSandbox serves an app whose connectors talk to a sandbox
// cloud (with Canopy's callback registered on the sandbox's app) and signs
// an owner in, in a browser tab.
func signedInWithSandbox(t *testing.T, callback string) (*sandbox.Cloud, *browser) {
	t.Helper()
	a, srv := openServingApp(t)
	cloud := startAzureSandbox(t, a)
	a.Connections.Env.PublicURL = srv.URL
	cloud.Entra.AddRedirectURI(cloud.Demo.App.ClientID, srv.URL+callback)
	addOwner(t, a, "ines@acme.test", "correct horse battery staple 42")
	b := &browser{t: t, ctx: azureBrowserTab(t), base: srv.URL}
	b.navigate("/signin")
	b.fill("#email", "ines@acme.test")
	b.submit(`button[type=submit]`)
	b.fill("#password", "correct horse battery staple 42")
	b.submit(`button[type=submit]`)
	return cloud, b
}
