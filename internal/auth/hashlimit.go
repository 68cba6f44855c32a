package auth

import "runtime"

// hashSlots bounds concurrent argon2id computations. Each holds the
// parameters' memory (64 MiB by default), so a burst of sign-ins must queue
// rather than take the process's memory with it; beyond the CPU count more
// parallel hashes only add latency anyway.
var hashSlots = make(chan struct{}, max(2, runtime.NumCPU()))

func acquireHashSlot() (release func()) {
	hashSlots <- struct{}{}
	return func() { <-hashSlots }
}
