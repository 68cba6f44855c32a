package store

import (
	"runtime/debug"
	"sync"
)

// importGCPercent is the garbage collector's target while imports run.
// An import allocates about 3 KB a line that dies within the line's batch
// (the CSV record, the parsed Line, its maps), and at the default 100 the
// collector ran about a fifth of the import's CPU; at 400 the heap grows
// by a few hundred MB during a large import and the import gains about a
// third (docs/performance.md). An explicit GOGC of 400 or more, or off, is
// left alone.
const importGCPercent = 400

var importGC struct {
	sync.Mutex
	running int
	restore int
	changed bool
}

// gcForImport raises the GC target for the duration of an import; the
// returned func restores it when the last running import ends.
func gcForImport() (done func()) {
	importGC.Lock()
	defer importGC.Unlock()
	importGC.running++
	if importGC.running == 1 {
		old := debug.SetGCPercent(importGCPercent)
		importGC.restore, importGC.changed = old, old >= 0 && old < importGCPercent
		if !importGC.changed {
			debug.SetGCPercent(old)
		}
	}
	return func() {
		importGC.Lock()
		defer importGC.Unlock()
		importGC.running--
		if importGC.running == 0 && importGC.changed {
			debug.SetGCPercent(importGC.restore)
			importGC.changed = false
		}
	}
}
