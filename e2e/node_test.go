package e2e

import (
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/canopyhq/canopy/internal/mail/mailtest"
)

// node is one running `canopy serve` with its database, key file and the
// SMTP server it sends mail to.
type node struct {
	URL     string
	DB      string
	KeyFile string
	Mail    *mailtest.Server
	proc    *proc
}

// nodeConfig says where a node keeps its data. Zero values get a fresh
// SQLite database, key file and mail server.
type nodeConfig struct {
	Name    string
	DB      string
	KeyFile string
	Mail    *mailtest.Server
	Env     []string // more environment, e.g. the sandbox cloud's endpoints or CANOPY_IMPORT_STALE_AFTER
	Args    []string // more serve flags, e.g. --workers 0
}

// startNode starts `canopy serve` and waits until it is ready.
func startNode(t *testing.T, cfg nodeConfig) *node {
	t.Helper()
	dir := t.TempDir()
	if cfg.Name == "" {
		cfg.Name = "canopy serve"
	}
	if cfg.DB == "" {
		cfg.DB = "sqlite:" + filepath.Join(dir, "canopy.db")
	}
	if cfg.KeyFile == "" {
		cfg.KeyFile = filepath.Join(dir, "canopy.key")
	}
	if cfg.Mail == nil {
		cfg.Mail = mailtest.Start(t)
	}
	addr := freeAddr(t)
	n := &node{URL: "http://" + addr, DB: cfg.DB, KeyFile: cfg.KeyFile, Mail: cfg.Mail}
	host, port := cfg.Mail.Addr()
	env := []string{"CANOPY_SMTP_HOST=" + host, "CANOPY_SMTP_PORT=" + strconv.Itoa(port),
		"CANOPY_SMTP_TLS=none", "CANOPY_KEY_FILE=" + cfg.KeyFile}
	args := append([]string{"serve", "--db", cfg.DB, "--addr", addr, "--base-url", n.URL}, cfg.Args...)
	n.proc = startProc(t, cfg.Name, append(env, cfg.Env...), args...)
	n.proc.waitReady(t, n.URL)
	return n
}

// cliEnv is the environment CLI commands need to share the node's data.
func (n *node) cliEnv() []string {
	return []string{"CANOPY_KEY_FILE=" + n.KeyFile}
}

var oneTimePassword = regexp.MustCompile(`One-time password \(shown once; ask them to change it\): (\S+)`)

// addUser creates a user with `canopy user create` and returns the
// one-time password it prints. A new organisation name creates it.
func (n *node) addUser(t *testing.T, email, org, role string) string {
	t.Helper()
	res := mustCLI(t, n.cliEnv(), "user", "create", "--db", n.DB, "--email", email, "--org", org, "--role", role)
	m := oneTimePassword.FindStringSubmatch(res.Stdout)
	if m == nil {
		t.Fatalf("user create printed no one-time password:\n%s", res.Stdout)
	}
	noteSecret(m[1])
	return m[1]
}
