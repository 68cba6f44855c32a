package api_test

import (
	"bytes"
	"context"
	"log/slog"
	"mime/multipart"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/imports"
	"github.com/canopyhq/canopy/internal/jobs"
	"github.com/canopyhq/canopy/internal/store"
)

// multipartBody is a request body sent as multipart/form-data with one
// file part (field "file" unless field is set).
type multipartBody struct {
	field, name, data string
}

func (b multipartBody) encode(t testing.TB) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	field := b.field
	if field == "" {
		field = "file"
	}
	fw, err := mw.CreateFormFile(field, b.name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write([]byte(b.data)); err != nil {
		t.Fatal(err)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), mw.FormDataContentType()
}

// newImports is the import service with a job runner that is not started:
// uploads queue their job, which a test may work with startJobs.
func newImports(t testing.TB, db *store.DB) (*imports.Service, *jobs.Runner) {
	t.Helper()
	if err := jobs.Migrate(context.Background(), string(db.Engine), db.W); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	svc := imports.New(store.New(db), nil, 8<<20, log)
	reg := jobs.NewRegistry()
	jobs.Register(reg, svc.Worker())
	runner, err := jobs.New(string(db.Engine), db.W, jobs.Options{Logger: log, Registry: reg, FetchPollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	svc.Jobs = runner
	return svc, runner
}

// startJobs works the queued imports until the test ends.
func (f *fixture) startJobs() {
	f.t.Helper()
	if err := f.jobs.Start(f.ctx); err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = f.jobs.Stop(ctx)
	})
}

// seedUpload queues a small billing file for the tenant.
func (f *fixture) seedUpload(p *auth.Principal, slug string) string {
	f.t.Helper()
	u, err := f.imports.Upload(f.ctx, p, p.Actor("127.0.0.1", testUA), slug+"-costs.csv", strings.NewReader("BilledCost\n1\n"))
	if err != nil {
		f.t.Fatal(err)
	}
	return u.ID
}
