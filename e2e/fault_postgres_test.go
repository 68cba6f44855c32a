package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// ownPostgres is a PostgreSQL server of the test's own (initdb in a
// temporary folder, on a free loopback port), so restarting it disturbs
// nobody else's database. It is stopped and removed when the test ends.
type ownPostgres struct {
	t    *testing.T
	bin  string // folder of initdb, pg_ctl
	data string
	log  string
	opts string
	cred *syscall.Credential // run as the postgres user when we are root
	URL  string
}

func startOwnPostgres(t *testing.T) *ownPostgres {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	if len(bins) == 0 {
		t.Fatal("fault suite: no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/pg_ctl)")
	}
	sort.Strings(bins)
	pg := &ownPostgres{t: t, bin: filepath.Dir(bins[len(bins)-1])}
	dir, err := os.MkdirTemp("", "canopy-fault-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if os.Geteuid() == 0 { // initdb refuses root
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("fault suite as root needs a postgres user: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		pg.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	pg.data, pg.log = filepath.Join(dir, "data"), filepath.Join(dir, "server.log")
	port := strings.TrimPrefix(freeAddr(t), "127.0.0.1:")
	pg.opts = fmt.Sprintf("-p %s -c listen_addresses=127.0.0.1 -k %s -c max_connections=200", port, dir)
	pg.run("initdb", "-D", pg.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
	pg.run("pg_ctl", "-D", pg.data, "-o", pg.opts, "-l", pg.log, "-w", "start")
	t.Cleanup(func() { pg.run("pg_ctl", "-D", pg.data, "-m", "immediate", "-w", "stop") })
	pg.URL = "postgres://postgres@127.0.0.1:" + port + "/postgres?sslmode=disable"
	return pg
}

// restart stops the server (fast: sessions are cut) and starts it again,
// as an operator's `systemctl restart postgresql` does.
func (pg *ownPostgres) restart() {
	pg.t.Helper()
	pg.run("pg_ctl", "-D", pg.data, "-o", pg.opts, "-l", pg.log, "-m", "fast", "-w", "restart")
}

func (pg *ownPostgres) run(name string, args ...string) {
	pg.t.Helper()
	cmd := exec.Command(filepath.Join(pg.bin, name), args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: pg.cred}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		pg.t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out.String())
	}
}
