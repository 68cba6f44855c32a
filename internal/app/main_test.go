package app

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"testing"
)

// asCanopy makes the test binary run as canopy: `canopy bench load`
// starts its nodes as child processes of its own executable, which in
// this package's tests is the test binary.
const asCanopy = "CANOPY_APP_TEST_AS_CANOPY"

func TestMain(m *testing.M) {
	if os.Getenv(asCanopy) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := Run(ctx, OSEnv(os.Args[1:]))
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}
