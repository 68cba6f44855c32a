// Package store is the only place that speaks SQL. It runs on embedded
// SQLite (one writer connection and a read pool, WAL) or on PostgreSQL
// (pgx through database/sql); the same queries serve both, written with ?
// placeholders and rebound for PostgreSQL.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers driver "pgx"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"modernc.org/sqlite" // registers driver "sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Engine names a storage engine.
type Engine string

const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

//go:embed migrations
var migrations embed.FS

// DB is an open database: W takes writes (and reads that must see them),
// R serves read-only queries. On PostgreSQL both are the same pool.
// Replica, when set (PostgreSQL, OpenWithReplica), is a pool on a read
// replica that the cost reports read from (Store.ReadCosts); it is
// opened read-only, so nothing can write through it.
type DB struct {
	Engine  Engine
	W       *sql.DB
	R       *sql.DB
	Replica *sql.DB

	importLocks sync.Map // org ID -> *sync.Mutex (see importLock)
	importTune  sync.Mutex
	importing   int            // SQLite imports running (see tuneForImports)
	background  sync.WaitGroup // work after imports (see checkpointAfterImports)
}

// Open opens a database from a DSN: "sqlite:PATH" or "postgres://...".
func Open(ctx context.Context, dsn string) (*DB, error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		return openSQLite(ctx, strings.TrimPrefix(dsn, "sqlite:"))
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return openPostgres(ctx, dsn)
	default:
		return nil, fmt.Errorf("database %q: use sqlite:PATH or a postgres:// URL", redactDSN(dsn))
	}
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("sqlite: empty path")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("sqlite: create data folder: %w", err)
		}
	}
	pragmas := "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_time_format=sqlite"
	base := "file:" + path + "?" + pragmas
	w, err := sql.Open("sqlite", base+"&_pragma=journal_mode(WAL)&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	// SQLite allows one writer at a time; one connection avoids SQLITE_BUSY
	// storms and makes write transactions queue in Go instead.
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	if err := pingSQLite(ctx, w); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", base+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(max(4, runtime.NumCPU()*2))
	return &DB{Engine: SQLite, W: w, R: r}, nil
}

// pingSQLite opens the writer's connection. Switching a database to WAL
// needs an exclusive lock and SQLite reports SQLITE_BUSY at once, without
// waiting for busy_timeout, when another process holds one (processes
// starting together on a new database): it is tried again for up to 10 s.
func pingSQLite(ctx context.Context, w *sql.DB) error {
	var err error
	for try := 0; try < 100; try++ {
		var se *sqlite.Error
		if err = w.PingContext(ctx); err == nil || !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_BUSY {
			return err
		}
		select {
		case <-time.After(100 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return err
}

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(25)
	// Keep every connection idle-ready: with fewer idle than open slots a
	// burst closes and reopens connections, which shows as tail latency.
	db.SetMaxIdleConns(25)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres %s: %w", redactDSN(dsn), err)
	}
	return &DB{Engine: Postgres, W: db, R: db}, nil
}

// OpenWithReplica opens dsn and, when readDSN is set, a read-only pool on
// that PostgreSQL database (a streaming replica of dsn's) for the cost
// reports. Its sessions run with default_transaction_read_only, so a
// write sent there by mistake fails instead of diverging.
func OpenWithReplica(ctx context.Context, dsn, readDSN string) (*DB, error) {
	db, err := Open(ctx, dsn)
	if err != nil || readDSN == "" {
		return db, err
	}
	if db.Engine != Postgres || !(strings.HasPrefix(readDSN, "postgres://") || strings.HasPrefix(readDSN, "postgresql://")) {
		db.Close()
		return nil, fmt.Errorf("read replica %q: needs PostgreSQL for both the database and the replica (postgres:// URLs)", redactDSN(readDSN))
	}
	u, err := url.Parse(readDSN)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("read replica: %w", err)
	}
	q := u.Query()
	q.Set("default_transaction_read_only", "on")
	if q.Get("application_name") == "" {
		q.Set("application_name", "canopy-read")
	}
	u.RawQuery = q.Encode()
	r, err := openPostgres(ctx, u.String())
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("read replica: %w", err)
	}
	db.Replica = r.W
	return db, nil
}

// redactDSN hides a password in a DSN so it can be logged.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// Settle waits for the work the database does in the background after
// imports (see checkpointAfterImports).
func (db *DB) Settle() { db.background.Wait() }

// Close closes both pools, after the background work.
func (db *DB) Close() error {
	db.Settle()
	err := db.W.Close()
	if db.R != db.W {
		err = errors.Join(err, db.R.Close())
	}
	if db.Replica != nil {
		err = errors.Join(err, db.Replica.Close())
	}
	return err
}

// Ping checks that the database answers (used by /readyz).
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.R.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return err
	}
	if db.Replica != nil {
		if err := db.Replica.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
			return fmt.Errorf("read replica: %w", err)
		}
	}
	return nil
}

// Migrate applies the embedded migrations of the engine.
func (db *DB) Migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations/"+string(db.Engine))
	if err != nil {
		return err
	}
	dialect := goose.DialectSQLite3
	var opts []goose.ProviderOption
	if db.Engine == Postgres {
		dialect = goose.DialectPostgres
		locker, err := db.migrationLocker(ctx)
		if err != nil {
			return err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, db.W, sub, opts...)
	if err != nil {
		return err
	}
	_, err = p.Up(ctx)
	// SQLite has no advisory locks: when another process applied the same
	// migration first, this one fails on its own copy; going again finds
	// the work done.
	for try := 0; err != nil && db.Engine == SQLite && try < 3; try++ {
		time.Sleep(100 * time.Millisecond)
		_, err = p.Up(ctx)
	}
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if err := db.convertLegacyLines(ctx); err != nil {
		return err
	}
	return db.splitSegments(ctx)
}

// migrationLocker makes processes starting together on one PostgreSQL
// database migrate one at a time. The advisory lock is keyed by schema, so
// separate schemas (tests, tenants of a shared server) do not wait on
// each other.
func (db *DB) migrationLocker(ctx context.Context) (lock.SessionLocker, error) {
	var schema string
	if err := db.W.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	h := fnv.New64a()
	h.Write([]byte("canopy-migrations:" + schema))
	// Retry every second (goose waits 5 s by default) for up to 5 minutes.
	return lock.NewPostgresSessionLocker(lock.WithLockID(int64(h.Sum64()>>1)), lock.WithLockTimeout(1, 300))
}
