package app

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/store/storetest"
)

// TestBenchLoad runs a short `canopy bench load` end to end: scratch
// data, real canopy serve child processes (two on PostgreSQL), web and
// API users, the report, and the checks afterwards.
func TestBenchLoad(t *testing.T) {
	loadNodeEnv = []string{asCanopy + "=1"}
	t.Cleanup(func() { loadNodeEnv = nil })
	cases := map[string][]string{"sqlite": nil}
	if pg := storetest.PostgresURL(t); pg != "" {
		cases["postgres"] = []string{"--postgres", pg, "--nodes", "2"}
	}
	for name, extra := range cases {
		t.Run(name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			args := append([]string{"bench", "load", "--rows", "3000", "--days", "20", "--users", "6",
				"--duration", "4s", "--think", "100ms", "--ramp", "0"}, extra...)
			code := Run(context.Background(), Env{Args: args, Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }})
			if code != 0 {
				t.Fatalf("exit %d: %s\n%s", code, errOut.String(), out.String())
			}
			nodes := 1 + len(extra)/3
			for _, want := range []*regexp.Regexp{
				regexp.MustCompile(`seeded 3000 cost lines \(\S+ to \S+\), 6 users \(3 with API tokens\)`),
				regexp.MustCompile(`users: 6, elapsed [\d.]+ s, requests [1-9]\d* \([\d.]+ req/s\), errors 0 \(of which shed with 503: 0\), signed out 0`),
				regexp.MustCompile(`web sign-in \(POST /signin/password\) +3 `),
				regexp.MustCompile(`memory node ` + string(rune('0'+nodes)) + ` \(pid \d+\): RSS at the end [1-9]\d* MiB`),
				regexp.MustCompile(`BilledCost equals the generator's in \[EUR GBP USD\] and all lines' totals are unchanged; audit chain intact`),
			} {
				if !want.MatchString(out.String()) {
					t.Errorf("no %q in:\n%s", want, out.String())
				}
			}
			if strings.Contains(out.String(), "error:") {
				t.Errorf("errors reported:\n%s", out.String())
			}
		})
	}
}
