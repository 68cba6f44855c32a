package store

import (
	"runtime/debug"
	"testing"
)

func TestGCForImportRaisesAndRestores(t *testing.T) {
	orig := debug.SetGCPercent(100)
	defer debug.SetGCPercent(orig)
	current := func() int { p := debug.SetGCPercent(0); debug.SetGCPercent(p); return p }

	first := gcForImport()
	second := gcForImport()
	if p := current(); p != importGCPercent {
		t.Fatalf("during imports GC percent %d, want %d", p, importGCPercent)
	}
	first()
	if p := current(); p != importGCPercent {
		t.Fatalf("with one import still running: %d", p)
	}
	second()
	if p := current(); p != 100 {
		t.Fatalf("after the imports: %d, want 100 back", p)
	}

	debug.SetGCPercent(-1) // GOGC=off is the operator's choice
	gcForImport()()
	if p := current(); p != -1 {
		t.Fatalf("GOGC=off became %d", p)
	}
}
