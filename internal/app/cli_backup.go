package app

import (
	"context"
	"flag"
	"fmt"

	"github.com/canopyhq/canopy/internal/store"
)

// runBackup copies a running SQLite database into a new file with
// SQLite's online backup API.
func runBackup(ctx context.Context, env Env, args []string) error {
	var out string
	cfg, err := parse(env, "backup", args, func(fs *flag.FlagSet) {
		fs.StringVar(&out, "out", "", "the backup file to write; must not exist (required)")
	})
	if err != nil {
		return err
	}
	if out == "" {
		return fmt.Errorf("--out is required: the backup file to write")
	}
	db, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	info, err := db.BackupSQLite(ctx, out)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "backup written to %s: %d bytes, schema version %d, integrity checked\n", info.Path, info.Bytes, info.SchemaVersion)
	return nil
}

// runRestore replaces an SQLite database's content with a backup, then
// migrates it to this version's schema.
func runRestore(ctx context.Context, env Env, args []string) error {
	var from string
	cfg, err := parse(env, "restore", args, func(fs *flag.FlagSet) {
		fs.StringVar(&from, "from", "", "the backup file made by canopy backup (required)")
	})
	if err != nil {
		return err
	}
	if from == "" {
		return fmt.Errorf("--from is required: the backup file to restore")
	}
	db, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	info, err := db.RestoreSQLite(ctx, from)
	if err != nil {
		return err
	}
	if err := db.Migrate(ctx); err != nil {
		return fmt.Errorf("restored %s, but migrating it failed: %w", from, err)
	}
	fmt.Fprintf(env.Stdout, "restored %s (schema version %d) into %s; start Canopy again\n", info.Path, info.SchemaVersion, cfg.DB)
	return nil
}
