package e2e

import (
	"context"
	"encoding/base64"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// In the demo, buy an item from the catalog with a purchase-order number,
// watch the order go through the sandbox vendor's ordering system to
// Completed, issue the month's invoices as operations, and find the order
// on its invoice — the page and the PDF — with the PO number as printed.
func TestMarketplaceBuyCompleteAndFindOnTheInvoicePDF(t *testing.T) {
	t.Parallel()
	demo := startDemo(t, filepath.Join(t.TempDir(), "demo"))
	b := newTab(t, demo.url)
	b.do("1024x768 window", chromedp.EmulateViewport(1024, 768))
	b.signIn(demo.email, demo.pwd)

	if st := b.submit(`#sidenav a[href="/marketplace"]`); st != http.StatusOK {
		b.fatalf("Marketplace: status %d", st)
	}
	b.mustSee("Photoshop", "Microsoft 365 E3", "Jira Standard (per user)")
	b.fill("#catalog-q", "Illustrator")
	if st := b.submit(`#catalog-filter button[type=submit]`); st != http.StatusOK {
		b.fatalf("search the catalog: status %d", st)
	}
	b.mustNotSee("Microsoft 365 E3")
	if st := b.submit(`a[id^="buy-ITM-"]`); st != http.StatusOK {
		b.fatalf("Buy: status %d", st)
	}
	if h := b.textOf("main h1"); h != "Buy Illustrator" {
		b.fatalf("buy form heading %q", h)
	}
	const po = "PO-E2E-4711-ILLUSTRATOR-TEAM" // 28 characters: printed as its first 16 and "…"
	b.fill("#buy-quantity", "3")
	b.waitFor("the total for 3 licences", `document.querySelector("#buy-total").innerText.includes("1,079.64")`)
	b.fill("#buy-po", po)
	b.shot("marketplace-buy")
	if st := b.submit("#buy-submit"); st != http.StatusOK {
		b.fatalf("place the order: status %d", st)
	}
	if !strings.HasPrefix(b.path(), "/marketplace/orders/ORD-") {
		b.fatalf("after placing the order the page is %s", b.path())
	}
	orderID := b.textOf("#order-id")
	// The vendor's ordering system is asked every 15 s; the status panel
	// refreshes itself until the order is done.
	deadline := time.Now().Add(2 * time.Minute)
	for evalJS[string](b, `document.querySelector("#order-status")?.dataset.status || ""`) != "Completed" {
		if time.Now().After(deadline) {
			b.fatalf("order %s not completed after 2 minutes: %q", orderID, b.textOf("#order-status"))
		}
		time.Sleep(200 * time.Millisecond)
	}
	b.mustSee("Completed: the vendor fulfilled the order.")
	b.shot("marketplace-order")

	// Operations issue this month's invoices.
	if st := b.open("/marketplace/invoices"); st != http.StatusOK {
		b.fatalf("invoices: status %d", st)
	}
	// A month field takes no typing in Chromium: set it as its picker would.
	b.do("choose this month", evalVoid(`document.querySelector("#mkt-issue-month").value = `+jsString(time.Now().UTC().Format("2006-01"))))
	if st := b.submit(`#issue-form button[type=submit]`); st != http.StatusOK {
		b.fatalf("issue invoices: status %d", st)
	}
	// The order's page says where it was billed.
	if st := b.open("/marketplace/orders/" + orderID); st != http.StatusOK {
		b.fatalf("order page: status %d", st)
	}
	if st := b.submit(`#order-billing a[href^="/marketplace/invoices/INV-"]`); st != http.StatusOK {
		b.fatalf("the order's invoice: status %d", st)
	}
	b.mustSee("PO No. PO-E2E-4711-ILLU…", orderID, "Illustrator")
	b.shot("marketplace-invoice")
	noHorizontalScroll(b, b.path())

	invoice := b.path()
	text := pdfText(b, fetchPDF(b, evalJS[string](b, `document.querySelector("#download-pdf").href`)))
	for _, want := range []string{"PONo.PO-E2E-4711-ILLU…", orderID, "Illustrator"} {
		if !strings.Contains(text, want) {
			b.fatalf("the invoice PDF lacks %q: %q", want, text)
		}
	}

	// On a phone the pages fit the screen (wide tables scroll inside
	// their frame).
	b.do("390x844 window", chromedp.EmulateViewport(390, 844))
	for _, path := range []string{"/marketplace", "/marketplace/orders/" + orderID, invoice, "/marketplace/manage"} {
		noHorizontalScroll(b, path)
	}
}

// fetchPDF downloads href with the page's cookie and checks it is a PDF.
func fetchPDF(b *tab, href string) []byte {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	encoded, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(`+jsString(href)+`).then(async r => {
		if (!r.ok || r.headers.get("content-type") !== "application/pdf") return "status " + r.status + " " + r.headers.get("content-type");
		const bytes = new Uint8Array(await r.arrayBuffer());
		let s = "";
		for (const c of bytes) s += String.fromCharCode(c);
		return btoa(s);
	})`, chromedp.EvalAwaitPromise))
	if err != nil {
		b.fatalf("fetch %s: %v", href, err)
	}
	raw, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		b.fatalf("the PDF download %s answered %q", href, encoded)
	}
	return raw
}
