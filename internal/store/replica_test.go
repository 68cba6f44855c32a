package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// copySchema copies every table of the schema dsn searches into a new
// schema and returns a DSN searching the copy: a snapshot standing in for
// a read replica that has not yet seen later writes.
func copySchema(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	src := u.Query().Get("search_path")
	dst := storetest.Name("replica")
	dst = "r_" + dst[len(dst)-8:]
	admin, err := sql.Open("pgx", storetest.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	t.Cleanup(func() {
		if db, err := sql.Open("pgx", storetest.PostgresURL(t)); err == nil {
			_, _ = db.Exec("DROP SCHEMA " + dst + " CASCADE")
			db.Close()
		}
	})
	if _, err := admin.Exec("CREATE SCHEMA " + dst); err != nil {
		t.Fatal(err)
	}
	rows, err := admin.Query(`SELECT c.relname FROM pg_class c WHERE c.relnamespace = $1::regnamespace
		AND c.relkind IN ('r', 'p') AND NOT c.relispartition`, src)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, n := range tables {
		if _, err := admin.Exec(fmt.Sprintf("CREATE TABLE %s.%s AS TABLE %s.%s", dst, n, src, n)); err != nil {
			t.Fatal(err)
		}
	}
	q := u.Query()
	q.Set("search_path", dst)
	u.RawQuery = q.Encode()
	return u.String()
}

func billedSum(t *testing.T, c *store.Costs, orgID string, from, to time.Time) map[string]string {
	t.Helper()
	return scanTotals(t, c, orgID, from, to, false)
}

// With a read DSN, the explorer's cost queries (ReadCosts) read there,
// while imports, import history and totals use the primary; the read pool
// is read-only, so an import through a store holding it still succeeds
// only because nothing it writes goes there.
func TestReadReplicaServesCostQueries(t *testing.T) {
	t.Parallel()
	if storetest.PostgresURL(t) == "" {
		t.Skip("CANOPY_TEST_POSTGRES not set: the read replica is PostgreSQL's")
	}
	ctx := context.Background()
	dsn := storetest.DSN(t, store.Postgres)
	primary, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { primary.Close() })
	if err := primary.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	s := store.New(primary)
	org, _ := seedOrgUser(t, s, "replica@example.com", "owner")
	jan, stJan := genMonths(t, 4000, 31, day("2025-01-05"), 10)
	if _, err := importBytes(t, s.Costs(), org.ID, jan, costs.ImportMeta{FileName: "jan.csv", CreatedBy: "test"}); err != nil {
		t.Fatal(err)
	}
	readDSN := copySchema(t, dsn)

	db, err := store.OpenWithReplica(ctx, dsn, readDSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	both := store.New(db)
	feb, stFeb := genMonths(t, 4000, 32, day("2025-02-05"), 10)
	if _, err := importBytes(t, both.ReadCosts(), org.ID, feb, costs.ImportMeta{FileName: "feb.csv", CreatedBy: "test"}); err != nil {
		t.Fatalf("import through a store with a read replica: %v", err)
	}
	from, to := day("2025-01-01"), day("2025-03-01")
	sameTotals(t, "primary: January and February", billedSum(t, both.Costs(), org.ID, from, to), sumTotals(t, stJan.BilledCost, stFeb.BilledCost))
	sameTotals(t, "replica (a copy taken before February): January only", billedSum(t, both.ReadCosts(), org.ID, from, to), stJan.BilledCost)
	sameTotals(t, "replica line scan", scanTotals(t, both.ReadCosts(), org.ID, from, to, true), stJan.BilledCost)
	sameTotals(t, "import totals read their own write", billedTotals(t, both.ReadCosts(), org.ID, costs.TotalsFilter{From: day("2025-02-01"), To: to}), stFeb.BilledCost)
	if _, err := db.Replica.Exec(`CREATE TABLE canopy_write_probe (x int)`); err == nil {
		t.Fatal("the read pool accepted a write: it must be read-only")
	}
}

// A read DSN next to SQLite is refused at start.
func TestReadReplicaNeedsPostgres(t *testing.T) {
	t.Parallel()
	_, err := store.OpenWithReplica(context.Background(), storetest.DSN(t, store.SQLite), "postgres://127.0.0.1:1/x")
	if err == nil {
		t.Fatal("SQLite with a read replica opened")
	}
}
