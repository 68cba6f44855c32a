package partnercenter

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
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
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/jobs"
	"github.com/canopyhq/canopy/internal/keyvault"
	"github.com/canopyhq/canopy/internal/sandbox"
	"github.com/canopyhq/canopy/internal/store"
)

// syncEnv is the sandbox cloud, with Canopy's app consented in the
// partner tenant, and a connect.Service on a real store.
type syncEnv struct {
	t     *testing.T
	ctx   context.Context
	cloud *sandbox.Cloud
	db    *store.DB
	st    *store.Store
	svc   *connect.Service
	owner *auth.Principal
	who   audit.Actor
	log   *slog.Logger
}

func newSyncEnv(t *testing.T, db *store.DB, at time.Time) *syncEnv {
	t.Helper()
	cloud, err := sandbox.Start(sandbox.Options{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cloud.Close() })
	cloud.Clock.Set(at)
	if err := adminConsent(cloud); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := jobs.Migrate(ctx, string(db.Engine), db.W); err != nil {
		t.Fatal(err)
	}
	kv, err := keyvault.OpenLocal(filepath.Join(t.TempDir(), "key"))
	if err != nil {
		t.Fatal(err)
	}
	e := &syncEnv{t: t, ctx: ctx, cloud: cloud, db: db, st: store.New(db), who: audit.Actor{Email: "owner@a.test"},
		log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	e.svc = connect.New(e.st, kv, nil, e.log)
	e.svc.Connectors = connect.NewRegistry()
	e.svc.Connectors.Register(Connector{})
	e.svc.Now = cloud.Clock.Now
	e.svc.Env = connect.Env{HTTPClient: cloud.CA.Client(), Clouds: config.Clouds{AzureClientID: cloud.Demo.App.ClientID,
		AzureClientSecret: cloud.Demo.App.Secret, AzureAuthority: cloud.EntraURL, PartnerCenter: cloud.PartnerURL}}
	e.svc.Jobs = e.runner()
	now := domain.Now()
	o := domain.Org{ID: domain.NewID(domain.PrefixOrg), Name: "Org A", CreatedAt: now, UpdatedAt: now}
	if err := e.st.CreateOrg(ctx, o); err != nil {
		t.Fatal(err)
	}
	g := []auth.Grant{{Role: auth.RoleOwner}}
	e.owner = &auth.Principal{User: domain.User{ID: domain.NewID(domain.PrefixUser)}, Org: o, Grants: g, Perms: auth.OrgPermissions(g)}
	return e
}

func (e *syncEnv) runner() *jobs.Runner {
	e.t.Helper()
	reg := jobs.NewRegistry()
	e.svc.Register(reg)
	r, err := jobs.New(string(e.db.Engine), e.db.W, jobs.Options{Logger: e.log, Registry: reg, FetchPollInterval: 20 * time.Millisecond})
	if err != nil {
		e.t.Fatal(err)
	}
	if err := r.Start(e.ctx); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = r.Stop(ctx)
	})
	return r
}

func (e *syncEnv) create() connect.Connection {
	e.t.Helper()
	b, _ := json.Marshal(Settings{PartnerTenantID: e.cloud.Demo.PartnerTenant.ID})
	name := "Partner Center"
	c, err := e.svc.Create(e.ctx, e.owner, e.who, connect.Input{Kind: connect.KindPartnerCenter, Name: &name, Settings: b})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *syncEnv) syncNow(c connect.Connection) store.ConnectionSync {
	e.t.Helper()
	y, err := e.svc.SyncNow(e.ctx, e.owner, e.who, c.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for !y.Finished() {
		if time.Now().After(deadline) {
			e.t.Fatalf("sync %s still %s", y.ID, y.State)
		}
		time.Sleep(20 * time.Millisecond)
		if y, err = e.svc.Sync(e.ctx, e.owner, c.ID, y.ID); err != nil {
			e.t.Fatal(err)
		}
	}
	return y
}

// imports returns the organisation's live (not replaced) imports by key.
func (e *syncEnv) imports() map[string]costs.Import {
	e.t.Helper()
	list, err := e.st.Costs().Imports(e.ctx, e.owner.Org.ID, 1000)
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]costs.Import{}
	for _, im := range list {
		if im.Status == costs.StatusSucceeded {
			out[im.SourceKey] = im
		}
	}
	return out
}

var (
	actionRE = regexp.MustCompile(`action="([^"]*)"`)
	csrfRE   = regexp.MustCompile(`name="csrf" value="([^"]*)"`)
)

// adminConsent grants Canopy's app admin consent in the partner tenant
// through Entra's pages, as the partner's admin would.
func adminConsent(cloud *sandbox.Cloud) error {
	jar, _ := cookiejar.New(nil)
	hc := cloud.CA.Client()
	hc.Jar = jar
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	q := url.Values{"client_id": {cloud.Demo.App.ClientID}, "scope": {Scope}, "state": {"s"}}
	req, _ := http.NewRequest(http.MethodGet, cloud.EntraURL+"/"+cloud.Demo.PartnerTenant.ID+"/v2.0/adminconsent?"+q.Encode(), nil)
	login := url.Values{"login": {cloud.Demo.PartnerAdmin.UPN}, "passwd": {sandbox.DemoPassword}, "sbx_step": {"login"}}
	for range 10 {
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		page, loc := string(body), resp.Header.Get("Location")
		switch {
		case resp.StatusCode == http.StatusFound && strings.Contains(loc, "admin_consent=True"):
			return nil
		case resp.StatusCode == http.StatusFound:
			req, _ = http.NewRequest(http.MethodGet, resolve(cloud.EntraURL, loc), nil)
		case strings.Contains(page, `name="login"`):
			req = form(cloud.EntraURL, page, login)
		case strings.Contains(page, `name="csrf"`):
			req = form(cloud.EntraURL, page, url.Values{"sbx_step": {"consent"}, "csrf": {csrfRE.FindStringSubmatch(page)[1]}, "decision": {"accept"}})
		default:
			return fmt.Errorf("admin consent stopped at %d: %.300s", resp.StatusCode, page)
		}
	}
	return fmt.Errorf("admin consent: too many pages")
}

func resolve(base, loc string) string {
	if strings.HasPrefix(loc, "/") {
		return base + loc
	}
	return loc
}

func form(base, page string, v url.Values) *http.Request {
	action := html.UnescapeString(actionRE.FindStringSubmatch(page)[1])
	req, _ := http.NewRequest(http.MethodPost, resolve(base, action), strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}
