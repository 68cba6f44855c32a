package e2e

import (
	"strings"
	"sync"
	"testing"
)

// Secrets the tests handle (passwords typed, one-time passwords, links and
// tokens). No canopy process may ever write one to its log.
var secrets struct {
	mu   sync.Mutex
	list []string
}

// noteSecret registers a value that must never appear in a log.
func noteSecret(s string) {
	if len(s) < 8 {
		return
	}
	secrets.mu.Lock()
	defer secrets.mu.Unlock()
	secrets.list = append(secrets.list, s)
}

// assertNoSecretsLogged fails the test when a process's log (stderr; the
// demo's stdout prints its login on purpose) contains a noted secret.
func assertNoSecretsLogged(t *testing.T, name, log string) {
	t.Helper()
	secrets.mu.Lock()
	defer secrets.mu.Unlock()
	for _, s := range secrets.list {
		if strings.Contains(log, s) {
			t.Errorf("the log of %s contains a secret (%.4s…)", name, s)
		}
	}
}
