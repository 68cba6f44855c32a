package web_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
	"github.com/canopyhq/canopy/internal/web"
)

// withTimeouts rebuilds the fixture's server with short session timeouts.
func withTimeouts(t *testing.T, f *fixture, idle, lifetime time.Duration) {
	t.Helper()
	ui := &web.Server{Auth: f.svc, R: f.ui.R, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Sessions: web.NewSessionManager(f.st, idle, lifetime, false)}
	mux := http.NewServeMux()
	ui.Routes(mux)
	f.srv.Close()
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	f.ui = ui
}

// The clock decides these tests' outcome only through session expiry; no
// duration is asserted.
func TestSessionIdleTimeout(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		withTimeouts(t, f, time.Second, time.Hour)
		c := f.client("owner-a@example.com")
		if code, _ := f.do(c, "GET", "/profile", nil); code != http.StatusOK {
			t.Fatalf("fresh session: %d", code)
		}
		time.Sleep(1500 * time.Millisecond)
		if code, _ := f.do(c, "GET", "/profile", nil); code != http.StatusSeeOther {
			t.Fatalf("after the idle timeout: %d, want redirect to sign-in", code)
		}
	})
}

func TestSessionAbsoluteTimeout(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		withTimeouts(t, f, time.Hour, 2*time.Second)
		c := f.client("owner-a@example.com")
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			code, _ := f.do(c, "GET", "/profile", nil)
			if code == http.StatusSeeOther {
				return // activity did not keep the session alive past its lifetime
			}
			time.Sleep(300 * time.Millisecond)
		}
		t.Fatal("a session in constant use outlived its absolute lifetime")
	})
}
