package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// canopyBin is the binary under test, built once for the whole package.
var canopyBin string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "canopy-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	canopyBin = filepath.Join(dir, "canopy")
	build := exec.Command("go", "build", "-o", canopyBin, "./cmd/canopy")
	build.Dir = ".." // the module root
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: building canopy failed:", err)
		return 1
	}
	defer closeBrowser()
	return m.Run()
}
