package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/billing/focusgen"
	"github.com/canopyhq/canopy/internal/imports"
	"github.com/canopyhq/canopy/internal/jobs"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// newImports is the import service with a job runner that a test starts
// when it wants the queued imports worked.
func newImports(t *testing.T, db *store.DB) *imports.Service {
	t.Helper()
	if err := jobs.Migrate(context.Background(), string(db.Engine), db.W); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := imports.New(store.New(db), nil, 4<<20, log)
	reg := jobs.NewRegistry()
	jobs.Register(reg, svc.Worker())
	runner, err := jobs.New(string(db.Engine), db.W, jobs.Options{Logger: log, Registry: reg, FetchPollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	svc.Jobs = runner
	return svc
}

func (f *fixture) startJobs() {
	f.t.Helper()
	if err := f.ui.Imports.Jobs.Start(context.Background()); err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = f.ui.Imports.Jobs.Stop(ctx)
	})
}

var statusRE = regexp.MustCompile(`data-status="([a-z]+)"`)

// pollProgress GETs the htmx fragment until the import has finished.
func (f *fixture) pollProgress(c *http.Client, id string) string {
	f.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		code, body := f.do(c, "GET", "/spend/imports/"+id+"/progress", nil)
		if code != http.StatusOK {
			f.t.Fatalf("progress: %d %s", code, body)
		}
		if m := statusRE.FindStringSubmatch(body); m != nil && (m[1] == "succeeded" || m[1] == "failed") {
			return body
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("import still running after 60 s: %s", body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// postUpload sends the form as a browser without JavaScript does and
// returns the upload ID it was redirected to.
func (f *fixture) postUpload(c *http.Client, name, data string) string {
	f.t.Helper()
	req := f.multipart(name, data)
	resp, err := c.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	id, ok := strings.CutPrefix(loc, "/spend/imports/")
	if resp.StatusCode != http.StatusSeeOther || !ok || !strings.HasPrefix(id, store.PrefixCostUpload) {
		f.t.Fatalf("upload %s: %d to %q", name, resp.StatusCode, loc)
	}
	return id
}

func (f *fixture) multipart(name, data string) *http.Request {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=%q\r\nContent-Type: text/csv\r\n\r\n%s\r\n--B--\r\n", name, data)
	req, _ := http.NewRequest("POST", f.srv.URL+"/spend/imports", &buf)
	req.Header.Set("Content-Type", "multipart/form-data; boundary=B")
	return req
}

func TestImportPagesUploadAndResult(t *testing.T) {
	t.Parallel()
	var file bytes.Buffer
	stats, err := focusgen.Generate(&file, focusgen.Options{Rows: 1500, Seed: 4, Days: 5})
	if err != nil {
		t.Fatal(err)
	}
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		owner := f.client("owner-a@example.com")
		code, page := f.do(owner, "GET", "/spend/imports", nil)
		if code != 200 || !strings.Contains(page, "data-upload-form") || !strings.Contains(page, "No imports yet.") {
			t.Fatalf("imports page: %d %s", code, page)
		}
		id := f.postUpload(owner, "focus.csv", file.String())
		code, status := f.do(owner, "GET", "/spend/imports/"+id, nil)
		if code != 200 || !strings.Contains(status, `hx-get="/spend/imports/`+id+`/progress"`) {
			t.Fatalf("status page while queued: %d %s", code, status)
		}
		f.startJobs()
		done := f.pollProgress(owner, id)
		if !strings.Contains(done, `data-status="succeeded"`) || !strings.Contains(done, fmt.Sprintf("Imported %d lines", stats.Rows)) || strings.Contains(done, "hx-get") {
			t.Fatalf("finished fragment: %s", done)
		}
		_, page = f.do(owner, "GET", "/spend/imports", nil)
		if !strings.Contains(page, "focus.csv") || !strings.Contains(page, ">succeeded<") || !strings.Contains(page, "owner-a@example.com") {
			t.Fatalf("history lacks the import: %s", page)
		}
		// Org B sees none of it.
		ownerB := f.client("owner-b@example.com")
		for _, path := range []string{"/spend/imports/" + id, "/spend/imports/" + id + "/progress"} {
			if code, _ := f.do(ownerB, "GET", path, nil); code != http.StatusNotFound {
				t.Errorf("org B GET %s: %d, want 404", path, code)
			}
		}
		if _, page := f.do(ownerB, "GET", "/spend/imports", nil); strings.Contains(page, "focus.csv") {
			t.Error("org B's history shows A's import")
		}
		// A viewer reads the history but gets no upload form.
		_, page = f.do(f.client("viewer-a@example.com"), "GET", "/spend/imports", nil)
		if !strings.Contains(page, "focus.csv") || strings.Contains(page, "data-upload-form") {
			t.Fatalf("viewer's page: %s", page)
		}

		lines := strings.SplitAfter(file.String(), "\n")
		lines[9] = "12,5" + lines[9][strings.IndexByte(lines[9], ','):] // line 10: BilledCost "12" then a stray column
		bad := f.postUpload(owner, "bad.csv", strings.Join(lines, ""))
		failed := f.pollProgress(owner, bad)
		if !strings.Contains(failed, `data-status="failed"`) || !strings.Contains(failed, "line 10") {
			t.Fatalf("failed fragment: %s", failed)
		}
	})
}

func TestImportUploadRefusedOnThePage(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		owner := f.client("owner-a@example.com")
		for _, tc := range []struct {
			name, data string
			code       int
			msg        string
		}{
			{"empty.csv", "", http.StatusBadRequest, "The file is empty."},
			{"big.csv", strings.Repeat("x", 5<<20), http.StatusRequestEntityTooLarge, "larger than the upload limit of 4 MiB"},
		} {
			resp, err := owner.Do(f.multipart(tc.name, tc.data))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.code || !strings.Contains(string(body), tc.msg) || !strings.Contains(string(body), `id="cost-file-error"`) {
				t.Errorf("%s: %d, want %d with %q: %s", tc.name, resp.StatusCode, tc.code, tc.msg, body)
			}
		}
		if list, err := f.st.ListUploads(context.Background(), f.orgs["A"].ID, 10); err != nil || len(list) != 0 {
			t.Fatalf("refused uploads left %d rows (%v)", len(list), err)
		}
	})
}

// The upload form's script posts with HX-Request and gets the progress
// fragment to poll in place. Polling it must not wait for the database
// writer, which on SQLite a running import holds for its whole length:
// here a transaction holds it while the fragment is fetched.
func TestProgressFragmentPollsWhileTheWriterIsBusy(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		owner := f.client("owner-a@example.com")
		req := f.multipart("focus.csv", "BilledCost\n1\n")
		req.Header.Set("HX-Request", "true")
		resp, err := owner.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := regexp.MustCompile(`hx-get="/spend/imports/(upl_[a-z0-9]+)/progress"`).FindStringSubmatch(string(body))
		if resp.StatusCode != http.StatusOK || m == nil || !strings.Contains(string(body), `data-status="queued"`) || strings.Contains(string(body), "<html") {
			t.Fatalf("HX-Request upload: %d %s", resp.StatusCode, body)
		}

		tx, err := db.W.BeginTx(context.Background(), nil) // SQLite: the one writer connection, as an import holds it
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		poll, _ := http.NewRequestWithContext(ctx, "GET", f.srv.URL+"/spend/imports/"+m[1]+"/progress", nil)
		resp, err = owner.Do(poll)
		if err != nil {
			t.Fatalf("polling while the writer is busy: %v", err)
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `data-status="queued"`) {
			t.Fatalf("poll: %d %s", resp.StatusCode, body)
		}
	})
}
