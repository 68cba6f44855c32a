package e2e

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	_ "modernc.org/sqlite" // the "sqlite" driver, to tamper with the file
)

func TestCLIMigrateVersionAndUnknownCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "canopy.db")
	env := []string{"CANOPY_KEY_FILE=" + filepath.Join(dir, "canopy.key")}

	if v := mustCLI(t, nil, "version"); !strings.HasPrefix(v.Stdout, "canopy ") {
		t.Errorf("canopy version printed %q", v.Stdout)
	}
	for range 2 { // migrating twice is harmless
		m := mustCLI(t, env, "migrate", "--db", db)
		if !strings.Contains(m.Stdout, "migrations applied to sqlite database") {
			t.Errorf("canopy migrate printed %q", m.Stdout)
		}
	}
	bad := runCLI(t, nil, "frobnicate")
	if bad.Code != 2 || !strings.Contains(bad.Stderr, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: exit %d, stderr %q", bad.Code, bad.Stderr)
	}
}

func TestCLITokenWorksOnTheAPI(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db, key := "sqlite:"+filepath.Join(dir, "canopy.db"), filepath.Join(dir, "canopy.key")
	env := []string{"CANOPY_KEY_FILE=" + key}
	mustCLI(t, env, "user", "create", "--db", db, "--email", "tom@acme.test", "--org", "Acme", "--role", "owner")
	res := mustCLI(t, env, "token", "create", "--db", db, "--email", "tom@acme.test", "--name", "e2e script")
	token := strings.TrimSpace(res.Stdout)
	noteSecret(token)
	if !strings.HasPrefix(token, "cnp_") || strings.Contains(token, "\n") {
		t.Fatalf("token create printed %q on stdout, want one cnp_ token", res.Stdout)
	}
	if !strings.Contains(res.Stderr, "shown once") {
		t.Errorf("token create does not warn that the token is shown once: %q", res.Stderr)
	}

	n := startNode(t, nodeConfig{DB: db, KeyFile: key})
	me := fetch(t, "GET", n.URL+"/api/v1/me", nil, nil, token)
	if me.Status != http.StatusOK {
		t.Fatalf("GET /api/v1/me with the CLI token: status %d, want 200\n%s", me.Status, me.Body)
	}
	var got struct {
		User struct {
			Email string `json:"email"`
		} `json:"user"`
		Org struct {
			Name string `json:"name"`
		} `json:"org"`
	}
	if err := json.Unmarshal([]byte(me.Body), &got); err != nil || got.User.Email != "tom@acme.test" || got.Org.Name != "Acme" {
		t.Errorf("GET /api/v1/me: %v %+v\n%s", err, got, me.Body)
	}
	bad := fetch(t, "GET", n.URL+"/api/v1/me", nil, nil, token+"x")
	if bad.Status != http.StatusUnauthorized || !strings.Contains(bad.Body, `"unauthenticated"`) {
		t.Errorf("GET /api/v1/me with a wrong token: status %d %s", bad.Status, bad.Body)
	}
}

var tamperedEntry = regexp.MustCompile(`(?m)^entry (\d+): `)

func TestCLIAuditVerifyDetectsTampering(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "canopy.db")
	db := "sqlite:" + path
	env := []string{"CANOPY_KEY_FILE=" + filepath.Join(dir, "canopy.key")}
	for _, email := range []string{"ann@acme.test", "bob@acme.test"} {
		mustCLI(t, env, "user", "create", "--db", db, "--email", email, "--org", "Acme", "--role", "admin")
	}
	ok := mustCLI(t, env, "audit", "verify", "--db", db)
	if !strings.Contains(ok.Stdout, "audit log intact") {
		t.Fatalf("audit verify on an intact log printed %q", ok.Stdout)
	}

	seq := tamper(t, path)
	bad := runCLI(t, env, "audit", "verify", "--db", db)
	if bad.Code == 0 {
		t.Fatalf("audit verify exited 0 on a tampered log:\n%s", bad.Stdout)
	}
	m := tamperedEntry.FindStringSubmatch(bad.Stdout)
	if m == nil || m[1] != fmt.Sprint(seq) {
		t.Errorf("audit verify does not name entry %d:\nstdout: %s\nstderr: %s", seq, bad.Stdout, bad.Stderr)
	}
	if !strings.Contains(bad.Stderr, "TAMPERED") {
		t.Errorf("audit verify's verdict on stderr: %q", bad.Stderr)
	}
}

// tamper rewrites one audit entry behind Canopy's back (dropping the
// trigger that forbids it) and returns its sequence number.
func tamper(t *testing.T, path string) int64 {
	t.Helper()
	conn, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var seq int64
	if err := conn.QueryRow(`SELECT seq FROM audit_events WHERE action = 'user.add' ORDER BY seq LIMIT 1`).Scan(&seq); err != nil {
		t.Fatalf("find an audit entry: %v", err)
	}
	for _, q := range []string{
		`DROP TRIGGER audit_events_no_update`,
		fmt.Sprintf(`UPDATE audit_events SET actor_email = 'someone-else@acme.test' WHERE seq = %d`, seq),
	} {
		if _, err := conn.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return seq
}
