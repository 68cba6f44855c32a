// Command canopy is the one Canopy binary: web UI, API, jobs and tools.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/canopyhq/canopy/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := app.Run(ctx, app.OSEnv(os.Args[1:]))
	stop()
	os.Exit(code)
}
