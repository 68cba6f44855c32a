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
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/billing/focusgen"
	"github.com/canopyhq/canopy/internal/config"
	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// stepper is a Microsoft 365 connector for this test: it imports three
// small FOCUS days, one step at a time with a pause so a person (and the
// browser) sees the progress move.
type stepper struct{}

func (stepper) Kind() connect.Kind { return connect.KindM365 }

func (stepper) Sync(ctx context.Context, _ connect.Connection, _ []byte, run *connect.Run) error {
	for i := range 3 {
		day := run.To.AddDate(0, 0, i-3)
		run.Progress(int64(i), 3, "Licences of "+day.Format(time.DateOnly))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
		var buf bytes.Buffer
		if _, err := focusgen.Generate(&buf, focusgen.Options{Rows: 20, Seed: int64(i), Start: day, Days: 1}); err != nil {
			return err
		}
		if _, err := run.ImportFOCUS(ctx, "day/"+day.Format(time.DateOnly), &buf); err != nil {
			return err
		}
	}
	run.Progress(3, 3, "done")
	return nil
}

func (stepper) Probe(context.Context, connect.Env, connect.Connection, []byte) ([]connect.Check, error) {
	return []connect.Check{{Feature: "M365 users", Needs: "User.Read.All", Granted: true, Detail: "42 users"},
		{Feature: "Usage reports", Needs: "Reports.Read.All", Detail: "403 Forbidden", Fix: "app-test-reports"}}, nil
}

// openServingApp is a SQLite app with job workers, served on loopback.
func openServingApp(t *testing.T) (*App, *httptest.Server) {
	t.Helper()
	cfg := config.Default()
	cfg.DB = storetest.DSN(t, store.SQLite)
	cfg.KeyFile = filepath.Join(t.TempDir(), "canopy.key")
	cfg.JobWorkers = 2
	if err := cfg.Finish(); err != nil {
		t.Fatal(err)
	}
	a, err := Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.StartJobs(context.Background()); err != nil {
		t.Fatal(err)
	}
	h, err := a.Handler()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = a.Close(ctx)
	})
	return a, srv
}

// addOwner creates a user with a password and an organisation they own.
func addOwner(t *testing.T, a *App, email, password string) {
	t.Helper()
	ctx := context.Background()
	hash, err := auth.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	now := domain.Now()
	u := domain.User{ID: domain.NewID(domain.PrefixUser), Email: email, PasswordHash: hash, Status: domain.UserActive, CreatedAt: now, UpdatedAt: now}
	if err := a.Store.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Auth.CreateOrg(ctx, "Acme", u.ID, audit.Actor{}); err != nil {
		t.Fatal(err)
	}
}

// Cross-site form posts to the Connections pages are refused before any
// handler runs.
func TestConnectionFormsRefuseCrossSitePosts(t *testing.T) {
	_, srv := openServingApp(t)
	for _, path := range []string{"/connections", "/connections/con_x/sync", "/connections/con_x/delete"} {
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(url.Values{"name": {"x"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site POST %s: %d, want 403", path, res.StatusCode)
		}
	}
}

func chromium(t *testing.T) string {
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed: browser tests must run in CI")
	}
	t.Skip("chromium is not installed")
	return ""
}

func browserTab(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium(t)), chromedp.Headless,
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.WindowSize(1024, 768))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first run binds the browser's life to ctx: no timeout here.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}
