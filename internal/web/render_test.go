package web

import (
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"strings"
	"testing"
)

type pageCase struct {
	page Page
	want []string
}

func newTestRenderer(t *testing.T) *Renderer {
	t.Helper()
	r, err := NewRenderer()
	if err != nil {
		t.Fatalf("NewRenderer: %v", err)
	}
	r.SetLogger(slog.New(slog.DiscardHandler)) // failures are asserted, not read
	return r
}

func render(t *testing.T, r *Renderer, p Page) (int, http.Header, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	r.Render(rec, http.StatusOK, p)
	return rec.Code, rec.Header(), rec.Body.String()
}

// Every template file must have a page struct, and the samples must cover
// every template, so nothing ships untested.
func TestEveryTemplateHasASample(t *testing.T) {
	r := newTestRenderer(t)
	covered := map[string]bool{}
	for _, c := range samplePages() {
		covered[c.page.Template()] = true
	}
	for name := range r.pages {
		if !covered[name] {
			t.Errorf("template %q has no sample page", name)
		}
	}
	files, _ := fs.Glob(templateFS, "templates/*.html")
	want := 0
	for _, f := range files {
		if !strings.HasPrefix(path.Base(f), sharedPrefix) { // not _layout, _partials, ...
			want++
		}
	}
	if len(r.pages) != want {
		t.Errorf("parsed %d pages, want %d", len(r.pages), want)
	}
}

func TestRenderSamplePages(t *testing.T) {
	r := newTestRenderer(t)
	for _, c := range samplePages() {
		t.Run(c.page.Template(), func(t *testing.T) {
			code, h, body := render(t, r, c.page)
			if code != http.StatusOK {
				t.Fatalf("status %d, body:\n%s", code, body)
			}
			if ct := h.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			common := []string{"<!doctype html>", `<html lang="en-GB">`, "<noscript>", "needs JavaScript",
				`id="cookie-banner"`, `href="#main">Skip to content`, `<main id="main"`, "· Canopy</title>"}
			for _, s := range append(common, c.want...) {
				if !strings.Contains(body, s) {
					t.Errorf("missing %s", s)
				}
			}
			checkMarkup(t, body)
		})
	}
}

// The app shell: nav in product order, header, org switcher, user menu.
func TestAppShell(t *testing.T) {
	r := newTestRenderer(t)
	_, _, body := render(t, r, HomePage{Layout: sampleLayout(NavSpend)})
	order := []string{`href="/"`, `href="/spend" aria-current="page">Spend`, `href="/allocation"`, `href="/budgets"`,
		`href="/chargebacks"`, `href="/recommendations"`, `href="/m365">Microsoft 365`, `href="/marketplace"`,
		`href="/connections"`, `href="/settings">Settings`}
	nav := body[strings.Index(body, `<nav id="sidenav"`):]
	last := -1
	for _, s := range order {
		i := strings.Index(nav, s)
		if i <= last {
			t.Errorf("nav item %s missing or out of order", s)
		}
		last = i
	}
	if strings.Count(body, `aria-current=`) != 1 {
		t.Errorf("want exactly one aria-current in the shell")
	}
	for _, s := range []string{`<header class="topbar">`, `>Canopy</span>`, `action="/org/switch"`, `name="org_id"`,
		`value="org_acme" selected`, `value="org_beta"`, `href="/profile"`, `action="/signout"`, `Sign out`,
		`aria-controls="sidenav"`, `aria-expanded="false"`} {
		if !strings.Contains(body, s) {
			t.Errorf("shell missing %s", s)
		}
	}
}

func TestOrgSwitcherOnlyWithSeveralOrgs(t *testing.T) {
	r := newTestRenderer(t)
	l := sampleLayout(NavOverview)
	l.Orgs = l.Orgs[:1]
	_, _, body := render(t, r, HomePage{Layout: l})
	if strings.Contains(body, `action="/org/switch"`) {
		t.Error("switcher shown for a single organisation")
	}
	if !strings.Contains(body, `class="org-name">Acme Ltd`) {
		t.Error("current organisation name not shown")
	}
}

func TestSettingsNavFollowsPermissions(t *testing.T) {
	r := newTestRenderer(t)
	l := sampleLayout(NavSettings)
	l.Can = nil
	_, _, body := render(t, r, OrgSettingsPage{Layout: l})
	if strings.Contains(body, `href="/settings/users"`) || strings.Contains(body, `href="/settings/audit"`) {
		t.Error("users/audit links shown without permission")
	}
	l.Can = map[string]bool{"users.read": true}
	_, _, body = render(t, r, OrgSettingsPage{Layout: l})
	if !strings.Contains(body, `href="/settings/users"`) || strings.Contains(body, `href="/settings/audit"`) {
		t.Error("users.read should show Users and only Users")
	}
}

func TestReadOnlyPagesHideWriteForms(t *testing.T) {
	r := newTestRenderer(t)
	cases := []struct {
		page   Page
		absent []string
	}{
		{OrgSettingsPage{Layout: sampleLayout(NavSettings), Name: "Acme"}, []string{`action="/settings"`, `name="mfa_required"`}},
		{UsersPage{Layout: sampleLayout(NavSettingsUsers), Users: sampleUsers(), Roles: sampleRoles()}, []string{`Add a user`, `name="mode"`}},
		{UserDetailPage{Layout: sampleLayout(NavSettingsUsers), User: sampleUsers()[0], Sessions: sampleSessions()}, []string{`/roles"`, `/deactivate"`, `/revoke"`}},
		{UserDetailPage{Layout: sampleLayout(NavSettingsUsers), User: sampleUsers()[0], CanManage: true, IsSelf: true}, []string{`/deactivate"`}},
		{ProfilePage{Layout: sampleLayout(NavProfile), HasPassword: true, MFAEnabled: true, MFARequired: true}, []string{`/profile/mfa/disable`}},
		{ProfilePage{Layout: sampleLayout(NavProfile)}, []string{`action="/profile/password"`}},
	}
	for _, c := range cases {
		code, _, body := render(t, r, c.page)
		if code != http.StatusOK {
			t.Fatalf("%s: status %d", c.page.Template(), code)
		}
		for _, s := range c.absent {
			if strings.Contains(body, s) {
				t.Errorf("%s: unexpectedly contains %s", c.page.Template(), s)
			}
		}
	}
}

func TestRenderZeroValuePages(t *testing.T) {
	r := newTestRenderer(t)
	for _, p := range zeroPages() {
		t.Run(p.Template(), func(t *testing.T) {
			code, _, body := render(t, r, p)
			if code != http.StatusOK {
				t.Fatalf("status %d, body:\n%s", code, body)
			}
			if !strings.Contains(body, "<noscript>") || !strings.Contains(body, "</html>") {
				t.Error("incomplete page")
			}
			checkMarkup(t, body)
		})
	}
}

var (
	formTag     = regexp.MustCompile(`<form\b[^>]*>`)
	controlTag  = regexp.MustCompile(`<(input|select|textarea)\b[^>]*>`)
	idAttr      = regexp.MustCompile(`\bid="([^"]+)"`)
	typeAttr    = regexp.MustCompile(`\btype="([^"]+)"`)
	describedBy = regexp.MustCompile(`aria-describedby="([^"]+)"`)
)

// checkMarkup enforces the accessibility and form rules on rendered HTML:
// every form states its method, every visible control has a label, and
// every aria-describedby points at an element that exists.
func checkMarkup(t *testing.T, body string) {
	t.Helper()
	for _, f := range formTag.FindAllString(body, -1) {
		if !strings.Contains(f, `method="post"`) && !strings.Contains(f, `method="get"`) {
			t.Errorf("form without method: %s", f)
		}
	}
	for _, c := range controlTag.FindAllString(body, -1) {
		if m := typeAttr.FindStringSubmatch(c); m != nil && m[1] == "hidden" {
			continue
		}
		id := idAttr.FindStringSubmatch(c)
		if id == nil || !strings.Contains(body, `for="`+id[1]+`"`) {
			t.Errorf("control without a label: %s", c)
		}
	}
	for _, m := range describedBy.FindAllStringSubmatch(body, -1) {
		for _, id := range strings.Fields(m[1]) {
			if !strings.Contains(body, `id="`+id+`"`) {
				t.Errorf("aria-describedby points at missing id %q", id)
			}
		}
	}
}

func TestHostileStringsAreEscaped(t *testing.T) {
	r := newTestRenderer(t)
	evil := `<script>alert("x")</script>`
	l := sampleLayout(NavSettingsUsers)
	l.CurrentUser.Name = evil
	l.Flash = &Flash{Kind: FlashError, Message: evil}
	users := sampleUsers()
	users[0].Name, users[0].ID = evil, `x"><img src=x onerror=alert(1)>`
	_, _, body := render(t, r, UsersPage{Layout: l, Users: users, Query: evil})
	if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") {
		t.Fatal("hostile markup reached the page unescaped")
	}
	if !strings.Contains(body, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
		t.Error("escaped user name not found")
	}
	_, _, body = render(t, r, RecoveryCodesPage{Layout: l, ContinueURL: "javascript:alert(1)"})
	if strings.Contains(body, `href="javascript:`) {
		t.Error("javascript: URL was not neutralised")
	}
}

func TestTemplateFailureGivesClean500(t *testing.T) {
	r := newTestRenderer(t)
	// brokenPage reuses the home template without the Cards field, so
	// execution fails halfway through, after "Welcome" was written.
	code, _, body := render(t, r, brokenPage{Layout: sampleLayout(NavOverview)})
	if code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", code)
	}
	if strings.Contains(body, "Welcome") {
		t.Error("half of the failed page leaked into the response")
	}
	if !strings.Contains(body, "Something went wrong") || !strings.Contains(body, "req_7f3a9c") {
		t.Errorf("500 page lacks heading or request id:\n%s", body)
	}
	code, _, _ = render(t, r, unknownPage{})
	if code != http.StatusInternalServerError {
		t.Errorf("unknown template: status %d, want 500", code)
	}
}

type brokenPage struct{ Layout }

func (brokenPage) Template() string { return "home" }

type unknownPage struct{ Layout }

func (unknownPage) Template() string { return "no_such_page" }

func TestRenderPartialStrength(t *testing.T) {
	r := newTestRenderer(t)
	rec := httptest.NewRecorder()
	r.RenderPartial(rec, "strength", StrengthView{Score: 9, Label: "Very strong", Acceptable: true, Feedback: []string{"Add <another> word"}})
	body := rec.Body.String()
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("status %d, type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	for _, s := range []string{`data-score="4"`, "Very strong", "Add &lt;another&gt; word"} {
		if !strings.Contains(body, s) {
			t.Errorf("missing %s in %s", s, body)
		}
	}
	if strings.Contains(body, "<!doctype") || strings.Contains(body, "not accepted") {
		t.Error("partial rendered the shell or a wrong verdict")
	}
	rec = httptest.NewRecorder()
	r.RenderPartial(rec, "no_such_partial", nil)
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("unknown partial: status %d", rec.Code)
	}
}

// Asset URLs in pages must be the ones the static handler serves forever.
func TestPagesLinkVersionedAssets(t *testing.T) {
	r := newTestRenderer(t)
	_, _, body := render(t, r, HomePage{})
	h := StaticHandler()
	for _, name := range []string{"app.css", "app.js", "vendor/htmx.min.js", "noscript.css", "favicon.svg"} {
		url, err := AssetURL(name)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(body, `"`+strings.ReplaceAll(url, "&", "&amp;")+`"`) {
			t.Errorf("page does not link %s", url)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", url, nil))
		if rec.Code != 200 || !strings.Contains(rec.Header().Get("Cache-Control"), "immutable") {
			t.Errorf("%s: status %d cache %q", url, rec.Code, rec.Header().Get("Cache-Control"))
		}
		if path.Ext(name) == ".js" && rec.Header().Get("Content-Type") != "text/javascript; charset=utf-8" {
			t.Errorf("%s served as %q", name, rec.Header().Get("Content-Type"))
		}
	}
	if _, err := AssetURL("missing.css"); err == nil {
		t.Error("AssetURL accepted a missing file")
	}
}
