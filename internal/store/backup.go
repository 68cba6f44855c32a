package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"modernc.org/sqlite"
)

// sqliteBackuper is the modernc driver connection's online backup API
// (sqlite3_backup_*).
type sqliteBackuper interface {
	NewBackup(dstURI string) (*sqlite.Backup, error)
	NewRestore(srcURI string) (*sqlite.Backup, error)
}

// BackupInfo describes a backup file.
type BackupInfo struct {
	Path          string
	Bytes         int64
	SchemaVersion int64 // the last migration applied in it
}

// BackupSQLite copies the database, while it is in use, into a new file
// at dst with SQLite's online backup API: the copy is one consistent
// snapshot (readers and the WAL writer go on meanwhile). dst must not
// exist. The copy is checked (integrity, schema) before it is reported.
func (db *DB) BackupSQLite(ctx context.Context, dst string) (BackupInfo, error) {
	if db.Engine != SQLite {
		return BackupInfo{}, errors.New("backup: this database is PostgreSQL; use pg_dump (docs/operations.md)")
	}
	if _, err := os.Stat(dst); err == nil {
		return BackupInfo{}, fmt.Errorf("backup: %s already exists; choose a new file", dst)
	}
	if dir := filepath.Dir(dst); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return BackupInfo{}, fmt.Errorf("backup: %w", err)
		}
	}
	conn, err := db.R.Conn(ctx) // a reader: the writer is not held
	if err != nil {
		return BackupInfo{}, err
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		b, ok := dc.(sqliteBackuper)
		if !ok {
			return fmt.Errorf("backup: the SQLite driver has no backup API (%T)", dc)
		}
		bk, err := b.NewBackup(sqliteURI(dst))
		if err != nil {
			return err
		}
		// All pages in one step: one read transaction, so one snapshot.
		_, stepErr := bk.Step(-1)
		return errors.Join(stepErr, bk.Finish())
	})
	if err != nil {
		os.Remove(dst)
		return BackupInfo{}, fmt.Errorf("backup: %w", err)
	}
	if err := os.Chmod(dst, 0o600); err != nil {
		return BackupInfo{}, err
	}
	info, err := CheckBackup(ctx, dst)
	if err != nil {
		os.Remove(dst)
	}
	return info, err
}

// CheckBackup opens a backup file read-only and checks that it is an
// intact Canopy database: SQLite's integrity check passes and it has a
// migration history.
func CheckBackup(ctx context.Context, path string) (BackupInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return BackupInfo{}, fmt.Errorf("backup file: %w", err)
	}
	b, err := sql.Open("sqlite", sqliteURI(path)+"?mode=ro&_pragma=query_only(1)")
	if err != nil {
		return BackupInfo{}, err
	}
	defer b.Close()
	var check string
	if err := b.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check); err != nil {
		return BackupInfo{}, fmt.Errorf("backup file %s is not an SQLite database: %w", path, err)
	}
	if check != "ok" {
		return BackupInfo{}, fmt.Errorf("backup file %s is damaged: %s", path, check)
	}
	info := BackupInfo{Path: path, Bytes: st.Size()}
	err = b.QueryRowContext(ctx, `SELECT MAX(version_id) FROM goose_db_version WHERE is_applied`).Scan(&info.SchemaVersion)
	if err != nil {
		return BackupInfo{}, fmt.Errorf("backup file %s is not a Canopy database (no migration history): %w", path, err)
	}
	return info, nil
}

// RestoreSQLite replaces the database's content with a backup made by
// BackupSQLite, checked first; nothing is changed when the check fails.
// Stop every Canopy process using the database before restoring: they
// would go on with what they had read. Migrations run afterwards (Open
// and Migrate) bring an older backup up to date.
func (db *DB) RestoreSQLite(ctx context.Context, src string) (BackupInfo, error) {
	if db.Engine != SQLite {
		return BackupInfo{}, errors.New("restore: this database is PostgreSQL; use pg_restore (docs/operations.md)")
	}
	info, err := CheckBackup(ctx, src)
	if err != nil {
		return info, err
	}
	if latest := latestMigration(SQLite); info.SchemaVersion > latest {
		return info, fmt.Errorf("restore: %s has schema version %d, newer than this Canopy's %d; restore it with the Canopy version that wrote it", src, info.SchemaVersion, latest)
	}
	conn, err := db.W.Conn(ctx) // the writer: the restore holds its lock
	if err != nil {
		return info, err
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		b, ok := dc.(sqliteBackuper)
		if !ok {
			return fmt.Errorf("restore: the SQLite driver has no backup API (%T)", dc)
		}
		bk, err := b.NewRestore(sqliteURI(src) + "?mode=ro")
		if err != nil {
			return err
		}
		_, stepErr := bk.Step(-1)
		return errors.Join(stepErr, bk.Finish())
	})
	if err != nil {
		return info, fmt.Errorf("restore: %w", err)
	}
	return info, nil
}

// latestMigration is the highest migration version this build has.
func latestMigration(e Engine) int64 {
	entries, _ := migrations.ReadDir("migrations/" + string(e))
	var latest int64
	for _, en := range entries {
		if v, err := strconv.ParseInt(strings.SplitN(en.Name(), "_", 2)[0], 10, 64); err == nil {
			latest = max(latest, v)
		}
	}
	return latest
}

// sqliteURI is a file: URI for a path (query separators escaped).
func sqliteURI(path string) string {
	return "file:" + strings.NewReplacer("?", "%3f", "#", "%23").Replace(path)
}
