package app

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/config"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/store"
)

// cliRunner runs canopy commands against one SQLite database and key.
type cliRunner struct{ db, key string }

func newCLIRunner(t *testing.T) cliRunner {
	dir := t.TempDir()
	return cliRunner{db: "sqlite:" + filepath.Join(dir, "canopy.db"), key: filepath.Join(dir, "canopy.key")}
}

func (c cliRunner) run(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	args = append(args[:len(args):len(args)], "--db", c.db, "--key-file", c.key)
	code = Run(context.Background(), Env{Args: args, Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }})
	return code, out.String(), errOut.String()
}

// open opens the database the commands wrote, as a server would.
func (c cliRunner) open(t *testing.T) *App {
	t.Helper()
	cfg := config.Default()
	cfg.DB, cfg.KeyFile, cfg.JobWorkers = c.db, c.key, 0
	if err := cfg.Finish(); err != nil {
		t.Fatal(err)
	}
	a, err := Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.DB.Close() })
	return a
}

const billingTestdata = "../billing/testdata/"

func TestImportCommand(t *testing.T) {
	c := newCLIRunner(t)
	if code, out, errOut := c.run("user", "create", "--email", "owner@example.com", "--org", "Acme", "--role", "owner"); code != 0 {
		t.Fatalf("user create: exit %d\n%s%s", code, out, errOut)
	}
	focus, aws := billingTestdata+"focus12_quirks.csv.gz", billingTestdata+"aws_cur_legacy.csv"
	// A file before the flags and one after: both are imported, in order.
	code, out, errOut := c.run("import", focus, "--org", "Acme", aws)
	if code != 0 {
		t.Fatalf("import: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	wantLines(t, out,
		`^focus12_quirks\.csv\.gz: focus-1\.2, 2 lines, billing period 2026-01-01–2026-02-01, BilledCost 10\.3456789012 USD, \d+\.\d\d s$`,
		`^aws_cur_legacy\.csv: aws-cur, 15 lines, billing period 2026-01-01–2026-02-01, BilledCost 263\.5834559396 USD, \d+\.\d\d s$`)

	a := c.open(t)
	org, err := a.Auth.FindOrg(context.Background(), "Acme")
	if err != nil {
		t.Fatal(err)
	}
	assertBilledUSD(t, a, org.ID, "273.9291348408")
	assertImportAudits(t, a, org.ID, 2)

	// A bad copy of the AWS file fails with its line and column; the good
	// FOCUS file after it still imports (replacing its first import), and
	// the AWS data stored before stays.
	bad := badCopy(t, aws, 3, "lineItem/UnblendedCost", "1.5E-7x")
	code, out, errOut = c.run("import", "--org", "Acme", bad, focus)
	if code == 0 {
		t.Fatalf("import of a bad file: exit 0\nstdout:\n%s\nstderr:\n%s", out, errOut)
	}
	if !strings.Contains(errOut, "bad.csv: line 3, column lineItem/UnblendedCost") || !strings.Contains(errOut, "1 of 2 files failed") {
		t.Errorf("stderr does not name the file, line and column and the failure count:\n%s", errOut)
	}
	wantLines(t, out, `^focus12_quirks\.csv\.gz: focus-1\.2, 2 lines, .*, BilledCost 10\.3456789012 USD, .* \(replaced an earlier import\)$`)
	assertBilledUSD(t, a, org.ID, "273.9291348408")
	assertImportAudits(t, a, org.ID, 3)
}

func TestImportCommandNeedsAnExistingOrg(t *testing.T) {
	c := newCLIRunner(t)
	code, _, errOut := c.run("import", "--org", "Nobody", billingTestdata+"aws_cur2.csv")
	if code == 0 || !strings.Contains(errOut, `organisation "Nobody"`) {
		t.Errorf("exit %d, stderr %q: want a failure naming the organisation", code, errOut)
	}
}

// wantLines checks out has exactly one line per pattern, in order.
func wantLines(t *testing.T, out string, patterns ...string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != len(patterns) {
		t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(patterns), out)
	}
	for i, p := range patterns {
		if !regexp.MustCompile(p).MatchString(lines[i]) {
			t.Errorf("line %d = %q, want /%s/", i+1, lines[i], p)
		}
	}
}

func assertBilledUSD(t *testing.T, a *App, orgID, want string) {
	t.Helper()
	tot, err := a.Store.Costs().Totals(context.Background(), orgID, costs.TotalsFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if got := tot["USD"].Billed.String(); got != want || len(tot) != 1 {
		t.Errorf("stored BilledCost USD = %s (%d currencies), want %s only", got, len(tot), want)
	}
}

func assertImportAudits(t *testing.T, a *App, orgID string, want int) {
	t.Helper()
	page, err := a.Store.ListAudit(context.Background(), orgID, store.AuditFilter{Action: "costs.import"})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != want {
		t.Fatalf("%d costs.import audit entries, want %d", len(page.Items), want)
	}
	for _, ev := range page.Items {
		if strings.Contains(ev.Details, `"file":"focus12_quirks.csv.gz"`) {
			if !strings.Contains(ev.Details, `"format":"focus-1.2","rows":2,"source_key":"`) || ev.ActorEmail != cliActor.Email {
				t.Errorf("audit entry by %q with details %s: want the CLI actor, format, rows and source key", ev.ActorEmail, ev.Details)
			}
			return
		}
	}
	t.Errorf("no costs.import audit entry names focus12_quirks.csv.gz")
}

// badCopy writes src to t.TempDir()/bad.csv with one cell replaced.
func badCopy(t *testing.T, src string, line int, column, value string) string {
	t.Helper()
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := -1
	for i, h := range rows[0] {
		if h == column {
			col = i
		}
	}
	if col < 0 {
		t.Fatalf("%s has no column %s", src, column)
	}
	rows[line-1][col] = value
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
