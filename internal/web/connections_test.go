package web_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/billing/focusgen"
	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/jobs"
	"github.com/canopyhq/canopy/internal/keyvault"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// oneDay is a connector that imports one small generated FOCUS day and
// whose doctor finds one permission missing.
type oneDay struct{}

func (oneDay) Kind() connect.Kind { return connect.KindAzure }

func (oneDay) Sync(ctx context.Context, _ connect.Connection, _ []byte, run *connect.Run) error {
	var buf bytes.Buffer
	day := run.To.AddDate(0, 0, -1)
	if _, err := focusgen.Generate(&buf, focusgen.Options{Rows: 25, Seed: 3, Start: day, Days: 1}); err != nil {
		return err
	}
	run.Progress(0, 1, "Costs of "+day.Format(time.DateOnly))
	if _, err := run.ImportFOCUS(ctx, "costs/"+day.Format(time.DateOnly), &buf); err != nil {
		return err
	}
	run.Progress(1, 1, "done")
	return nil
}

func (oneDay) Probe(context.Context, connect.Env, connect.Connection, []byte) ([]connect.Check, error) {
	return []connect.Check{{Feature: "Costs", Needs: "Cost Management Reader", Granted: true, Detail: "3 subscriptions"},
		{Feature: "Tag write-back", Needs: "Tag Contributor", Detail: "not assigned on sub-2", Fix: "web-test-tag-contributor"}}, nil
}

func init() {
	connect.RegisterHelp(connect.HelpPage{Slug: "web-test-tag-contributor", Title: "Assign Tag Contributor",
		Steps: []string{"Open the subscription's Access control (IAM)."},
		Code:  []connect.HelpCode{{Label: "Azure CLI", Language: "shell", Text: "az role assignment create --role \"Tag Contributor\""}}})
}

// newConnections is the connection service with a runner that is not
// started (startConnJobs starts it).
func newConnections(t *testing.T, db *store.DB, kv keyvault.KeyVault) *connect.Service {
	t.Helper()
	if err := jobs.Migrate(context.Background(), string(db.Engine), db.W); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := connect.New(store.New(db), kv, nil, log)
	svc.Connectors = connect.NewRegistry()
	svc.Connectors.Register(oneDay{})
	reg := jobs.NewRegistry()
	svc.Register(reg)
	runner, err := jobs.New(string(db.Engine), db.W, jobs.Options{Logger: log, Registry: reg, FetchPollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	svc.Jobs = runner
	return svc
}

func (f *fixture) startConnJobs() {
	f.t.Helper()
	if err := f.ui.Connections.Jobs.Start(context.Background()); err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = f.ui.Connections.Jobs.Stop(ctx)
	})
}

var connURL = regexp.MustCompile(`^/connections/(con_[A-Za-z0-9_-]+)$`)

// addConnection posts the add form and returns the new connection's ID.
func (f *fixture) addConnection(c *http.Client, name, secret string) string {
	f.t.Helper()
	form := url.Values{"kind": {"azure"}, "name": {name}, "settings": {`{"tenant_id":"11111111-2222-3333-4444-555555555555"}`},
		"secret": {secret}, "sync_hour": {"4"}, "enabled": {"on"}}
	return f.createConn(c, form)
}

func TestConnectionPagesSyncDoctorAndHelp(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		owner := f.client("owner-a@example.com")
		if code, body := f.do(owner, "GET", "/connections", nil); code != 200 || !strings.Contains(body, "No connections yet") {
			t.Fatalf("empty list: %d", code)
		}
		id := f.addConnection(owner, "Contoso Azure", "WEB-SECRET-7f3a")
		page := "/connections/" + id
		code, body := f.do(owner, "GET", page, nil)
		if code != 200 || !strings.Contains(body, "Contoso Azure") || !strings.Contains(body, "Stored (encrypted)") || strings.Contains(body, "WEB-SECRET") {
			t.Fatalf("connection page %d (secret shown: %v)", code, strings.Contains(body, "WEB-SECRET"))
		}
		form := url.Values{"name": {"Contoso"}, "settings": {`{"tenant_id":"x"}`}, "secret": {""}, "sync_hour": {"5"}, "enabled": {"on"}}
		if code, _ := f.do(owner, "POST", page, form); code != http.StatusSeeOther {
			t.Fatalf("edit: %d", code)
		}
		c, err := f.st.GetConnection(context.Background(), f.orgs["A"].ID, id)
		if err != nil || c.Name != "Contoso" || c.SyncHour != 5 || len(c.Secret) == 0 {
			t.Fatalf("after edit with an empty secret: %+v %v", c, err)
		}
		form.Set("sync_hour", "25")
		if code, body := f.do(owner, "POST", page, form); code != 400 || !strings.Contains(body, "0 to 23") {
			t.Fatalf("bad hour: %d", code)
		}
		if code, _ := f.do(owner, "POST", page+"/sync", nil); code != http.StatusSeeOther {
			t.Fatalf("sync now: %d", code)
		}
		if _, body := f.do(owner, "GET", page, nil); !strings.Contains(body, `hx-get="`+page+`/progress"`) {
			t.Fatal("the page does not poll the queued sync")
		}
		f.startConnJobs()
		waitFor(t, func() bool {
			_, frag := f.do(owner, "GET", page+"/progress", nil)
			return strings.Contains(frag, `data-status="succeeded"`)
		})
		if _, body := f.do(owner, "GET", page, nil); !strings.Contains(body, "data-sync=") || !strings.Contains(body, ">25<") {
			t.Fatal("no history row with the 25 imported lines")
		}
		if code, _ := f.do(owner, "POST", page+"/doctor", nil); code != http.StatusSeeOther {
			t.Fatalf("doctor: %d", code)
		}
		if _, body := f.do(owner, "GET", page, nil); !strings.Contains(body, `href="/help/web-test-tag-contributor"`) || !strings.Contains(body, "✗") {
			t.Fatal("doctor table without the fix link")
		}
		if code, body := f.do(owner, "GET", "/help/web-test-tag-contributor", nil); code != 200 || !strings.Contains(body, "Assign Tag Contributor") || !strings.Contains(body, "az role assignment create") {
			t.Fatalf("help page: %d", code)
		}
		if code, _ := f.do(owner, "GET", "/help/no-such-page", nil); code != 404 {
			t.Fatalf("unknown help page: %d", code)
		}
		assertOthersCannotReach(t, f, id, page)
	})
}

func assertOthersCannotReach(t *testing.T, f *fixture, id, page string) {
	t.Helper()
	viewer := f.client("viewer-a@example.com")
	for _, p := range []string{"/connections", page} {
		if code, _ := f.do(viewer, "GET", p, nil); code != 403 {
			t.Errorf("viewer GET %s: %d, want 403", p, code)
		}
	}
	ownerB := f.client("owner-b@example.com")
	for _, rt := range []struct{ method, path string }{{"GET", page}, {"GET", page + "/progress"}, {"POST", page + "/sync"},
		{"POST", page + "/doctor"}, {"POST", page + "/delete"}, {"POST", page}} {
		code, body := f.do(ownerB, rt.method, rt.path, url.Values{"name": {"Hijacked"}, "sync_hour": {"1"}})
		if code != 404 || strings.Contains(body, "Contoso") {
			t.Errorf("org B %s %s: %d, want 404", rt.method, rt.path, code)
		}
	}
	if _, body := f.do(ownerB, "GET", "/connections", nil); strings.Contains(body, id) || strings.Contains(body, "Contoso") {
		t.Error("org B's list shows A's connection")
	}
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !ok(); time.Sleep(30 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
	}
}
