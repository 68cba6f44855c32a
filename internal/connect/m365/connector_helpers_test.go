package m365_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/config"
	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/connect/m365"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/jobs"
	"github.com/canopyhq/canopy/internal/keyvault"
	"github.com/canopyhq/canopy/internal/sandbox"
	"github.com/canopyhq/canopy/internal/store"
)

// world is a sandbox cloud, a database and the connection service with
// the real Microsoft 365 connector, its jobs worked by River.
type world struct {
	t     *testing.T
	ctx   context.Context
	cloud *sandbox.Cloud
	st    *store.Store
	svc   *connect.Service
	owner *auth.Principal
}

func newWorld(t *testing.T, db *store.DB) *world {
	t.Helper()
	cloud, err := sandbox.Start(sandbox.Options{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cloud.Close() })
	w := &world{t: t, ctx: context.Background(), cloud: cloud, st: store.New(db)}
	w.svc = w.service(db)
	now := domain.Now()
	org := domain.Org{ID: domain.NewID(domain.PrefixOrg), Name: "Org A", CreatedAt: now, UpdatedAt: now}
	if err := w.st.CreateOrg(w.ctx, org); err != nil {
		t.Fatal(err)
	}
	g := []auth.Grant{{Role: auth.RoleOwner}}
	w.owner = &auth.Principal{User: domain.User{ID: domain.NewID(domain.PrefixUser), Email: "o@a.test"}, Org: org, Grants: g, Perms: auth.OrgPermissions(g)}
	return w
}

func (w *world) service(db *store.DB) *connect.Service {
	t := w.t
	if err := jobs.Migrate(w.ctx, string(db.Engine), db.W); err != nil {
		t.Fatal(err)
	}
	kv, err := keyvault.OpenLocal(filepath.Join(t.TempDir(), "key"))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelError}))
	svc := connect.New(w.st, kv, nil, log)
	svc.Connectors = connect.NewRegistry()
	// Waits before retries move the sandbox clock instead of sleeping.
	svc.Connectors.Register(m365.Connector{Now: w.cloud.Clock.Now, Sleep: func(ctx context.Context, d time.Duration) error {
		w.cloud.Clock.Advance(d)
		return ctx.Err()
	}})
	d := w.cloud.Demo
	svc.Env = connect.Env{HTTPClient: w.cloud.CA.Client(), Clouds: config.Clouds{AzureClientID: d.App.ClientID,
		AzureClientSecret: d.App.Secret, AzureAuthority: w.cloud.EntraURL, Graph: w.cloud.GraphURL}}
	reg := jobs.NewRegistry()
	svc.Register(reg)
	runner, err := jobs.New(string(db.Engine), db.W, jobs.Options{Logger: log, Registry: reg, FetchPollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	svc.Jobs = runner
	if err := runner.Start(w.ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = runner.Stop(ctx)
	})
	return svc
}

// connect creates the Microsoft 365 connection of the demo's Contoso.
func (w *world) connect() connect.Connection {
	w.t.Helper()
	name := "Contoso 365"
	c, err := w.svc.Create(w.ctx, w.owner, audit.Actor{}, connect.Input{Kind: connect.KindM365, Name: &name,
		Settings: []byte(`{"tenant_id": "` + w.cloud.Demo.Customer.ID + `"}`)})
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

// sync runs a sync now and waits for its outcome.
func (w *world) sync(c connect.Connection) store.ConnectionSync {
	w.t.Helper()
	y, err := w.svc.SyncNow(w.ctx, w.owner, audit.Actor{}, c.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if y, err = w.svc.Sync(w.ctx, w.owner, c.ID, y.ID); err != nil {
			w.t.Fatal(err)
		}
		if y.Finished() {
			return y
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("sync still %s after 30 s", y.State)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// consent walks Entra's admin-consent pages as Contoso's admin.
func (w *world) consent() {
	t, c := w.t, w.cloud
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Transport: c.CA.Client().Transport, Jar: jar, CheckRedirect: func(r *http.Request, _ []*http.Request) error {
		if r.URL.Query().Has("admin_consent") || r.URL.Query().Has("error") {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	start := c.EntraURL + "/" + c.Demo.Customer.ID + "/v2.0/adminconsent?" +
		url.Values{"client_id": {c.Demo.App.ClientID}, "scope": {m365.GraphScope}}.Encode()
	page := post(t, hc, start, url.Values{"sbx_step": {"login"}, "login": {c.Demo.Admin.UPN}, "passwd": {sandbox.DemoPassword}})
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no consent form: %.300s", page)
	}
	post(t, hc, start, url.Values{"sbx_step": {"consent"}, "csrf": {m[1]}, "decision": {"accept"}})
	if c.Entra.ServicePrincipalID(c.Demo.Customer.ID, c.Demo.App.ClientID) == "" {
		t.Fatal("consent not recorded")
	}
}

func post(t *testing.T, hc *http.Client, u string, form url.Values) string {
	t.Helper()
	res, err := hc.Post(u, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 400 {
		t.Fatalf("POST %s: %d %.300s", u, res.StatusCode, b)
	}
	return string(b)
}
