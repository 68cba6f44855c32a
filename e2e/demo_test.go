package e2e

import (
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var demoBanner = regexp.MustCompile(`Canopy demo is running at (\S+)\s+Sign in as (\S+) with password (\S+)`)

// demoRun is what one `canopy demo` start printed.
type demoRun struct {
	proc            *proc
	url, email, pwd string
}

// startDemo runs `canopy demo` on dataDir and waits until it serves.
func startDemo(t *testing.T, dataDir string, extra ...string) demoRun {
	t.Helper()
	addr := freeAddr(t)
	args := append([]string{"demo", "--data", dataDir, "--addr", addr}, extra...)
	p := startProc(t, "canopy demo", nil, args...)
	p.waitReady(t, "http://"+addr)
	m := demoBanner.FindStringSubmatch(p.stdout.String())
	if m == nil {
		t.Fatalf("canopy demo did not print its URL and sign-in:\n%s", p.stdout.String())
	}
	if m[1] != "http://"+addr {
		t.Errorf("canopy demo printed URL %s, want http://%s", m[1], addr)
	}
	return demoRun{proc: p, url: m[1], email: m[2], pwd: m[3]}
}

// signsIn checks the printed credentials open the demo organisation.
func (d demoRun) signsIn(t *testing.T) {
	t.Helper()
	cookie := sessionCookie(t, d.url, d.email, d.pwd)
	home := fetch(t, "GET", d.url+"/", nil, cookie, "")
	if home.Status != http.StatusOK || !strings.Contains(home.Body, "Contoso (demo)") {
		t.Errorf("demo overview: status %d (location %q), want 200 naming Contoso (demo)", home.Status, home.Location)
	}
}

func TestDemoPrintsWorkingLoginAndKeepsItsData(t *testing.T) {
	t.Parallel()
	data := filepath.Join(t.TempDir(), "demo")

	first := startDemo(t, data)
	first.signsIn(t)
	first.proc.stop(t)

	again := startDemo(t, data)
	if again.pwd != first.pwd || again.email != first.email {
		t.Errorf("second run printed %s / %s, want the first run's %s / %s", again.email, again.pwd, first.email, first.pwd)
	}
	again.signsIn(t)
	again.proc.stop(t)

	reset := startDemo(t, data, "--reset")
	if reset.pwd == first.pwd {
		t.Errorf("--reset kept the old password")
	}
	reset.signsIn(t)
	if p := signInHTTP(t, reset.url, first.email, first.pwd); p.Status != http.StatusUnauthorized {
		t.Errorf("after --reset the old password answers %d, want 401", p.Status)
	}
}
