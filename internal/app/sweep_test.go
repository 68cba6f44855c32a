package app

import (
	"context"
	"testing"

	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// A process killed mid-import leaves a cost import and its upload
// "running"; the next process to start marks the import failed and queues
// the upload's import again.
func TestStartupSweepsAbandonedImports(t *testing.T) {
	c := newCLIRunner(t)
	if code, out, errOut := c.run("user", "create", "--email", "owner@example.com", "--org", "Acme", "--role", "owner"); code != 0 {
		t.Fatalf("user create: exit %d\n%s%s", code, out, errOut)
	}
	a := c.open(t)
	ctx := context.Background()
	org, err := a.Auth.FindOrg(ctx, "Acme")
	if err != nil {
		t.Fatal(err)
	}
	deadID := domain.NewID(store.PrefixCostImport)
	if _, err := a.DB.W.Exec(`INSERT INTO cost_imports (id, num, org_id, source_key, format, file_name, started_at, status, created_by)
		VALUES (?, 1, ?, 'k', 'focus-1.2', 'dead.csv', ?, 'running', 'cli')`, deadID, org.ID, domain.Now()); err != nil {
		t.Fatal(err)
	}
	u, err := a.Store.CreateUpload(ctx, org.ID, "up.csv", "owner@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Store.AppendUploadChunk(ctx, u.ID, 0, []byte("BilledCost\n1\n")); err != nil {
		t.Fatal(err)
	}
	if err := a.Store.QueueUpload(ctx, org.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := a.Store.ClaimUpload(ctx, org.ID, u.ID, domain.Now()); !ok || err != nil {
		t.Fatalf("claim: %v", err)
	}

	if err := a.StartJobs(ctx); err != nil { // JobWorkers is 0: only the sweep runs
		t.Fatal(err)
	}
	im, err := a.Store.Costs().ImportByID(ctx, org.ID, deadID)
	if err != nil || im.Status != costs.StatusFailed || im.Error != store.AbandonedError {
		t.Fatalf("abandoned import: %+v %v", im, err)
	}
	got, err := a.Store.GetUpload(ctx, org.ID, u.ID)
	if err != nil || got.Status != store.UploadQueued {
		t.Fatalf("interrupted upload: %+v %v", got, err)
	}
	var jobsQueued int
	if err := a.DB.R.QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind = 'cost_import'`).Scan(&jobsQueued); err != nil || jobsQueued != 1 {
		t.Fatalf("%d import jobs queued (%v), want 1", jobsQueued, err)
	}
}
