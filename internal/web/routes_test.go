package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/keyvault"
	"github.com/canopyhq/canopy/internal/mail/mailtest"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
	"github.com/canopyhq/canopy/internal/web"
)

type fixture struct {
	t      *testing.T
	srv    *httptest.Server
	ui     *web.Server
	svc    *auth.Service
	st     *store.Store
	users  map[string]domain.User // by email
	orgs   map[string]domain.Org  // "A", "B"
	passwd string
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	st := store.New(db)
	kv, err := keyvault.OpenLocal(filepath.Join(t.TempDir(), "k.key"))
	if err != nil {
		t.Fatal(err)
	}
	svc := auth.NewService(st, kv, &mailtest.Outbox{}, "http://127.0.0.1")
	r, err := web.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ui := &web.Server{Auth: svc, Imports: newImports(t, db), Connections: newConnections(t, db, kv), R: r, Log: log,
		Sessions: web.NewSessionManager(st, time.Hour, 2*time.Hour, false)}
	mux := http.NewServeMux()
	ui.Routes(mux)
	f := &fixture{t: t, srv: httptest.NewServer(mux), ui: ui, svc: svc, st: st, users: map[string]domain.User{},
		orgs: map[string]domain.Org{}, passwd: "correct horse battery staple 42"}
	t.Cleanup(f.srv.Close)
	f.seed("A", "owner-a@example.com", "viewer-a@example.com")
	f.seed("B", "owner-b@example.com", "viewer-b@example.com")
	return f
}

func (f *fixture) seed(org, owner, viewer string) {
	ctx := context.Background()
	hash, err := auth.HashPassword(f.passwd)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, email := range []string{owner, viewer} {
		now := domain.Now()
		u := domain.User{ID: domain.NewID(domain.PrefixUser), Email: email, PasswordHash: hash, Status: domain.UserActive,
			CreatedAt: now, UpdatedAt: now}
		if err := f.st.CreateUser(ctx, u); err != nil {
			f.t.Fatal(err)
		}
		f.users[email] = u
	}
	o, err := f.svc.CreateOrg(ctx, "Org "+org, f.users[owner].ID, audit.Actor{})
	if err != nil {
		f.t.Fatal(err)
	}
	f.orgs[org] = o
	if err := f.st.AddMember(ctx, o.ID, f.users[viewer].ID, []domain.RoleGrant{{Role: auth.RoleViewer}}, domain.Now()); err != nil {
		f.t.Fatal(err)
	}
}

// client returns an HTTP client that does not follow redirects, signed in
// as email when it is not empty.
func (f *fixture) client(email string) *http.Client {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if email == "" {
		return c
	}
	resp, err := c.PostForm(f.srv.URL+"/signin/password", url.Values{"email": {email}, "password": {f.passwd}})
	if err != nil {
		f.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		f.t.Fatalf("sign in %s: %d %s", email, resp.StatusCode, resp.Header.Get("Location"))
	}
	return c
}

func (f *fixture) do(c *http.Client, method, path string, form url.Values) (int, string) {
	var body io.Reader
	if method == http.MethodPost {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, f.srv.URL+path, body)
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// fill substitutes path parameters.
func fill(pattern string, params map[string]string) (method, path string) {
	method, path, _ = strings.Cut(pattern, " ")
	path = strings.TrimSuffix(path, "{$}")
	for k, v := range params {
		path = strings.ReplaceAll(path, "{"+k+"}", v)
	}
	return method, path
}

func TestProtectedRoutesNeedSignIn(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		anon := f.client("")
		for _, rt := range f.ui.RouteList() {
			if rt.Access == web.Public {
				continue
			}
			method, path := fill(rt.Pattern, map[string]string{"id": "x", "sid": "x", "token": "x"})
			code, _ := f.do(anon, method, path, url.Values{})
			if code != http.StatusSeeOther {
				t.Errorf("%s anonymous: status %d, want redirect to sign-in", rt.Pattern, code)
			}
		}
	})
}

func TestViewerRefusedWithoutPermission(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		viewer := f.client("viewer-a@example.com")
		p, err := f.svc.LoadPrincipal(context.Background(), f.users["viewer-a@example.com"].ID, f.orgs["A"].ID)
		if err != nil {
			t.Fatal(err)
		}
		params := map[string]string{"id": f.users["owner-a@example.com"].ID, "sid": "x"}
		checked := 0
		for _, rt := range f.ui.RouteList() {
			if rt.Access != web.Needs || p.Can(rt.Perm) {
				continue
			}
			method, path := fill(rt.Pattern, params)
			code, body := f.do(viewer, method, path, url.Values{"roles": {"owner"}, "name": {"x"}, "email": {"x@example.com"}})
			if code != http.StatusForbidden || !strings.Contains(body, "You do not have permission") {
				t.Errorf("%s as viewer: status %d, want 403 page", rt.Pattern, code)
			}
			checked++
		}
		if checked < 10 {
			t.Fatalf("only %d routes checked; the viewer should lack most admin permissions", checked)
		}
		m, err := f.st.GetMember(context.Background(), f.orgs["A"].ID, f.users["owner-a@example.com"].ID)
		if err != nil || m.Grants[0].Role != auth.RoleOwner || m.Status != domain.UserActive {
			t.Fatalf("owner changed by a viewer: %+v %v", m, err)
		}
	})
}

func TestOrgCannotReachAnotherOrg(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ownerB := f.client("owner-b@example.com") // gives B a live session
		_ = ownerB
		sessions, err := f.st.ListSessions(context.Background(), f.users["owner-b@example.com"].ID)
		if err != nil || len(sessions) != 1 {
			t.Fatalf("B session: %v %v", sessions, err)
		}
		ownerA := f.client("owner-a@example.com")
		params := map[string]string{"id": f.users["owner-b@example.com"].ID, "sid": sessions[0].ID, "token": "x"}
		form := url.Values{"roles": {"viewer"}, "org_id": {f.orgs["B"].ID}, "name": {"Hijacked"}}
		for _, rt := range f.ui.RouteList() {
			if rt.Access == web.Public || rt.Pattern == "POST /profile/sessions/revoke-others" {
				continue
			}
			method, path := fill(rt.Pattern, params)
			code, body := f.do(ownerA, method, path, form)
			if strings.Contains(rt.Pattern, "{id}") && code != http.StatusNotFound {
				t.Errorf("%s on org B's user: status %d, want 404", rt.Pattern, code)
			}
			if strings.Contains(body, "owner-b@example.com") || strings.Contains(body, "Org B") {
				t.Errorf("%s leaked org B data", rt.Pattern)
			}
		}
		assertBUntouched(t, f, sessions[0].ID)
	})
}

func assertBUntouched(t *testing.T, f *fixture, sessionID string) {
	t.Helper()
	ctx := context.Background()
	m, err := f.st.GetMember(ctx, f.orgs["B"].ID, f.users["owner-b@example.com"].ID)
	if err != nil || len(m.Grants) != 1 || m.Grants[0].Role != auth.RoleOwner || m.Status != domain.UserActive {
		t.Fatalf("org B's owner changed: %+v %v", m, err)
	}
	org, err := f.st.GetOrg(ctx, f.orgs["B"].ID)
	if err != nil || org.Name != "Org B" {
		t.Fatalf("org B changed: %+v %v", org, err)
	}
	list, err := f.st.ListSessions(ctx, f.users["owner-b@example.com"].ID)
	if err != nil || len(list) != 1 || list[0].ID != sessionID {
		t.Fatalf("org B's session was revoked: %+v %v", list, err)
	}
}
