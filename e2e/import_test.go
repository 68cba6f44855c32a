package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

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
	b.do("choose the file", chromedp.SetUploadFiles(chromedp.CSS("#cost-file"), []string{path}))
	b.click(`form[data-upload-form] button[type=submit]`)
	// The page stays: the upload bar fills, then the import's progress
	// fragment replaces it and polls until the import is done.
	b.waitFor("the import to finish", `!!document.querySelector('#import-progress[data-status="succeeded"], #import-progress[data-status="failed"]')`)
	if got := evalJS[float64](b, `document.getElementById("upload-bar").value`); got != 100 {
		b.fatalf("the upload progress bar stopped at %v%%, want 100", got)
	}
	if p := b.path(); p != "/spend/imports" {
		b.fatalf("the upload left the page for %s", p)
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
	b.shot("import-result")
	b.submit(`#import-progress a[href="/spend/imports"]`)
	b.mustSee("focus-e2e.csv", "succeeded", "ines@acme.test")
	// The upload's own page (where a browser without JavaScript lands)
	// shows the same result.
	status := evalJS[string](b, `document.querySelector('a[href^="/spend/imports/upl_"]').getAttribute("href")`)
	if st := b.open(status); st != 200 {
		b.fatalf("GET %s: status %d", status, st)
	}
	b.mustSee("Imported " + strconv.Itoa(stats.Rows) + " lines")
	b.do("1024x768 window", chromedp.EmulateViewport(1024, 768))
	noHorizontalScroll(b, "/spend/imports")
	b.shot("imports-1024")
	noHorizontalScroll(b, status)
}
