package e2e

import (
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The demo seeds alert rules (spikes per service, reservations, a budget
// forecast) and a VM whose cost jumped six times three days ago: after
// the first syncs, "Evaluate now" puts the spike in the inbox, and its
// link opens the explorer on that service and the days around it. The
// demo's reservation at about 40 % shows up too.
func TestAlertInboxSpikeLinksToTheExplorer(t *testing.T) {
	t.Parallel()
	demo := startDemo(t, filepath.Join(t.TempDir(), "demo"))
	b := newTab(t, demo.url)
	b.do("1024x768 window", chromedp.EmulateViewport(1024, 768))
	b.signIn(demo.email, demo.pwd)
	demoSyncsDone(b)
	if st := b.submit(`#sidenav a[href="/alerts"]`); st != http.StatusOK {
		b.fatalf("Alerts: status %d", st)
	}
	if st := b.submit(`.subnav a[href="/alerts/rules"]`); st != http.StatusOK {
		b.fatalf("rules: status %d", st)
	}
	b.mustSee("Daily spend spikes by service", "Reservations used under 80 %", "Commerce budget forecast over")
	if st := b.submit(`form[action="/alerts/evaluate"] button`); st != http.StatusOK {
		b.fatalf("evaluate: status %d", st)
	}
	b.mustSee("Evaluated 3 rules", "Virtual Machines", "the 14-day average of", "below the 80 % threshold")
	b.shot("alerts-inbox")

	href := evalJS[string](b, `document.querySelector('[data-kind="spike"] .explore-link').getAttribute("href")`)
	u, err := url.Parse(href)
	if err != nil || u.Path != "/spend" || !strings.Contains(u.Query().Get("filter"), "service:") {
		b.fatalf("spike link %q", href)
	}
	day, err := time.Parse(time.DateOnly, u.Query().Get("to"))
	if err != nil || u.Query().Get("from") != day.AddDate(0, 0, -14).Format(time.DateOnly) {
		b.fatalf("spike link's days: %q", href)
	}
	if st := b.submit(`[data-kind="spike"] .explore-link`); st != http.StatusOK || !strings.HasPrefix(b.path(), "/spend?") {
		b.fatalf("the spike's link: status %d at %s", st, b.path())
	}
	if got := evalJS[string](b, `document.querySelector("#spend-to").value`); got != day.Format(time.DateOnly) {
		b.fatalf("explorer range ends %q, want %s", got, day.Format(time.DateOnly))
	}
	if got := evalJS[string](b, `document.querySelector("#filter-service").selectedOptions[0].value`); got != u.Query().Get("filter") {
		b.fatalf("explorer service filter %q, want %q", got, u.Query().Get("filter"))
	}
	b.shot("alerts-explorer")

	b.open("/alerts")
	ack := `[data-kind="spike"] form[action^="/alerts/ack/"] button`
	if st := b.submit(ack); st != http.StatusOK {
		b.fatalf("acknowledge: status %d", st)
	}
	b.mustSee("acknowledged.", "acknowledged by "+demo.email)
}
