//go:build !unix

package billing

import "time"

// cpuTime is unknown here; the benchmark then reports wall-clock only.
func cpuTime() time.Duration { return 0 }
