package e2e

import (
	"database/sql"
	"path/filepath"
	"regexp"
	"testing"
)

// The real binary rotates the collector key: the first run makes a key,
// the second retires it for a new one; both are in the database, one
// active. (Re-encryption of stored passwords is tested in internal/app
// and internal/svcaccount/collector.)
func TestCLIRotateCollectorKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "canopy.db")
	env := []string{"CANOPY_KEY_FILE=" + filepath.Join(dir, "canopy.key")}
	first := mustCLI(t, env, "admin", "rotate-collector-key", "--db", "sqlite:"+path)
	made := regexp.MustCompile(`Made the first collector key (ck-[A-Za-z0-9_-]+)`).FindStringSubmatch(first.Stdout)
	if made == nil {
		t.Fatalf("first rotation printed %q", first.Stdout)
	}
	second := mustCLI(t, env, "admin", "rotate-collector-key", "--db", "sqlite:"+path)
	next := regexp.MustCompile(`Collector key (ck-[A-Za-z0-9_-]+) is now active; (ck-[A-Za-z0-9_-]+) is retired`).FindStringSubmatch(second.Stdout)
	if next == nil || next[2] != made[1] || next[1] == made[1] {
		t.Fatalf("second rotation printed %q", second.Stdout)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var active, retired int
	if err := db.QueryRow(`SELECT COUNT(*) FILTER (WHERE status = 'active'), COUNT(*) FILTER (WHERE status = 'retired') FROM collector_keys`).Scan(&active, &retired); err != nil {
		t.Fatal(err)
	}
	if active != 1 || retired != 1 {
		t.Fatalf("keys: %d active, %d retired", active, retired)
	}
}
