// Package storetest opens fresh, migrated databases for tests: SQLite in a
// temporary folder always, and PostgreSQL (one schema per test) when
// CANOPY_TEST_POSTGRES is set. Under CI the PostgreSQL variant must run.
package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// PostgresURL returns the test server URL, failing under CI when unset.
func PostgresURL(t testing.TB) string {
	u := os.Getenv("CANOPY_TEST_POSTGRES")
	if u == "" && os.Getenv("CI") != "" {
		t.Fatal("CANOPY_TEST_POSTGRES is not set: PostgreSQL tests must run in CI")
	}
	return u
}

// Engines lists the engines to test on.
func Engines(t testing.TB) []store.Engine {
	if PostgresURL(t) == "" {
		return []store.Engine{store.SQLite}
	}
	return []store.Engine{store.SQLite, store.Postgres}
}

// DSN creates an empty database for one test and returns its DSN. For
// PostgreSQL it is a fresh schema, dropped when the test ends.
func DSN(t testing.TB, e store.Engine) string {
	t.Helper()
	if e == store.SQLite {
		return "sqlite:" + filepath.Join(t.TempDir(), "canopy.db")
	}
	base := PostgresURL(t)
	if base == "" {
		t.Skip("CANOPY_TEST_POSTGRES not set")
	}
	schema := "t_" + strings.TrimPrefix(domain.NewID(""), "_")
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err == nil {
			_, _ = db.Exec("DROP SCHEMA " + schema + " CASCADE")
			db.Close()
		}
	})
	return withSearchPath(t, base, schema)
}

func withSearchPath(t testing.TB, base, schema string) string {
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("CANOPY_TEST_POSTGRES: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open returns a migrated database on e, closed when the test ends.
func Open(t testing.TB, e store.Engine) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, DSN(t, e))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

// Run runs fn as a parallel subtest on every engine.
func Run(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	for _, e := range Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			fn(t, Open(t, e))
		})
	}
}

// Name is a readable unique suffix for test data.
func Name(prefix string) string { return fmt.Sprintf("%s-%s", prefix, domain.NewID("")[:8]) }
