//go:build unix

package costcache_test

import (
	"syscall"
	"time"
)

// cpuTime is the process's user+system CPU time: the benchmark
// reports this process's CPU per page (SQLite: all of it; PostgreSQL: the
// client side only) because a shared machine makes wall time swing.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
