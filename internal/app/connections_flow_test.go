package app

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canopyhq/canopy/internal/connect"
)

// browser drives one tab; every step fails the test with what it was.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
}

func (b *browser) run(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 90*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

func (b *browser) navigate(path string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 90*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.NavigateResponse(b.base+path)); err != nil {
		b.t.Fatalf("open %s: %v", path, err)
	}
}

// submit clicks sel and waits for the page it leads to.
func (b *browser) submit(sel string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 90*time.Second)
	defer cancel()
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		b.t.Fatalf("click %s: %v", sel, err)
	}
}

// waitFor polls expr until it is truthy. A poll whose page was replaced
// under it (a navigation still settling: "Cannot find context with
// specified id") polls the new page, within the same 90 s.
func (b *browser) waitFor(what, expr string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 90*time.Second)
	defer cancel()
	for {
		err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(50*time.Millisecond)))
		if err != nil && ctx.Err() == nil && strings.Contains(err.Error(), "Cannot find context with specified id") {
			continue
		}
		if err != nil {
			b.t.Fatalf("wait for %s: %v", what, err)
		}
		return
	}
}

func (b *browser) eval(expr string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 90*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

func (b *browser) fill(sel, value string) {
	b.t.Helper()
	b.run("fill "+sel, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.SetValue(chromedp.CSS(sel), value))
}

// A person adds a Microsoft 365 connection, presses Sync now, watches the
// sync's progress until it finishes, sees it in the history, then runs the
// doctor and follows its fix link to the help page.
func TestConnectionSyncAndDoctorInTheBrowser(t *testing.T) {
	connect.RegisterHelp(connect.HelpPage{Slug: "app-test-reports", Title: "Grant Reports.Read.All",
		Steps: []string{"Open Entra ID → App registrations → Canopy → API permissions."},
		Code:  []connect.HelpCode{{Label: "Permission", Language: "text", Text: "Reports.Read.All (Application)"}}})
	a, srv := openServingApp(t)
	a.Connections.Connectors.Register(stepper{}) // in place of the real Microsoft 365 connector
	addOwner(t, a, "ines@acme.test", "correct horse battery staple 42")
	b := &browser{t: t, ctx: browserTab(t), base: srv.URL}
	b.navigate("/signin")
	b.fill("#email", "ines@acme.test")
	b.submit(`button[type=submit]`)
	b.fill("#password", "correct horse battery staple 42")
	b.submit(`button[type=submit]`)

	b.navigate("/connections")
	b.eval(`(document.querySelector("#advanced").open = true, "")`) // the generic JSON form is the Advanced option
	b.fill("#conn-kind", "m365")
	b.fill("#conn-name", "Acme 365")
	b.fill("#conn-secret", "BROWSER-SECRET-1")
	b.submit(`form[action="/connections"] button[type=submit]`)
	if p := b.eval(`location.pathname`); !strings.HasPrefix(p, "/connections/con_") {
		t.Fatalf("after adding: %s (%s)", p, b.eval(`document.body.innerText`))
	}
	if strings.Contains(b.eval(`document.documentElement.outerHTML`), "BROWSER-SECRET-1") {
		t.Fatal("the page shows the secret")
	}
	b.submit("#sync-now")
	b.waitFor("the progress bar", `!!document.querySelector('#sync-progress')`)
	b.waitFor("the sync to finish", `!!document.querySelector('#sync-progress[data-status="succeeded"]')`)
	b.navigate(b.eval(`location.pathname`))
	if row := b.eval(`(document.querySelector('tr[data-sync]') || {innerText: ""}).innerText`); !strings.Contains(row, "succeeded") || !strings.Contains(row, "60") {
		t.Fatalf("history row: %q", row)
	}
	if badge := b.eval(`document.querySelector('#overview [data-status]').innerText`); badge != "Healthy" {
		t.Fatalf("status badge %q", badge)
	}
	b.submit("#run-doctor")
	b.waitFor("the doctor table", `document.querySelectorAll('tr[data-feature]').length === 2`)
	fix := b.eval(`document.querySelector('tr[data-feature="Usage reports"] a').getAttribute("href")`)
	if fix != "/help/app-test-reports" {
		t.Fatalf("fix link %q", fix)
	}
	b.navigate(fix)
	if h1 := b.eval(`document.querySelector("h1").innerText`); h1 != "Grant Reports.Read.All" {
		t.Fatalf("help page heading %q", h1)
	}
	b.navigate("/connections")
	if list := b.eval(`document.querySelector("table").innerText`); !strings.Contains(list, "Acme 365") || !strings.Contains(list, "Healthy") {
		t.Fatalf("list: %s", fmt.Sprint(list))
	}
}
