package e2e

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/cockroachdb/apd/v3"
)

// leadingAmount reads "1,234.50 EUR" as the exact 1234.50.
func leadingAmount(b *tab, sel string) *apd.Decimal {
	b.t.Helper()
	fields := strings.Fields(b.textOf(sel))
	if len(fields) == 0 {
		b.fatalf("%s is empty", sel)
	}
	d, _, err := apd.NewFromString(strings.ReplaceAll(fields[0], ",", ""))
	if err != nil {
		b.fatalf("%s shows %q, not an amount", sel, b.textOf(sel))
	}
	return d
}

// After the demo's first syncs a person opens Recommendations, sees the
// open savings total, opens a recommendation with its estimate and
// basis, dismisses it with a reason, and sees the total drop by exactly
// its estimate and the recommendation among the dismissed ones.
func TestSeeAndDismissARecommendation(t *testing.T) {
	t.Parallel()
	demo := startDemo(t, filepath.Join(t.TempDir(), "demo"))
	b := newTab(t, demo.url)
	b.do("1024x768 window", chromedp.EmulateViewport(1024, 768))
	b.signIn(demo.email, demo.pwd)
	demoSyncsDone(b)
	if st := b.submit(`#sidenav a[href="/recommendations"]`); st != http.StatusOK {
		b.fatalf("Recommendations: status %d", st)
	}
	b.mustSee("Estimated monthly saving (open)", "Microsoft 365", "Azure Advisor")
	before := leadingAmount(b, "#rec-open-total")
	b.shot("recommendations")
	title := b.textOf("#recommendations tr[data-estimated] a")
	href := evalJS[string](b, `document.querySelector("#recommendations tr[data-estimated] a").getAttribute("href")`)
	link := `#recommendations a[href="` + href + `"]`
	if st := b.submit("#recommendations tr[data-estimated] a"); st != http.StatusOK {
		b.fatalf("open %q: status %d", title, st)
	}
	b.mustSee(title, "What the source says", "Basis:")
	estimate := leadingAmount(b, "#rec-estimate")
	b.fill("#rec-dismiss-reason", "Kept on purpose: e2e")
	if st := b.submit("#rec-dismiss"); st != http.StatusOK {
		b.fatalf("dismiss: status %d", st)
	}
	b.mustSee("Recommendation dismissed.", "Kept on purpose: e2e")
	if got := b.textOf("#rec-status"); got != "Dismissed" {
		b.fatalf("status shows %q", got)
	}
	b.shot("recommendation-dismissed")
	if st := b.submit(`.eyebrow a[href="/recommendations"]`); st != http.StatusOK {
		b.fatalf("back to the list: status %d", st)
	}
	after := leadingAmount(b, "#rec-open-total")
	want := new(apd.Decimal)
	if _, err := apd.BaseContext.Sub(want, before, estimate); err != nil || after.Cmp(want) != 0 {
		b.fatalf("open total %s after dismissing %s from %s", after, estimate, before)
	}
	if b.visible(link) {
		b.fatalf("the dismissed %s is still among the open ones", href)
	}
	b.do("filter dismissed", chromedp.SetValue(chromedp.CSS("#rec-status"), "dismissed"))
	if st := b.submit(`form.filters button[type="submit"]`); st != http.StatusOK {
		b.fatalf("filter: status %d", st)
	}
	if !b.visible(link) {
		b.fatalf("the dismissed %s is not among the dismissed ones", href)
	}
}
