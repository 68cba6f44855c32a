package app

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canopyhq/canopy/internal/config"
	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/connect/m365"
	"github.com/canopyhq/canopy/internal/sandbox/entra"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
	"github.com/canopyhq/canopy/internal/svcaccount/collector"
)

// lockedBuffer collects the app's log while the server writes to it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) Bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return bytes.Clone(l.b.Bytes())
}

// bodyCapture keeps the bodies the server received for the service
// account form, as the handler then reads them.
type bodyCapture struct {
	mu     sync.Mutex
	bodies [][]byte
}

func (c *bodyCapture) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/service-account") {
			b, _ := io.ReadAll(r.Body)
			c.mu.Lock()
			c.bodies = append(c.bodies, b)
			c.mu.Unlock()
			r.Body = io.NopCloser(bytes.NewReader(b))
		}
		next.ServeHTTP(w, r)
	})
}

var compactJWE = regexp.MustCompile(`^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$`)

// The JWE round trip browser → server → collector. A person types the
// service account's password into the real page in chromium; the page's
// script encrypts it. The body the server received holds a JWE and no
// password; neither do the SQLite files, the stored rows, the server's
// log (debug level), a heap dump (runtime/debug.WriteHeapDump) nor a scan
// of the whole process memory taken after the request — the password
// never reached this process. The web request path decrypted nothing.
// Then the collector (the sync job) decrypts it and the sandbox's Entra
// ID, which holds only a hash of the password, issues a delegated token
// that Graph's GET /me accepts.
func TestServiceAccountPasswordNeverReachesTheServer(t *testing.T) {
	secret := newMaskedSecret(24)
	logs := &lockedBuffer{}
	a, srv, capture, dbDir := openLoggedApp(t, logs)
	cloud := startAzureSandbox(t, a)
	a.Connections.Env.PublicURL = srv.URL
	d := cloud.Demo
	const upn = "svc-browser@contoso.onmicrosoft.com"
	cloud.Entra.AddUserWithPasswordHash(d.Customer.ID, upn, secret.sandboxHash(upn))
	cloud.Entra.AssignDirectoryRole(upn, entra.RoleGlobalReader) // reads the mailbox statistics
	if err := cloud.Entra.GrantAdminConsent(d.Customer.ID, d.App.ClientID, m365.GraphScope); err != nil {
		t.Fatal(err)
	}
	var decrypts atomic.Int32
	a.Connections.Connectors.Register(m365.Connector{Accounts: collector.Accounts{Keys: a.Collector, Decrypted: func() { decrypts.Add(1) }}})
	addOwner(t, a, "ines@acme.test", "correct horse battery staple 42")
	connID := m365Connection(t, a, d.Customer.ID)

	b := &browser{t: t, ctx: browserTab(t), base: srv.URL}
	b.navigate("/signin")
	b.fill("#email", "ines@acme.test")
	b.submit(`button[type=submit]`)
	b.fill("#password", "correct horse battery staple 42")
	b.submit(`button[type=submit]`)
	b.navigate("/connections/" + connID)
	b.waitFor("the script to enable the form", `!document.querySelector("#sa-save").disabled`)
	if name := b.eval(`String(document.querySelector("#sa-password").getAttribute("name"))`); name != "null" {
		t.Fatalf("the password input has name %q: the browser would post it", name)
	}
	b.run("type the username", chromedp.SendKeys("#sa-username", upn))
	var one [1]byte
	for i := range secret.len() { // a key at a time: the test never holds the password whole
		one[0] = secret.at(i)
		b.run("type a password character", chromedp.SendKeys("#sa-password", string(one[:])))
	}
	one[0] = 0
	b.submit("#sa-save")
	b.waitFor("the saved account", `!!document.querySelector("[data-sa-state=unverified]")`)

	body := capture.only(t)
	form, err := url.ParseQuery(string(body))
	if err != nil || form.Get("username") != upn || !compactJWE.MatchString(form.Get("password_jwe")) || len(form) != 2 {
		t.Fatalf("the server received %q (%v)", body, err)
	}
	jwe := form.Get("password_jwe")
	if secret.foundIn(body) {
		t.Fatal("the request body holds the password")
	}
	row, err := a.Store.GetM365ServiceAccount(context.Background(), ownerOrg(t, a, "ines@acme.test"), connID)
	if err != nil || row.PasswordJWE != jwe || row.Username != upn {
		t.Fatalf("stored row %+v (%v)", row, err)
	}
	assertNoSecretInDB(t, a, secret, dbDir, jwe)
	if l := logs.Bytes(); secret.foundIn(l) || !bytes.Contains(l, []byte("POST /connections/{id}/service-account")) {
		t.Fatalf("the log holds the password, or did not log the request: %s", l)
	}
	assertNoSecretInMemory(t, secret, []byte(jwe))
	if n := decrypts.Load(); n != 0 {
		t.Fatalf("the web request path decrypted %d times", n)
	}

	// The collector: the sync job decrypts and signs in.
	if err := a.Jobs.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	sys, _ := a.Auth.SystemPrincipal(context.Background(), ownerOrg(t, a, "ines@acme.test"))
	if _, err := a.Connections.SyncNow(context.Background(), sys, cliActor, connID); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute) // a bound for a loaded machine, not a timing check
	for row.CheckState == store.ServiceAccountUnverified && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		row, _ = a.Store.GetM365ServiceAccount(context.Background(), ownerOrg(t, a, "ines@acme.test"), connID)
	}
	if row.CheckState != store.ServiceAccountOK || row.LastUsedAt == nil || !strings.Contains(row.CheckDetail, "Signed in as "+upn) || decrypts.Load() != 1 {
		t.Fatalf("after the sync: %+v (decrypted %d times)", row, decrypts.Load())
	}
	b.navigate("/connections/" + connID)
	if st := b.eval(`document.querySelector("[data-sa-state]").dataset.saState`); st != "ok" {
		t.Fatalf("the page shows state %q", st)
	}
	// What the account read: the analytics page's Mailboxes section.
	b.navigate("/m365/analytics?connection=" + connID)
	if n := b.eval(`String(document.querySelectorAll("#m365-mailbox-types tbody tr").length)`); n == "0" || n == "" {
		t.Fatalf("the Mailboxes section shows %s mailbox types", n)
	}
	if s := b.eval(`String(document.querySelector("[data-reason^=service_account]"))`); s != "null" {
		t.Fatalf("the Mailboxes section says %s", s)
	}
}

// openLoggedApp is a SQLite app whose job workers are not started (the
// test starts them for the collector step), logging at debug level into
// logs, served with the body capture in front.
func openLoggedApp(t *testing.T, logs io.Writer) (*App, *httptest.Server, *bodyCapture, string) {
	t.Helper()
	cfg := config.Default()
	cfg.DB = storetest.DSN(t, store.SQLite)
	cfg.KeyFile = filepath.Join(t.TempDir(), "canopy.key")
	cfg.JobWorkers = 2
	if err := cfg.Finish(); err != nil {
		t.Fatal(err)
	}
	a, err := Open(context.Background(), cfg, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	h, err := a.Handler()
	if err != nil {
		t.Fatal(err)
	}
	capture := &bodyCapture{}
	srv := httptest.NewServer(capture.wrap(h))
	t.Cleanup(func() {
		srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = a.Close(ctx)
	})
	return a, srv, capture, filepath.Dir(strings.TrimPrefix(cfg.DB, "sqlite:"))
}

func (c *bodyCapture) only(t *testing.T) []byte {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.bodies) != 1 {
		t.Fatalf("the server received %d service-account posts, want 1", len(c.bodies))
	}
	return c.bodies[0]
}

func m365Connection(t *testing.T, a *App, tenant string) string {
	t.Helper()
	sys, err := a.Auth.SystemPrincipal(context.Background(), ownerOrg(t, a, "ines@acme.test"))
	if err != nil {
		t.Fatal(err)
	}
	name := "Contoso 365"
	c, err := a.Connections.Create(context.Background(), sys, cliActor, connect.Input{Kind: connect.KindM365, Name: &name,
		Settings: []byte(`{"tenant_id":"` + tenant + `"}`)})
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// assertNoSecretInDB scans every SQLite file (database, WAL) and every
// row of the service-account and audit tables.
func assertNoSecretInDB(t *testing.T, a *App, s maskedSecret, dir, jwe string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "canopy.db*"))
	var sawJWE bool
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if s.foundIn(b) {
			t.Fatalf("database file %s holds the password", filepath.Base(f))
		}
		sawJWE = sawJWE || bytes.Contains(b, []byte(jwe))
	}
	if len(files) == 0 || !sawJWE {
		t.Fatalf("control: the database files %v do not hold the stored JWE", files)
	}
	for _, q := range []string{`SELECT username || password_jwe || kid || check_detail FROM m365_service_accounts`,
		`SELECT action || details || target_id FROM audit_events`} {
		rows, err := a.DB.R.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var v string
			_ = rows.Scan(&v)
			if s.foundIn([]byte(v)) {
				t.Fatalf("a row holds the password: %s", q)
			}
		}
		rows.Close()
	}
}

// assertNoSecretInMemory writes a heap dump of this process (server and
// all) and scans it and the whole process memory for the password; the
// JWE the server received is the control that the dump holds the
// request's data.
func assertNoSecretInMemory(t *testing.T, s maskedSecret, control []byte) {
	t.Helper()
	runtime.GC()
	f, err := os.Create(filepath.Join(t.TempDir(), "heap.dump"))
	if err != nil {
		t.Fatal(err)
	}
	debug.WriteHeapDump(f.Fd())
	f.Close()
	dump, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(dump, control) {
		t.Fatalf("control: the heap dump (%d bytes) does not hold the JWE the server received", len(dump))
	}
	if s.foundIn(dump) {
		t.Fatal("the heap dump holds the password")
	}
	secret, ctl := processMemoryHas(t, s, control)
	if !ctl {
		t.Fatal("control: the process memory scan did not find the JWE")
	}
	if secret {
		t.Fatal("the process memory holds the password")
	}
}
