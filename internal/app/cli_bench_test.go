package app

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
