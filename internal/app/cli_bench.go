package app

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/canopyhq/canopy/internal/billing/focusgen"
)

// runBenchGenFocus writes a reproducible FOCUS 1.2 file for the import
// benchmarks (issue 4): the same flags always give the same bytes.
func runBenchGenFocus(_ context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("canopy bench gen-focus", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintln(env.Stderr, "Usage: canopy bench gen-focus --rows N [--seed S] [--days D] [--start YYYY-MM-DD] [--gzip] FILE")
		fs.PrintDefaults()
	}
	var o focusgen.Options
	var start string
	fs.IntVar(&o.Rows, "rows", 0, "cost lines to write (required)")
	fs.Int64Var(&o.Seed, "seed", 1, "random seed; the same seed gives the same file")
	fs.IntVar(&o.Days, "days", 30, "charge days to spread the lines over")
	fs.StringVar(&start, "start", "2026-01-01", "first charge day (UTC)")
	fs.BoolVar(&o.Gzip, "gzip", false, "gzip the file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || o.Rows <= 0 {
		fs.Usage()
		return fmt.Errorf("need --rows > 0 and one FILE")
	}
	var err error
	if o.Start, err = time.Parse(time.DateOnly, start); err != nil {
		return fmt.Errorf("--start: want YYYY-MM-DD, got %q", start)
	}
	return genFocusFile(env, fs.Arg(0), o)
}

func genFocusFile(env Env, path string, o focusgen.Options) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	began := time.Now()
	st, err := focusgen.Generate(f, o)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path) // a partial file would be mistaken for a benchmark input
		return err
	}
	took := time.Since(began)
	fmt.Fprintf(env.Stdout, "rows:   %d\nbytes:  %d (%.1f MB; CSV %.1f MB, %d bytes/line)\ntime:   %.3f s\nspeed:  %.0f lines/s\n",
		st.Rows, st.Bytes, float64(st.Bytes)/1e6, float64(st.CSVBytes)/1e6, st.CSVBytes/int64(max(st.Rows, 1)),
		took.Seconds(), float64(st.Rows)/took.Seconds())
	curs := make([]string, 0, len(st.BilledCost))
	for c := range st.BilledCost {
		curs = append(curs, c)
	}
	sort.Strings(curs)
	for _, c := range curs {
		fmt.Fprintf(env.Stdout, "BilledCost %s: %s\n", c, st.BilledCost[c])
	}
	return nil
}
