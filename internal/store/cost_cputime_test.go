//go:build unix

package store_test

import (
	"syscall"
	"time"
)

// cpuTime is the process's user+system CPU time: the import benchmark
// reports lines per CPU-second beside lines per second because a shared
// 2-core machine makes wall-clock figures swing with the neighbours' load.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
