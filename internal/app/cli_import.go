package app

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/config"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
)

// progressEvery limits how often the live progress line is redrawn, so a
// fast import is not slowed by terminal writes.
const progressEvery = 250 * time.Millisecond

func runImport(ctx context.Context, env Env, args []string) error {
	var org, sourceKey string
	cfg, files, err := parseWithFiles(env, "import", args, func(fs *flag.FlagSet) {
		fs.StringVar(&org, "org", "", "organisation ID or name (required; must exist)")
		fs.StringVar(&sourceKey, "source-key", "", "what the files are copies of; re-importing a key replaces its data (default: derived from the lines)")
	})
	if err != nil {
		return err
	}
	if org == "" || len(files) == 0 {
		return fmt.Errorf("usage: canopy import --org ORG [--source-key K] FILE...")
	}
	cfg.LogLevel = "warn"
	a, err := Open(ctx, cfg, newLogger(cfg, env.Stderr))
	if err != nil {
		return err
	}
	defer a.DB.Close()
	o, err := a.Auth.FindOrg(ctx, org)
	if err != nil {
		return fmt.Errorf("organisation %q: %s", org, describe(err))
	}
	failed := 0
	for _, path := range files {
		if err := a.importCLI(ctx, env, o, path, sourceKey); err != nil {
			failed++
			fmt.Fprintln(env.Stderr, "canopy:", err)
		}
	}
	if failed > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("canopy: %d of %d files failed to import", failed, len(files))}
	}
	return nil
}

// parseWithFiles is parse for commands taking FILE arguments, which may
// come before, between or after the flags (the flag package stops at the
// first non-flag, so parsing resumes after each file).
func parseWithFiles(env Env, name string, args []string, extra func(fs *flag.FlagSet)) (config.Config, []string, error) {
	cfg := config.Default()
	fs := flag.NewFlagSet("canopy "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	cfg.Bind(fs, env.Getenv)
	extra(fs)
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			return cfg, nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		files, args = append(files, fs.Arg(0)), fs.Args()[1:]
	}
	return cfg, files, cfg.Finish()
}

// importCLI imports one file and prints its summary line.
func (a *App) importCLI(ctx context.Context, env Env, o domain.Org, path, sourceKey string) error {
	name := filepath.Base(path)
	began := time.Now()
	p := &progressLine{w: env.Stderr, name: name, last: began}
	res, err := a.importFile(ctx, o.ID, path, costs.ImportMeta{FileName: name, SourceKey: sourceKey,
		CreatedBy: cliActor.Email, Progress: p.update})
	p.end()
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, importSummary(name, res, time.Since(began)))
	a.Imports.RecordImport(ctx, cliActor, o.ID, name, res)
	return nil
}

// importFile opens path and imports it through the imports service (plain
// or gzip, any detected format); errors name the file.
func (a *App) importFile(ctx context.Context, orgID, path string, meta costs.ImportMeta) (costs.ImportResult, error) {
	f, err := os.Open(path)
	if err != nil {
		return costs.ImportResult{}, err
	}
	defer f.Close()
	return a.Imports.ImportFile(ctx, orgID, f, meta)
}

// importSummary is the line printed for an imported file, with exact
// per-currency totals.
func importSummary(name string, res costs.ImportResult, took time.Duration) string {
	curs := make([]string, 0, len(res.Totals))
	for c := range res.Totals {
		curs = append(curs, c)
	}
	sort.Strings(curs)
	parts := make([]string, len(curs))
	for i, c := range curs {
		m := res.Totals[c]
		parts[i] = m.Billed.String() + " " + c
	}
	s := fmt.Sprintf("%s: %s, %d lines, billing period %s–%s, BilledCost %s, %.2f s", name, res.Format, res.Rows,
		day(res.BillingPeriodStart), day(res.BillingPeriodEnd), strings.Join(parts, ", "), took.Seconds())
	if res.Replaced != "" {
		s += " (replaced an earlier import)"
	}
	return s
}

func day(t time.Time) string {
	if t.IsZero() {
		return "?"
	}
	return t.UTC().Format(time.DateOnly)
}

// progressLine redraws "name: N lines…" in place on the terminal, at most
// every progressEvery; it is only called from the importing goroutine.
type progressLine struct {
	w     io.Writer
	name  string
	last  time.Time
	shown bool
}

func (p *progressLine) update(lines int) {
	if now := time.Now(); now.Sub(p.last) >= progressEvery {
		p.last, p.shown = now, true
		fmt.Fprintf(p.w, "\r%s: %d lines…", p.name, lines)
	}
}

// end finishes a drawn progress line, so the next output starts on its
// own line.
func (p *progressLine) end() {
	if p.shown {
		fmt.Fprintln(p.w)
	}
}
