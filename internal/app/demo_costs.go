package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/canopyhq/canopy/internal/billing/focusgen"
	"github.com/canopyhq/canopy/internal/costs"
)

// The demo's cost data: three months of generated multi-cloud lines from a
// fixed seed, so every new demo shows the same Spend. The row count keeps
// a cold demo start within a few seconds on two cores.
const (
	demoCostRows = 30000
	demoCostSeed = 2026
	demoCostDays = 90
	demoCostFile = "demo-focus-costs.csv"
)

// demoCostStart is the first day of the month three months before now's,
// so the data ends shortly before today.
func demoCostStart(now time.Time) time.Time {
	now = now.UTC()
	return time.Date(now.Year(), now.Month()-3, 1, 0, 0, 0, 0, time.UTC)
}

// importDemoCosts generates the demo's FOCUS file into dataDir and imports
// it through the cost store, the same path as `canopy import`.
func (a *App) importDemoCosts(ctx context.Context, orgID, dataDir string) (costs.ImportResult, error) {
	path := filepath.Join(dataDir, demoCostFile)
	defer os.Remove(path) // the database holds the lines; the file is only the import's input
	f, err := os.Create(path)
	if err != nil {
		return costs.ImportResult{}, err
	}
	_, err = focusgen.Generate(f, focusgen.Options{Rows: demoCostRows, Seed: demoCostSeed,
		Start: demoCostStart(time.Now()), Days: demoCostDays})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return costs.ImportResult{}, fmt.Errorf("generate demo costs: %w", err)
	}
	began := time.Now()
	res, err := a.importFile(ctx, orgID, path, costs.ImportMeta{FileName: demoCostFile, CreatedBy: cliActor.Email})
	if err == nil {
		a.Log.Info("demo cost data imported", "lines", res.Rows, "from", day(res.BillingPeriodStart),
			"seconds", time.Since(began).Seconds())
	}
	return res, err
}
