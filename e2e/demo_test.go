package e2e

import (
	"context"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/store"
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
	demoImportedCostsOnce(t, data)

	reset := startDemo(t, data, "--reset")
	if reset.pwd == first.pwd {
		t.Errorf("--reset kept the old password")
	}
	reset.signsIn(t)
	if p := signInHTTP(t, reset.url, first.email, first.pwd); p.Status != http.StatusUnauthorized {
		t.Errorf("after --reset the old password answers %d, want 401", p.Status)
	}
}

// demoImportedCostsOnce checks, in the stopped demo's database, that the
// generated cost data was imported by the first run only.
func demoImportedCostsOnce(t *testing.T, dataDir string) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(dataDir, "canopy.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st := store.New(db)
	org, err := st.GetOrgByName(ctx, "Contoso (demo)")
	if err != nil {
		t.Fatal(err)
	}
	imps, err := st.Costs().Imports(ctx, org.ID, 1000)
	if err != nil {
		t.Fatal(err)
	}
	// The demo's connections import too (their syncs may be cut short when
	// the demo stops); the generated file is imported once.
	var files []costs.Import
	for _, im := range imps {
		if im.CreatedBy == "cli" {
			files = append(files, im)
		}
	}
	if len(files) != 1 || files[0].Status != costs.StatusSucceeded || files[0].Rows == 0 {
		t.Fatalf("demo file imports after two runs: %+v, want one succeeded import", files)
	}
	tot, err := st.Costs().Totals(ctx, org.ID, costs.TotalsFilter{})
	if err != nil || len(tot) < 2 {
		t.Errorf("demo cost totals %v (err %v), want several currencies", tot, err)
	}
}
