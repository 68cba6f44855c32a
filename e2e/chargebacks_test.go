package e2e

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/canopyhq/canopy/internal/pdftext"
)

// Generate last month's chargeback in the demo, read it and download its
// PDF with the page's cookie.
func TestChargebackGenerateSeeAndDownloadPDF(t *testing.T) {
	t.Parallel()
	b := syncedDemoTab(t)
	if st := b.submit(`#sidenav a[href="/chargebacks"]`); st != http.StatusOK {
		b.fatalf("Chargebacks: status %d", st)
	}
	b.mustSee("Generate a chargeback")
	month := evalJS[string](b, `document.querySelector("#cb-month").value`)
	if st := b.submit(`#generate-form button[type=submit]`); st != http.StatusOK {
		b.fatalf("generate: status %d", st)
	}
	b.mustSee("Chargeback for", "generated as version", "Business units", "Platform", "Download PDF")
	if !strings.HasPrefix(b.path(), "/chargebacks/"+month+"/versions/") {
		b.fatalf("after generating, the page is %s", b.path())
	}
	if !b.visible(".page-head .badge") {
		b.fatalf("no provisional/final badge")
	}
	b.shot("chargeback")
	noHorizontalScroll(b, b.path())

	text := pdfText(b, fetchPDF(b, evalJS[string](b, `document.querySelector("#download-pdf").href`)))
	for _, want := range []string{"Chargeback" + month, "Platform", "Amountdue"} {
		if !strings.Contains(text, want) {
			b.fatalf("the PDF lacks %q: %q", want, text)
		}
	}
}

// pdfText is a PDF's text without white space.
func pdfText(b *tab, raw []byte) string {
	b.t.Helper()
	text, err := pdftext.Text(raw)
	if err != nil {
		b.fatalf("read the PDF: %v", err)
	}
	return text
}

// syncedDemoTab starts a demo, signs its admin in on a 1024x768 tab and
// waits for the demo connections' first syncs.
func syncedDemoTab(t *testing.T) *tab {
	demo := startDemo(t, filepath.Join(t.TempDir(), "demo"))
	b := newTab(t, demo.url)
	b.do("1024x768 window", chromedp.EmulateViewport(1024, 768))
	b.signIn(demo.email, demo.pwd)
	demoSyncsDone(b)
	return b
}
