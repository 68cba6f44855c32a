package app

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/store/storetest"
)

func TestBenchGenFocus(t *testing.T) {
	dir := t.TempDir()
	run := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := Run(context.Background(), Env{Args: args, Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }})
		return code, out.String(), errOut.String()
	}
	a, b := filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv.gz")
	code, out, stderr := run("bench", "gen-focus", "--rows", "700", "--seed", "9", "--days", "3", a)
	if code != 0 || !strings.Contains(out, "rows:   700\n") || !strings.Contains(out, "lines/s") || !strings.Contains(out, "BilledCost GBP: ") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	data, err := os.ReadFile(a)
	if err != nil || bytes.Count(data, []byte{'\n'}) != 701 {
		t.Fatalf("file: %v, %d lines", err, bytes.Count(data, []byte{'\n'}))
	}
	if code, _, _ := run("bench", "gen-focus", "--rows", "700", "--seed", "9", "--days", "3", "--gzip", b); code != 0 {
		t.Fatalf("gzip exit %d", code)
	}
	if z, _ := os.ReadFile(b); len(z) < 2 || z[0] != 0x1f || z[1] != 0x8b {
		t.Fatal("--gzip did not write a gzip file")
	}
	for _, bad := range [][]string{{"bench", "gen-focus", a}, {"bench", "gen-focus", "--rows", "5"}, {"bench", "gen-focus", "--rows", "5", "--start", "May 1", a}} {
		if code, _, _ := run(bad...); code == 0 {
			t.Fatalf("%v accepted", bad)
		}
	}
}

func TestBenchIngest(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f.csv")
	env := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := Run(context.Background(), Env{Args: args, Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }})
		return code, out.String(), errOut.String()
	}
	if code, _, stderr := env("bench", "gen-focus", "--rows", "1500", "--seed", "3", file); code != 0 {
		t.Fatalf("gen-focus: %s", stderr)
	}
	runs := [][]string{{"bench", "ingest", file}}
	if pg := storetest.PostgresURL(t); pg != "" {
		runs = append(runs, []string{"bench", "ingest", "--postgres", pg, file})
	}
	for _, args := range runs {
		code, out, stderr := env(args...)
		if code != 0 || !strings.Contains(out, "rows:   1500\n") || !strings.Contains(out, "lines/s") || !strings.Contains(out, "peak memory") {
			t.Fatalf("%v: exit %d, stdout %q, stderr %q", args, code, out, stderr)
		}
		scratchRemoved(t, out)
	}
	if code, _, _ := env("bench", "ingest", filepath.Join(dir, "missing.csv")); code == 0 {
		t.Fatal("a missing file was accepted")
	}
}

// scratchRemoved checks that the scratch database a bench run names in
// its report is gone.
func scratchRemoved(t *testing.T, out string) {
	t.Helper()
	m := regexp.MustCompile(`scratch (schema (\w+)|(\S+)),`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no scratch database named in %q", out)
	}
	if m[3] != "" {
		if _, err := os.Stat(filepath.Dir(m[3])); !os.IsNotExist(err) {
			t.Fatalf("scratch folder %s left behind (%v)", filepath.Dir(m[3]), err)
		}
		return
	}
	db, err := sql.Open("pgx", storetest.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var left int
	if err := db.QueryRow(`SELECT count(*) FROM information_schema.schemata WHERE schema_name = $1`, m[2]).Scan(&left); err != nil || left != 0 {
		t.Fatalf("scratch schema %s left behind (%d, %v)", m[2], left, err)
	}
}

func TestBenchQuery(t *testing.T) {
	var out, errOut bytes.Buffer
	args := []string{"bench", "query", "--rows", "3000", "--days", "5", "--runs", "1"}
	if pg := storetest.PostgresURL(t); pg != "" {
		args = append(args, "--postgres", pg)
	}
	code := Run(context.Background(), Env{Args: args, Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, q := range benchQueries {
		if !regexp.MustCompile(regexp.QuoteMeta(q.name) + ` +[1-9]\d* rows  best +[\d.]+ ms`).MatchString(out.String()) {
			t.Fatalf("no figure for %q in:\n%s", q.name, out.String())
		}
	}
	if !strings.Contains(out.String(), "3000 lines") {
		t.Fatalf("output %s", out.String())
	}
}

func TestBenchAllocate(t *testing.T) {
	var out, errOut bytes.Buffer
	args := []string{"bench", "allocate", "--rows", "3000", "--days", "40", "--rules", "60", "--splits", "6"}
	if pg := storetest.PostgresURL(t); pg != "" {
		args = append(args, "--postgres", pg)
	}
	code := Run(context.Background(), Env{Args: args, Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`full allocation: 2 months in [\d.]+ s \(\d+ lines/s\), [1-9]\d* group totals`),
		regexp.MustCompile(`one rule valid from 2026-02 changed: version 2, 1 month\(s\) recomputed`),
		regexp.MustCompile(`one undated rule moved to the top: version 3, 2 month\(s\) recomputed`),
	} {
		if !want.MatchString(out.String()) {
			t.Fatalf("no %q in:\n%s", want, out.String())
		}
	}
}
