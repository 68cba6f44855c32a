package jobs

import (
	"context"
	"database/sql"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/keyvault"
	"github.com/canopyhq/canopy/internal/mail"
	"github.com/canopyhq/canopy/internal/mail/mailtest"
)

// testDB is one migrated database for one test.
type testDB struct {
	engine string
	db     *sql.DB
}

// eachEngine runs fn on SQLite and, when CANOPY_TEST_POSTGRES is set, on
// PostgreSQL in a fresh schema.
func eachEngine(t *testing.T, fn func(t *testing.T, tdb testDB)) {
	t.Run(EngineSQLite, func(t *testing.T) {
		t.Parallel()
		fn(t, testDB{EngineSQLite, openSQLite(t)})
	})
	t.Run(EnginePostgres, func(t *testing.T) {
		t.Parallel()
		fn(t, testDB{EnginePostgres, openPostgres(t)})
	})
}

// openSQLite opens a temp-file database the way the app opens its writer:
// WAL, busy timeout, one connection.
func openSQLite(t *testing.T) *sql.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "canopy.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	migrate(t, EngineSQLite, db)
	return db
}

// openPostgres returns a migrated pool on a fresh schema.
func openPostgres(t *testing.T) *sql.DB {
	t.Helper()
	db := openEmptyPostgres(t)
	migrate(t, EnginePostgres, db)
	return db
}

// openEmptyPostgres creates a schema for this test (dropped at the end) and
// returns a pool whose search_path is that schema.
func openEmptyPostgres(t *testing.T) *sql.DB {
	t.Helper()
	base := os.Getenv("CANOPY_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("CANOPY_TEST_POSTGRES is not set: PostgreSQL tests must run in CI")
		}
		t.Skip("CANOPY_TEST_POSTGRES not set")
	}
	schema := "t_jobs_" + domain.NewID("")
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("drop schema: %v", err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func migrate(t *testing.T, engine string, db *sql.DB) {
	t.Helper()
	if err := Migrate(context.Background(), engine, db); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
}

func testVault(t *testing.T) keyvault.KeyVault {
	t.Helper()
	kv, err := keyvault.NewLocal(domain.RandomBytes(keyvault.MasterKeySize))
	if err != nil {
		t.Fatal(err)
	}
	return kv
}

func smtpTo(t *testing.T, srv *mailtest.Server) mail.Sender {
	t.Helper()
	host, port := srv.Addr()
	s, err := mail.NewSMTPSender(mail.Config{Host: host, Port: port, From: "canopy@example.test", TLS: mail.TLSNone, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// startRunner starts a Runner with quick polling and stops it at test end.
func startRunner(t *testing.T, tdb testDB, reg *Registry) *Runner {
	t.Helper()
	r, err := New(tdb.engine, tdb.db, Options{
		Logger:            slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Registry:          reg,
		FetchPollInterval: 20 * time.Millisecond,
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := r.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := r.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return r
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

// waitCount polls query (a single count) until it returns want; it fails
// the test after a generous deadline. It waits, it does not time anything.
func waitCount(t *testing.T, db *sql.DB, query string, want int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var got int
	for time.Now().Before(deadline) {
		if err := db.QueryRow(query).Scan(&got); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		if got == want {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s: got %d, want %d", query, got, want)
}
