package auth

import (
	"context"
	"runtime"
)

// hashSlots bounds concurrent argon2id computations. Each holds the
// parameters' memory (64 MiB by default), so a burst of sign-ins must queue
// rather than take the process's memory with it; beyond the CPU count more
// parallel hashes only add latency anyway.
var hashSlots = make(chan struct{}, max(2, runtime.NumCPU()))

func acquireHashSlot() (release func()) {
	hashSlots <- struct{}{}
	return func() { <-hashSlots }
}

// acquireHashSlotContext waits for a slot until ctx ends. A sign-in whose
// person stopped waiting (the request was cancelled) leaves the queue
// instead of hashing for nobody: under a burst of sign-ins (measured with
// `canopy bench load`, docs/reliability.md) abandoned requests otherwise
// kept the slots busy while every new request timed out behind them.
func acquireHashSlotContext(ctx context.Context) (release func(), err error) {
	select {
	case hashSlots <- struct{}{}:
		return func() { <-hashSlots }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
