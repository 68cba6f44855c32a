package web_test

import (
	"os"
	"testing"

	"github.com/canopyhq/canopy/internal/auth"
)

// TestMain uses cheap password hashing: these tests exercise routes, not
// argon2id cost (measured in internal/auth benchmarks).
func TestMain(m *testing.M) {
	restore := auth.SetPasswordParams(auth.FastInsecurePasswordParams)
	code := m.Run()
	restore()
	os.Exit(code)
}
