package store_test

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// insertDeadImport writes the row a process killed mid-import leaves.
func insertDeadImport(t *testing.T, db *store.DB, orgID string) string {
	t.Helper()
	id := domain.NewID(store.PrefixCostImport)
	num, arg := "(SELECT COALESCE(MAX(num), 0) + 1 FROM cost_imports), ", "?"
	if db.Engine == store.Postgres {
		num, arg = "", "$1"
	}
	cols := "id, num, org_id"
	if num == "" {
		cols = "id, org_id"
	}
	q := `INSERT INTO cost_imports (` + cols + `, source_key, format, file_name, started_at, status, created_by)
		VALUES (` + arg + `, ` + num + `'` + orgID + `', 'k', 'focus-1.2', 'dead.csv', CURRENT_TIMESTAMP, 'running', 'cli')`
	if _, err := db.W.Exec(q, id); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestSweepAbandoned leaves a live import alone (its org's lock is held:
// PostgreSQL's advisory lock, SQLite's in-process one) without waiting for
// it, and marks a dead one failed and deletes the rows it left.
func TestSweepAbandoned(t *testing.T) {
	data, st := genFOCUS(t, 20000, 11) // half of it is more than one batch on both engines
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.New(db)
		c := s.Costs()
		dead, _ := seedOrgUser(t, s, "dead@example.com", "owner")
		live, _ := seedOrgUser(t, s, "live@example.com", "owner")
		deadID := insertDeadImport(t, db, dead.ID)
		// SQLite imports commit their rows as they go: a killed one leaves some.
		if db.Engine == store.Postgres { // day 0's month partition, as an import makes it
			if _, err := db.W.Exec(`SELECT canopy_cost_month(0)`); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.W.Exec(`INSERT INTO cost_segments (org_id, import_num, seq, day_min, day_max, line_count, data)
			SELECT org_id, num, 1, 0, 0, 1, '' FROM cost_imports WHERE id = '` + deadID + `'`); err != nil {
			t.Fatal(err)
		}

		pr, pw := io.Pipe()
		progressed := make(chan struct{}, 1)
		type outcome struct {
			res costs.ImportResult
			err error
		}
		done := make(chan outcome, 1)
		go func() {
			r, err := billing.Open(pr)
			if err != nil {
				done <- outcome{err: err}
				return
			}
			res, err := c.Import(ctx, live.ID, r, costs.ImportMeta{FileName: "live.csv", Progress: func(int) {
				select {
				case progressed <- struct{}{}:
				default:
				}
			}})
			done <- outcome{res, err}
		}()
		half := bytes.LastIndexByte(data[:len(data)/2], '\n') + 1
		go func() { _, _ = pw.Write(data[:half]) }()
		select { // the import's transaction (and its org lock) is open
		case <-progressed:
		case out := <-done:
			t.Fatalf("import ended before its first batch: %v", out.err)
		}
		swept := make(chan int, 1)
		go func() {
			n, err := c.SweepAbandoned(ctx)
			if err != nil {
				t.Error(err)
			}
			swept <- n
		}()
		select { // a guard against a deadlock, not a timing check
		case n := <-swept:
			if n != 1 {
				t.Fatalf("swept %d imports, want the dead one only", n)
			}
		case <-time.After(time.Minute):
			t.Fatal("the sweep waited for the running import")
		}
		if n := count(t, db, "cost_segments", dead.ID, ""); n != 0 {
			t.Fatalf("%d segments of the dead import left", n)
		}
		if _, err := pw.Write(data[half:]); err != nil {
			t.Fatal(err)
		}
		pw.Close()
		out := <-done
		if out.err != nil || out.res.Rows != st.Rows {
			t.Fatalf("live import: %+v %v", out.res, out.err)
		}
		got, err := c.ImportByID(ctx, dead.ID, deadID)
		if err != nil || got.Status != costs.StatusFailed || got.Error != store.AbandonedError || got.FinishedAt == nil {
			t.Fatalf("dead import: %+v %v", got, err)
		}
		got, err = c.ImportByID(ctx, live.ID, out.res.ImportID)
		if err != nil || got.Status != costs.StatusSucceeded || got.Rows != st.Rows {
			t.Fatalf("live import: %+v %v", got, err)
		}
		if _, err := c.ImportByID(ctx, dead.ID, out.res.ImportID); !isCode(err, domain.CodeNotFound) {
			t.Fatalf("another org's import by ID: %v", err)
		}
		if n, err := c.SweepAbandoned(ctx); n != 0 || err != nil {
			t.Fatalf("second sweep: %d %v", n, err)
		}
	})
}
