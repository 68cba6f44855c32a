// Package jobs runs Canopy's background work (syncs, imports, alerts,
// e-mail) on riverqueue/river, over the same database/sql handle the rest of
// the app uses: embedded SQLite by default, PostgreSQL in production. On
// PostgreSQL several processes may share one database; river guarantees
// each job is worked by one process at a time and elects a single leader
// that runs periodic schedules and maintenance.
package jobs

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// Engines, matching the store's engine names.
const (
	EngineSQLite   = "sqlite"
	EnginePostgres = "postgres"
)

// driverFor returns river's driver for engine. Both drivers use *sql.Tx as
// their transaction type, so the rest of the package is engine-agnostic.
func driverFor(engine string, db *sql.DB) (riverdriver.Driver[*sql.Tx], error) {
	if db == nil {
		return nil, fmt.Errorf("jobs: nil database")
	}
	switch engine {
	case EngineSQLite:
		return riversqlite.New(db), nil
	case EnginePostgres:
		// Poll-only: database/sql cannot LISTEN. FetchPollInterval bounds
		// the pickup latency instead.
		return riverdatabasesql.New(db), nil
	default:
		return nil, fmt.Errorf("jobs: unknown engine %q (want %q or %q)", engine, EngineSQLite, EnginePostgres)
	}
}

// Migrate brings river's tables up to date. It is idempotent. On
// PostgreSQL each migration step runs in its own transaction holding an
// advisory lock, because rivermigrate does not serialise concurrent
// migrators and several processes may start at once. (One transaction for
// all steps is not possible: a later step uses an enum value an earlier one
// adds.)
func Migrate(ctx context.Context, engine string, db *sql.DB) error {
	driver, err := driverFor(engine, db)
	if err != nil {
		return err
	}
	migrator, err := rivermigrate.New(driver, nil)
	if err != nil {
		return fmt.Errorf("jobs: migrator: %w", err)
	}
	if engine == EngineSQLite {
		// One writer connection: SQLite already serialises migrators.
		if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
			return fmt.Errorf("jobs: migrate river tables: %w", err)
		}
		return nil
	}
	for {
		applied, err := migratePostgresStep(ctx, db, migrator)
		if err != nil || !applied {
			return err
		}
	}
}

// migratePostgresStep applies at most one pending migration and reports
// whether it did.
func migratePostgresStep(ctx context.Context, db *sql.DB, m *rivermigrate.Migrator[*sql.Tx]) (bool, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("jobs: migrate: %w", err)
	}
	defer tx.Rollback()
	// The key includes the schema so test schemas do not wait on each other.
	const lock = `SELECT pg_advisory_xact_lock(hashtext('canopy.jobs.migrate/' || current_schema()))`
	if _, err := tx.ExecContext(ctx, lock); err != nil {
		return false, fmt.Errorf("jobs: migrate lock: %w", err)
	}
	res, err := m.MigrateTx(ctx, tx, rivermigrate.DirectionUp, &rivermigrate.MigrateOpts{MaxSteps: 1})
	if err != nil {
		return false, fmt.Errorf("jobs: migrate river tables: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("jobs: migrate commit: %w", err)
	}
	return len(res.Versions) > 0, nil
}
