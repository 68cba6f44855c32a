package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/store"
)

// A backup taken while Canopy writes is one consistent, intact snapshot;
// restoring it brings back exactly what it held (cost lines to the cent,
// members, an intact audit chain) and drops what came after. Bad files
// are refused before anything is touched.
func TestBackupAndRestoreLoseNothing(t *testing.T) {
	c := newCLIRunner(t)
	if code, out, errOut := c.run("user", "create", "--email", "owner@example.com", "--org", "Acme", "--role", "owner"); code != 0 {
		t.Fatalf("user create: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := c.run("import", "--org", "Acme", billingTestdata+"focus12_quirks.csv.gz", billingTestdata+"aws_cur_legacy.csv"); code != 0 {
		t.Fatalf("import: exit %d\n%s%s", code, out, errOut)
	}
	a := c.open(t)
	ctx := context.Background()
	org, err := a.Auth.FindOrg(ctx, "Acme")
	if err != nil {
		t.Fatal(err)
	}

	// Audit entries keep being written while the backup runs.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			audit.MustRecord(ctx, a.Store, cliActor, audit.Entry{OrgID: org.ID, Action: "test.write", TargetType: "test", TargetID: "w"})
		}
	}()
	out := filepath.Join(t.TempDir(), "backups", "canopy-backup.db")
	code, stdout, stderr := c.run("backup", "--out", out)
	close(stop)
	wg.Wait()
	if code != 0 || !strings.Contains(stdout, "backup written to "+out) || !strings.Contains(stdout, "integrity checked") {
		t.Fatalf("backup: exit %d\n%s%s", code, stdout, stderr)
	}
	if st, err := os.Stat(out); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("backup file %v %v", st, err)
	}
	if code, _, stderr = c.run("backup", "--out", out); code == 0 || !strings.Contains(stderr, "already exists") {
		t.Fatalf("a second backup over the first: exit %d %s", code, stderr)
	}

	// After the backup: another member and more audit entries.
	if code, stdout, stderr = c.run("user", "create", "--email", "late@example.com", "--org", "Acme", "--role", "viewer"); code != 0 {
		t.Fatalf("user create: exit %d\n%s%s", code, stdout, stderr)
	}
	a.DB.Close()

	// A file that is not a Canopy backup is refused and changes nothing.
	junk := filepath.Join(t.TempDir(), "junk.db")
	if err := os.WriteFile(junk, []byte(strings.Repeat("not a database ", 500)), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr = c.run("restore", "--from", junk); code == 0 || !strings.Contains(stderr, junk) {
		t.Fatalf("restore from junk: exit %d %s", code, stderr)
	}
	if code, _, stderr = c.run("restore", "--from", filepath.Join(t.TempDir(), "missing.db")); code == 0 || !strings.Contains(stderr, "missing.db") {
		t.Fatalf("restore from a missing file: exit %d %s", code, stderr)
	}
	// A backup from a newer Canopy (a later migration) is refused.
	newer := filepath.Join(t.TempDir(), "newer.db")
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(newer, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	nd, err := store.Open(ctx, "sqlite:"+newer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := nd.W.ExecContext(ctx, `INSERT INTO goose_db_version (version_id, is_applied) VALUES (99999, TRUE)`); err != nil {
		t.Fatal(err)
	}
	nd.Close()
	if code, _, stderr = c.run("restore", "--from", newer); code == 0 || !strings.Contains(stderr, "schema version 99999, newer than this Canopy's") {
		t.Fatalf("restore from a newer Canopy: exit %d %s", code, stderr)
	}
	if n := members(t, c, org.ID); n != 2 {
		t.Fatalf("refused restores changed the database: %d members", n)
	}

	if code, stdout, stderr = c.run("restore", "--from", out); code != 0 || !strings.Contains(stdout, "restored "+out) {
		t.Fatalf("restore: exit %d\n%s%s", code, stdout, stderr)
	}
	if n := members(t, c, org.ID); n != 1 {
		t.Fatalf("after the restore %d members, want the owner only", n)
	}
	b := c.open(t)
	assertBilledUSD(t, b, org.ID, "273.9291348408")
	rep, err := audit.Verify(ctx, b.Store)
	if err != nil || !rep.OK() {
		t.Fatalf("audit chain after restore: %+v %v", rep, err)
	}
	if code, stdout, _ = c.run("audit", "verify"); code != 0 || !strings.Contains(stdout, "hash chain verified") {
		t.Fatalf("audit verify after restore: exit %d %s", code, stdout)
	}
}

func members(t *testing.T, c cliRunner, orgID string) int {
	t.Helper()
	a := c.open(t)
	defer a.DB.Close()
	page, err := a.Store.ListMembers(context.Background(), orgID, store.MemberFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Items)
}

// PostgreSQL is backed up with its own tools: the commands say so.
func TestBackupRefusesPostgres(t *testing.T) {
	db := &store.DB{Engine: store.Postgres}
	if _, err := db.BackupSQLite(context.Background(), filepath.Join(t.TempDir(), "x.db")); err == nil || !strings.Contains(err.Error(), "pg_dump") {
		t.Fatalf("backup of PostgreSQL: %v", err)
	}
	if _, err := db.RestoreSQLite(context.Background(), "x.db"); err == nil || !strings.Contains(err.Error(), "pg_restore") {
		t.Fatalf("restore of PostgreSQL: %v", err)
	}
}
