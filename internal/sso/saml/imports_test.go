package saml

import (
	"go/build"
	"strings"
	"testing"
)

// The package stays independent of the web, API and store layers.
func TestNoCanopyLayerImports(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		for _, banned := range []string{"/internal/web", "/internal/api", "/internal/store"} {
			if strings.HasPrefix(imp, "github.com/canopyhq/canopy"+banned) {
				t.Errorf("imports %s", imp)
			}
		}
	}
	if len(pkg.Imports) == 0 {
		t.Fatal("no imports found; wrong directory?")
	}
}
