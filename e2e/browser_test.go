package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// actionTimeout bounds one browser step (a navigation, a click, a wait).
const actionTimeout = 45 * time.Second

// browser is the one chromium all browser tests share; each test gets its
// own browser context (separate cookies) and tab. One process keeps the
// load on a 2-core machine low while tests run in parallel.
var browser struct {
	once   sync.Once
	ctx    context.Context
	cancel context.CancelFunc
	dir    string
	err    error
}

// chromiumPath finds Debian's chromium.
func chromiumPath() string {
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// browserContext returns the shared browser, starting it on first use. A
// missing chromium skips the test, except under CI where it must run.
func browserContext(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is not installed: browser tests must run in CI")
		}
		t.Skip("chromium is not installed; browser tests skipped")
	}
	browser.once.Do(func() { browser.err = startBrowser(path) })
	if browser.err != nil {
		t.Fatalf("start chromium: %v", browser.err)
	}
	return browser.ctx
}

func startBrowser(path string) error {
	dir, err := os.MkdirTemp("", "canopy-e2e-chromium-")
	if err != nil {
		return err
	}
	browser.dir = dir
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(dir),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	browser.ctx = ctx
	browser.cancel = func() { cancelCtx(); cancelAlloc() }
	// The first run binds the browser's life to ctx: no timeout here.
	return chromedp.Do(ctx)
}

// closeBrowser stops chromium and removes its profile.
func closeBrowser() {
	if browser.cancel != nil {
		browser.cancel()
	}
	if browser.dir != "" {
		os.RemoveAll(browser.dir)
	}
}

// tab is one test's browser tab, signed in or not, against one server.
type tab struct {
	t       *testing.T
	ctx     context.Context
	base    string
	shots   int
	shotDir string

	mu         sync.Mutex
	exceptions []string
}

// newTab opens a tab in a fresh browser context (own cookies) whose
// relative paths resolve against base. Uncaught JavaScript exceptions fail
// the test: the UI's scripts must not break.
func newTab(t *testing.T, base string) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browserContext(t), chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open tab: %v", err)
	}
	b := &tab{t: t, ctx: ctx, base: base}
	exceptions := chromedp.Events(ctx, runtime.ExceptionThrown)
	go func() {
		for ev, err := range exceptions {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.exceptions = append(b.exceptions, exceptionText(ev.ExceptionDetails))
			b.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, e := range b.exceptions {
			t.Errorf("uncaught JavaScript exception: %s", e)
		}
	})
	return b
}

func exceptionText(d *runtime.ExceptionDetails) string {
	if d == nil {
		return "(no details)"
	}
	text := d.Text
	if d.Exception != nil && d.Exception.Description != "" {
		text += " " + d.Exception.Description
	}
	return fmt.Sprintf("%s (%s:%d)", text, d.URL, d.LineNumber)
}

// fatalf stops the test with the page's address and text, and saves a
// screenshot of what the browser showed.
func (b *tab) fatalf(format string, args ...any) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		b.t.Logf("failure screenshot: %s", b.save("failure", png))
	}
	b.t.Fatalf("%s\npage: %s\ntext:\n%s", fmt.Sprintf(format, args...), loc, text)
}

// do runs steps with a deadline.
func (b *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.fatalf("%s: %v", what, err)
	}
}

// evalJS evaluates a JavaScript expression and decodes its value.
func evalJS[T any](b *tab, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

func (b *tab) url(path string) string {
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		return path
	}
	return b.base + path
}

// open navigates to path and returns the HTTP status of the page.
func (b *tab) open(path string) int64 {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(b.url(path)))
	if err != nil {
		b.fatalf("open %s: %v", path, err)
	}
	return resp.Status
}

// submit clicks sel (a submit button or a link), waits for the page it
// leads to and returns that page's HTTP status.
func (b *tab) submit(sel string) int64 {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		b.fatalf("click %s and wait for the next page: %v", sel, err)
	}
	return resp.Status
}

// fill replaces a field's value by typing, as a person would (so input
// events fire).
func (b *tab) fill(sel, value string) {
	b.t.Helper()
	if strings.Contains(sel, "password") || strings.Contains(sel, "code") {
		noteSecret(value)
	}
	clear := chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%s).value = ""`, jsString(sel)))
	b.do("fill "+sel, chromedp.WaitVisible(chromedp.CSS(sel)), clear, chromedp.SendKeys(chromedp.CSS(sel), value))
}

// click clicks sel without waiting for a navigation.
func (b *tab) click(sel string) {
	b.t.Helper()
	b.do("click "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// waitFor waits until the JavaScript expression is truthy.
func (b *tab) waitFor(what, expr string) {
	b.t.Helper()
	b.do("wait for "+what, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(actionTimeout), chromedp.WithPollingInterval(50*time.Millisecond)))
}

// text is what a person sees of the page: the body's rendered text.
func (b *tab) text() string {
	b.t.Helper()
	return evalJS[string](b, `document.body.innerText`)
}

// textOf is the rendered text of the first element matching sel, or "".
func (b *tab) textOf(sel string) string {
	b.t.Helper()
	return evalJS[string](b, fmt.Sprintf(`(document.querySelector(%s) || {innerText: ""}).innerText`, jsString(sel)))
}

// visible reports whether an element matching sel is rendered.
func (b *tab) visible(sel string) bool {
	b.t.Helper()
	return evalJS[bool](b, fmt.Sprintf(`(() => { const e = document.querySelector(%s);
		return !!e && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden"; })()`, jsString(sel)))
}

// path is the current address's path and query.
func (b *tab) path() string {
	b.t.Helper()
	return evalJS[string](b, `location.pathname + location.search`)
}

// mustSee fails unless the page shows every text.
func (b *tab) mustSee(texts ...string) {
	b.t.Helper()
	body := b.text()
	for _, s := range texts {
		if !strings.Contains(body, s) {
			b.fatalf("the page does not show %q", s)
		}
	}
}

// mustNotSee fails if the page shows any of the texts.
func (b *tab) mustNotSee(texts ...string) {
	b.t.Helper()
	body := b.text()
	for _, s := range texts {
		if strings.Contains(body, s) {
			b.fatalf("the page shows %q but must not", s)
		}
	}
}

// shot saves a full-page screenshot named after the test and step.
func (b *tab) shot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.fatalf("screenshot %s: %v", name, err)
	}
	b.save(name, png)
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

func (b *tab) save(name string, png []byte) string {
	b.shots++
	file := fmt.Sprintf("%s-%02d-%s.png", unsafeName.ReplaceAllString(b.t.Name(), "_"), b.shots, name)
	if b.shotDir == "" {
		b.shotDir = screenshotDir(b.t)
	}
	path := filepath.Join(b.shotDir, file)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Errorf("save screenshot: %v", err)
	}
	return path
}

// screenshotDir is $CANOPY_E2E_SCREENSHOTS when set, else a temporary
// folder of the test.
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("CANOPY_E2E_SCREENSHOTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("screenshot folder: %v", err)
	}
	return dir
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// evalVoid is an action that runs JavaScript for its effect.
func evalVoid(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](expr)
}

// sendKeys types into the element matching sel without clearing it.
func sendKeys(sel, v string) chromedp.Action[chromedp.Void] {
	return chromedp.SendKeys(chromedp.CSS(sel), v)
}

func jsFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
