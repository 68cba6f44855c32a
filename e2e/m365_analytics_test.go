package e2e

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canopyhq/canopy/internal/sandbox"
)

// sandboxTab is a tab of its own chromium that trusts any certificate: the
// sandbox's Entra pages are served with the sandbox's own CA.
func sandboxTab(t *testing.T, base string) *tab {
	t.Helper()
	browserContext(t) // skips or fails as the other browser tests do without chromium
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromiumPath()), chromedp.Headless,
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("ignore-certificate-errors", true), chromedp.WindowSize(1024, 768))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return &tab{t: t, ctx: ctx, base: base}
}

// waitAcross polls expr until it is true, through the page navigations of
// the consent flow (Canopy → the sandbox's Entra → Canopy).
func (b *tab) waitAcross(what, expr string) {
	b.t.Helper()
	deadline := time.Now().Add(2 * time.Minute) // a bound for a loaded machine, not a timing check
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+expr+")"))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.fatalf("wait for %s: %v (at %s)", what, err, evalJS[string](b, "location.href"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// An owner opens Microsoft 365 with no tenant connected, enters the
// tenant, consents on the sandbox's admin-consent page as its Global
// Administrator, lands on the analytics with the first import started,
// and then sees the licence and usage charts.
func TestConnectTenantThenAnalytics(t *testing.T) {
	t.Parallel()
	cloud, err := sandbox.Start(sandbox.Options{Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cloud.Close() })
	ca := filepath.Join(t.TempDir(), "sandbox-ca.pem")
	if err := os.WriteFile(ca, cloud.CA.PEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	d := cloud.Demo
	noteSecret(d.App.Secret)
	n := startNode(t, nodeConfig{Env: []string{"CANOPY_CLOUD_CA_FILE=" + ca, "CANOPY_AZURE_CLIENT_ID=" + d.App.ClientID,
		"CANOPY_AZURE_CLIENT_SECRET=" + d.App.Secret, "CANOPY_AZURE_AUTHORITY=" + cloud.EntraURL, "CANOPY_GRAPH_URL=" + cloud.GraphURL}})
	cloud.Entra.AddRedirectURI(d.App.ClientID, n.URL+"/connections/m365/callback")
	pw := n.addUser(t, "olga@acme.test", "Acme", "owner")
	b := sandboxTab(t, n.URL)
	b.firstSignIn("olga@acme.test", pw)

	if st := b.open("/m365"); st != http.StatusOK || b.textOf("main h1") != "Microsoft 365" {
		b.fatalf("Microsoft 365: status %d, heading %q", st, b.textOf("main h1"))
	}
	b.mustSee("Connect a tenant", "No Microsoft 365 tenant is connected yet.")
	b.fill("#m365-tenant", d.Customer.Domain)
	b.click("#m365-connect-tenant")
	b.waitAcross("the sandbox's sign-in page", `document.querySelector('#i0116')`)
	b.fill("#i0116", d.Admin.UPN)
	b.fill("#i0118", sandbox.DemoPassword)
	b.click("#idSIButton9")
	b.waitAcross("the consent page", `document.querySelectorAll('#permissions li').length > 0`)
	if perms := evalJS[string](b, `document.querySelector('#permissions').innerText`); !strings.Contains(perms, "Reports.Read.All") {
		b.fatalf("consent page permissions: %q", perms)
	}
	b.click("#idSIButton9")
	b.waitAcross("the analytics page", `location.pathname === "/m365/analytics" && document.querySelector("main h1")`)
	b.mustSee("Its first sync is running.")
	conn, ok := strings.CutPrefix(evalJS[string](b, "location.search"), "?connection=")
	if !ok || !strings.HasPrefix(conn, "con_") {
		b.fatalf("landed at %s", evalJS[string](b, "location.href"))
	}
	// The first import is pending or running (the progress polls and the
	// tables say not collected), or it has already finished; either way
	// the page then shows the charts.
	b.waitAcross("the licence and usage charts", `document.querySelector('#m365-licences-chart[data-drawn="true"]') &&
		document.querySelector('#m365-services-chart[data-drawn="true"]') && document.querySelector('#m365-trends-chart[data-drawn="true"]')`)
	b.mustSee("Active and inactive users per service", "SPE_E3")
	if n := evalJS[int](b, `document.querySelectorAll("#m365-services tbody tr").length`); n != 4 {
		b.fatalf("services table rows %d", n)
	}
	b.submit(`#m365-services tr[data-service="exchange"] td:nth-child(3) a`)
	if h1 := b.textOf("main h1"); h1 != "Exchange (mail): inactive users" {
		b.fatalf("drill-down heading %q", h1)
	}
	if n := evalJS[int](b, `document.querySelectorAll("#m365-users tbody tr").length`); n == 0 {
		b.fatalf("no inactive Exchange users listed: %s", b.text())
	}
	b.mustSee("Export CSV")
	b.open("/m365/delegation")
	if h1 := b.textOf("main h1"); h1 != "Users I can administer" {
		b.fatalf("delegation reachable from Microsoft 365: heading %q", h1)
	}
	reauthorize(b, cloud, conn)
}

// reauthorize: the tenant revokes Canopy's consent; the next sync fails
// and the analytics offer to re-authorize, which walks admin consent again
// and lands back on the analytics with a new sync.
func reauthorize(b *tab, cloud *sandbox.Cloud, conn string) {
	d := cloud.Demo
	cloud.Entra.RevokeConsent(d.Customer.ID, d.App.ClientID)
	b.open("/connections/" + conn)
	b.submit("#sync-now")
	b.open("/m365/analytics?connection=" + conn)
	b.waitAcross("the re-authorize link", `(() => { if (document.querySelector('#m365-reauthorize-link')) return true;
		if (!document.querySelector('#m365-progress')) location.reload(); return false; })()`)
	b.submit("#m365-reauthorize-link")
	b.submit("#m365-reauthorize button")
	b.waitAcross("the sandbox's sign-in or consent page", `document.querySelector('#i0116, #permissions')`)
	if evalJS[bool](b, `!!document.querySelector('#i0116')`) {
		b.fill("#i0116", d.Admin.UPN)
		b.fill("#i0118", sandbox.DemoPassword)
		b.click("#idSIButton9")
		b.waitAcross("the consent page", `document.querySelector('#permissions')`)
	}
	b.click("#idSIButton9")
	b.waitAcross("the analytics again", `location.pathname === "/m365/analytics" && document.querySelector("main h1")`)
	b.mustSee("Canopy is authorized again.")
	b.waitAcross("the sync after re-authorization", `(() => { if (document.querySelector('#m365-progress')) return false;
		if (document.querySelector('#m365-reauthorize-link')) { location.reload(); return false; } return true; })()`)
}
