// Command duckbench is the DuckDB anchor for Canopy's cost-data benchmarks
// (issue 4, "Speed"): it loads a FOCUS CSV into in-memory DuckDB and times
// the explorer's group-by, so Canopy's `canopy bench` figures can be put
// beside DuckDB's on the same file in the same run.
//
// It lives in its own Go module so that the canopy binary never links
// DuckDB (a large cgo library); see README.md.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// defaultVariants are the two ways the CSV is loaded by default: what a user
// pointing DuckDB at the file gets (amounts as DOUBLE), and the like-for-like
// comparison with Canopy, whose amounts are exact decimals. decimal18 is
// opt-in (see loadSQL).
const defaultVariants = "auto,decimal"

type options struct {
	threads  int
	runs     int
	month    string // YYYY-MM, empty means the month of the first charge
	variants []string
	variant  string // set only in the child processes
	file     string
}

func main() {
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "duckbench:", err)
		os.Exit(2)
	}
	if o.variant != "" {
		err = runVariant(o)
	} else {
		err = runAll(o)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "duckbench:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("duckbench", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: go run . [--threads N] [--runs R] [--month YYYY-MM] [--variants auto,decimal] FILE.csv[.gz]")
		fs.PrintDefaults()
	}
	fs.IntVar(&o.threads, "threads", runtime.NumCPU(), "DuckDB worker threads")
	fs.IntVar(&o.runs, "runs", 5, "query repetitions; the best is reported")
	fs.StringVar(&o.month, "month", "", "month of the one-month query (default: month of the earliest ChargePeriodStart)")
	list := fs.String("variants", defaultVariants, "load variants to run, comma-separated: auto, decimal, decimal18")
	fs.StringVar(&o.variant, "variant", "", "internal: run one load variant in this process")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	o.variants = strings.Split(*list, ",")
	for _, v := range append(o.variants, o.variant) {
		if _, ok := decimalTypes[v]; !ok && v != "" {
			return o, fmt.Errorf("unknown variant %q (want auto, decimal or decimal18)", v)
		}
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return o, fmt.Errorf("want exactly one FILE, got %d", fs.NArg())
	}
	o.file = fs.Arg(0)
	if o.threads < 1 || o.runs < 1 {
		return o, fmt.Errorf("--threads and --runs must be at least 1")
	}
	if o.month != "" {
		if _, err := time.Parse("2006-01", o.month); err != nil {
			return o, fmt.Errorf("--month: want YYYY-MM, got %q", o.month)
		}
	}
	return o, nil
}

// runAll runs each variant in a fresh child process of this binary, so each
// one's peak RSS is its own: a process's high-water mark never goes down, so
// in one process the second variant's figure would include the first's.
func runAll(o options) error {
	if _, err := os.Stat(o.file); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	fmt.Printf("file:    %s\nmachine: %d CPUs (GOMAXPROCS %d), load average %s\n",
		o.file, runtime.NumCPU(), runtime.GOMAXPROCS(0), loadAverage())
	for _, v := range o.variants {
		args := []string{"--variant", v, "--threads", fmt.Sprint(o.threads),
			"--runs", fmt.Sprint(o.runs), "--month", o.month, o.file}
		cmd := exec.Command(self, args...)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("variant %s: %w", v, err)
		}
	}
	fmt.Printf("load average at the end: %s\n", loadAverage())
	return nil
}
