package store_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// While a large import runs, other writes go through (SQLite: the import
// commits in short transactions and lets go of the one writer; the test
// would hang before that change), and nothing of the import is visible
// until it succeeds; a failed import leaves none of its rows behind.
func TestCostImportRunsBesideOtherWritesInvisibly(t *testing.T) {
	first, _ := genFOCUS(t, 3000, 21)
	data, st := genFOCUS(t, 20000, 22)
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.New(db)
		c := s.Costs()
		org, _ := seedOrgUser(t, s, "cycle@example.com", "owner")
		if _, err := importBytes(t, c, org.ID, first, costs.ImportMeta{FileName: "first.csv", SourceKey: "first"}); err != nil {
			t.Fatal(err)
		}
		before := billedTotals(t, c, org.ID, costs.TotalsFilter{})
		q := costs.Query{From: jan1, To: jan1.AddDate(0, 2, 0), GroupBy: costs.DimResource}
		aggBefore, err := c.Aggregate(ctx, org.ID, q)
		if err != nil {
			t.Fatal(err)
		}

		pr, pw := io.Pipe()
		progressed := make(chan struct{}, 1)
		done := make(chan error, 1)
		go func() {
			r, err := billing.Open(pr)
			if err == nil {
				_, err = c.Import(ctx, org.ID, r, costs.ImportMeta{FileName: "big.csv", SourceKey: "big", Progress: func(int) {
					select {
					case progressed <- struct{}{}:
					default:
					}
				}})
			}
			done <- err
		}()
		half := bytes.LastIndexByte(data[:len(data)/2], '\n') + 1
		go func() { _, _ = pw.Write(data[:half]) }()
		select {
		case <-progressed: // some lines are stored; the rest of the file has not come
		case err := <-done:
			t.Fatalf("import ended early: %v", err)
		}

		guard, cancel := context.WithTimeout(ctx, time.Minute) // against a deadlock, not a timing check
		defer cancel()
		now := domain.Now()
		other := domain.Org{ID: domain.NewID(domain.PrefixOrg), Name: "written meanwhile", CreatedAt: now, UpdatedAt: now}
		if err := s.CreateOrg(guard, other); err != nil {
			t.Fatalf("a write while the import runs: %v", err)
		}
		if got := billedTotals(t, c, org.ID, costs.TotalsFilter{}); !reflect.DeepEqual(got, before) {
			t.Fatalf("totals while importing: %v, want %v", got, before)
		}
		if got, err := c.Aggregate(ctx, org.ID, q); err != nil || !reflect.DeepEqual(got, aggBefore) {
			t.Fatalf("resources while importing: %d rows (%v), want %d", len(got), err, len(aggBefore))
		}

		// A bad line ends the import: its rows go, the earlier data stays.
		if _, err := pw.Write(data[half : half+bytes.IndexByte(data[half:], '\n')+1]); err != nil {
			t.Fatal(err)
		}
		_, _ = pw.Write([]byte("this,is,not,a,focus,line\n"))
		pw.Close()
		if err := <-done; err == nil {
			t.Fatal("a file with a bad line was imported")
		}
		for _, table := range []string{"cost_segments", "cost_daily", "cost_daily_values", "cost_detail_segments"} {
			cond := " AND import_num NOT IN (SELECT num FROM cost_imports WHERE status = 'succeeded')"
			if n := count(t, db, table, org.ID, cond); n != 0 {
				t.Fatalf("%d rows of the failed import left in %s", n, table)
			}
		}
		if got := billedTotals(t, c, org.ID, costs.TotalsFilter{}); !reflect.DeepEqual(got, before) {
			t.Fatalf("totals after the failed import: %v, want %v", got, before)
		}
		res, err := importBytes(t, c, org.ID, data, costs.ImportMeta{FileName: "big.csv", SourceKey: "big"})
		if err != nil || res.Rows != st.Rows {
			t.Fatalf("the same file whole: %+v %v", res, err)
		}
	})
}

// After the last import the WAL is copied into the database file on a
// goroutine of its own (the import has returned by then); Settle waits
// for it, and afterwards the file holds every page.
func TestSQLiteImportCheckpointsTheWALAfterwards(t *testing.T) {
	data, _ := genFOCUS(t, 20000, 23)
	db := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	s := store.New(db)
	org, _ := seedOrgUser(t, s, "wal@example.com", "owner")
	if _, err := importBytes(t, s.Costs(), org.ID, data, costs.ImportMeta{FileName: "wal.csv"}); err != nil {
		t.Fatal(err)
	}
	db.Settle()
	var seq int
	var name, path string
	if err := db.W.QueryRowContext(ctx, `PRAGMA database_list`).Scan(&seq, &name, &path); err != nil {
		t.Fatal(err)
	}
	var pages, pageSize int64
	if err := db.W.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if err := db.W.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&pageSize); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() != pages*pageSize || pages < 100 {
		t.Fatalf("database file %s is %d bytes, the database %d pages of %d: the WAL was not checkpointed", path, fi.Size(), pages, pageSize)
	}
}
