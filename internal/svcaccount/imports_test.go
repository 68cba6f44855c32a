package svcaccount_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The web server and the API hold only the collector's public key: they
// must not even link the package that decrypts (svcaccount/collector).
// Only the app wiring (for the sync job and the admin command) does.
func TestWebAndAPICannotDecrypt(t *testing.T) {
	const decrypter = "github.com/canopyhq/canopy/internal/svcaccount/collector"
	for _, pkg := range []string{"../web", "../api", "."} {
		out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", pkg, err, out)
		}
		deps := strings.Fields(string(out))
		if len(deps) < 10 {
			t.Fatalf("go list %s listed only %v", pkg, deps)
		}
		for _, d := range deps {
			if d == decrypter {
				t.Errorf("%s depends on %s: the web/API side must not be able to decrypt", pkg, decrypter)
			}
		}
	}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", "../app").CombinedOutput()
	if err != nil || !strings.Contains(string(out), decrypter) {
		t.Fatalf("the app wiring should link the collector (control): %v", err)
	}
}
