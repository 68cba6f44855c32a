package auth

import (
	"context"
	"errors"
	"testing"
	"time"
)

// A password check waiting for a hash slot gives up when its request's
// context ends, instead of hashing later for nobody; with a slot free it
// checks as before.
func TestCheckPasswordContextLeavesTheQueue(t *testing.T) {
	hash, err := HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	for range cap(hashSlots) { // every slot busy
		hashSlots <- struct{}{}
	}
	held := cap(hashSlots)
	defer func() {
		for range held {
			<-hashSlots
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, _, err := CheckPasswordContext(ctx, "correct horse battery staple", hash)
		done <- err
	}()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("abandoned check: err %v, want context.Canceled", err)
		}
	case <-time.After(time.Minute): // a hang guard, not a timing assertion
		t.Fatal("the check still waits for a slot after its context ended")
	}
	<-hashSlots
	held--
	ok, _, err := CheckPasswordContext(context.Background(), "correct horse battery staple", hash)
	if !ok || err != nil {
		t.Fatalf("check with a free slot: ok %v err %v", ok, err)
	}
}
