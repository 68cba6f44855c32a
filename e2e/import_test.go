package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canopyhq/canopy/internal/billing/focusgen"
)

// TestImportUploadShowsProgressAndResult signs in, uploads a FOCUS file on
// Spend → Imports, and sees the upload's progress bar fill, the import
// finish and its result with the file's line count, then the import in
// the history.
func TestImportUploadShowsProgressAndResult(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "focus-e2e.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	stats, err := focusgen.Generate(f, focusgen.Options{Rows: 3000, Seed: 21, Days: 10})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	n := startNode(t, nodeConfig{})
	otp := n.addUser(t, "ines@acme.test", "Acme", "owner")
	b := newTab(t, n.URL)
	b.firstSignIn("ines@acme.test", otp)

	if st := b.open("/spend/imports"); st != 200 {
		b.fatalf("GET /spend/imports: status %d", st)
	}
	b.mustSee("Imports", "Import a billing file", "No imports yet.")
	// The upload bar's text changes with its value; keep the highest seen
	// in sessionStorage, which survives the navigation to the status page.
	b.do("watch the upload bar", chromedp.Evaluate[chromedp.Void](`(() => {
		const bar = document.getElementById("upload-bar");
		new MutationObserver(() => sessionStorage.setItem("upload-bar-max",
			String(Math.max(Number(sessionStorage.getItem("upload-bar-max") || 0), bar.value))))
			.observe(bar, {childList: true, characterData: true, subtree: true});
	})()`))
	b.do("choose the file", chromedp.SetUploadFiles(chromedp.CSS("#cost-file"), []string{path}))
	b.click(`form[data-upload-form] button[type=submit]`)
	b.waitAcrossNavigation("the status page", `/^\/spend\/imports\/upl_/.test(location.pathname) && document.readyState === "complete"`)
	b.waitFor("the import to finish", `!!document.querySelector('#import-progress[data-status="succeeded"], #import-progress[data-status="failed"]')`)
	if got := evalJS[string](b, `sessionStorage.getItem("upload-bar-max")`); got != "100" {
		b.fatalf("the upload progress bar reached %q, want 100", got)
	}
	if st := b.textOf("#import-progress"); !strings.Contains(st, "Imported "+strconv.Itoa(stats.Rows)+" lines") {
		b.fatalf("result: %q", st)
	}
	if rows := strings.TrimSpace(b.textOf("#import-progress [data-rows]")); rows != strconv.Itoa(stats.Rows) {
		b.fatalf("result shows %s lines, the file has %d", rows, stats.Rows)
	}
	for cur := range stats.BilledCost {
		b.mustSee(cur)
	}
	if b.visible("#import-progress[hx-get]") {
		b.fatalf("the finished import still polls")
	}
	status := b.path()
	b.shot("import-result")
	b.submit(`a[href="/spend/imports"]:not([aria-current])`)
	b.mustSee("focus-e2e.csv", "succeeded", "ines@acme.test")
	b.do("1024x768 window", chromedp.EmulateViewport(1024, 768))
	noHorizontalScroll(b, "/spend/imports")
	b.shot("imports-1024")
	noHorizontalScroll(b, status)
}

// waitAcrossNavigation polls expr until it is true, through the page
// changes the script causes (an evaluation cut off by one is retried).
func (b *tab) waitAcrossNavigation(what, expr string) {
	b.t.Helper()
	deadline := time.Now().Add(actionTimeout)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+expr+")"))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.fatalf("wait for %s: still not there after %s (last error %v)", what, actionTimeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
