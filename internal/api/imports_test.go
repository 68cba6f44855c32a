package api_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/billing/focusgen"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

type uploadJSON struct {
	ID        string `json:"id"`
	File      string `json:"file"`
	Status    string `json:"status"`
	SizeBytes int64  `json:"size_bytes"`
	BytesDone int64  `json:"bytes_done"`
	RowsDone  int64  `json:"rows_done"`
	Percent   int    `json:"percent"`
	Error     string `json:"error"`
	Import    *struct {
		ID     string `json:"id"`
		Rows   int    `json:"rows"`
		Format string `json:"format"`
		Totals map[string]struct {
			Billed string `json:"billed"`
		} `json:"totals"`
		BillingPeriodStart string `json:"billing_period_start"`
		CreatedBy          string `json:"created_by"`
	} `json:"import"`
}

// pollUpload GETs the status URL until the import has an outcome.
func (f *fixture) pollUpload(t *testing.T, url, token string) uploadJSON {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		res := f.do("GET", url, token, nil)
		res.wantStatus(t, "poll "+url, 200)
		var u uploadJSON
		res.decode(t, &u)
		if u.Status == store.UploadSucceeded || u.Status == store.UploadFailed {
			return u
		}
		if time.Now().After(deadline) {
			t.Fatalf("upload still %s after 60 s: %s", u.Status, res.body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestCostImportUploadAndPoll(t *testing.T) {
	t.Parallel()
	var file bytes.Buffer
	stats, err := focusgen.Generate(&file, focusgen.Options{Rows: 2500, Seed: 3, Days: 7})
	if err != nil {
		t.Fatal(err)
	}
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.startJobs()
		res := f.do("POST", "/api/v1/costs/imports", f.a.ownerToken, multipartBody{name: "focus.csv", data: file.String()})
		res.wantStatus(t, "upload", 202)
		var acc struct {
			Upload    uploadJSON `json:"upload"`
			StatusURL string     `json:"status_url"`
		}
		res.decode(t, &acc)
		if acc.Upload.Status != store.UploadQueued || acc.Upload.SizeBytes != int64(file.Len()) || acc.StatusURL != res.header.Get("Location") ||
			acc.StatusURL != "/api/v1/costs/imports/"+acc.Upload.ID {
			t.Fatalf("accepted: %s", res.body)
		}
		u := f.pollUpload(t, acc.StatusURL, f.a.viewerToken) // reading needs costs.read only
		if u.Status != store.UploadSucceeded || u.Import == nil || u.Import.Rows != stats.Rows || u.RowsDone != int64(stats.Rows) ||
			u.Percent != 100 || u.BytesDone != u.SizeBytes || u.Import.CreatedBy != f.a.owner.Email {
			t.Fatalf("finished upload: %+v", u)
		}
		got := map[string]string{}
		for cur, m := range u.Import.Totals {
			got[cur] = m.Billed
		}
		if fmt.Sprint(got) != fmt.Sprint(stats.BilledCost) {
			t.Fatalf("totals %v, want the file's %v", got, stats.BilledCost)
		}
		hist := f.do("GET", "/api/v1/costs/imports?limit=5", f.a.ownerToken, nil)
		hist.wantStatus(t, "history", 200)
		if !bytes.Contains(hist.body, []byte(u.Import.ID)) || !bytes.Contains(hist.body, []byte(`"duration_ms":`)) {
			t.Fatalf("history lacks the import: %s", hist.body)
		}
		f.do("GET", acc.StatusURL, f.b.ownerToken, nil).wantError(t, "org B polls A's upload", 404, domain.CodeNotFound)
		if b := f.do("GET", "/api/v1/costs/imports", f.b.ownerToken, nil); bytes.Contains(b.body, []byte(u.Import.ID)) {
			t.Fatalf("org B's history shows A's import: %s", b.body)
		}

		// A bad line: the import fails naming line and column.
		lines := strings.SplitAfter(file.String(), "\n")
		lines[2] = "not-a-number" + lines[2] // line 3's BilledCost
		bad := strings.Join(lines, "")
		res = f.do("POST", "/api/v1/costs/imports", f.a.ownerToken, multipartBody{name: "bad.csv", data: bad})
		res.wantStatus(t, "bad upload", 202)
		res.decode(t, &acc)
		u = f.pollUpload(t, acc.StatusURL, f.a.ownerToken)
		if u.Status != store.UploadFailed || u.Import != nil || !strings.Contains(u.Error, "bad.csv") || !strings.Contains(u.Error, "line 3, column BilledCost") {
			t.Fatalf("bad file: %+v", u)
		}
	})
}

func TestCostImportUploadRefusals(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		path := "/api/v1/costs/imports"
		f.do("POST", path, f.a.ownerToken, `{"file":"x"}`).wantError(t, "JSON body", 415, domain.CodeInvalid)
		f.do("POST", path, f.a.ownerToken, multipartBody{field: "other", name: "x.csv", data: "a"}).wantError(t, "no file field", 400, domain.CodeInvalid)
		f.do("POST", path, f.a.ownerToken, multipartBody{name: "empty.csv"}).wantError(t, "empty file", 400, domain.CodeInvalid)
		// Over the fixture's 8 MiB limit, streamed (no Content-Length), and
		// announced by Content-Length.
		big := multipartBody{name: "big.csv", data: strings.Repeat("x", 9<<20)}
		raw, ct := big.encode(t)
		for _, known := range []bool{false, true} {
			req := f.newRequest("POST", path, nil)
			req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(raw)), -1
			if known {
				req.ContentLength = int64(len(raw))
			}
			req.Header.Set("Content-Type", ct)
			req.Header.Set("Authorization", "Bearer "+f.a.ownerToken)
			e := f.send(req).wantError(t, fmt.Sprintf("oversized upload (length known %v)", known), http.StatusRequestEntityTooLarge, domain.CodeTooLarge)
			if !strings.Contains(e.Error.Message, "8 MiB") {
				t.Errorf("message %q does not name the limit", e.Error.Message)
			}
		}
		var n int
		if err := db.R.QueryRow("SELECT COUNT(*) FROM cost_uploads").Scan(&n); err != nil || n != 2 { // the two seeded ones
			t.Fatalf("refused uploads left rows: %d %v", n, err)
		}
		if err := db.R.QueryRow("SELECT COUNT(*) FROM cost_upload_chunks").Scan(&n); err != nil || n != 2 {
			t.Fatalf("refused uploads left chunks: %d %v", n, err)
		}
	})
}

// Polling an upload must not wait for the database writer, which on
// SQLite a running import holds for its whole length: here a
// transaction holds it while the status is read.
func TestCostImportPollWhileTheWriterIsBusy(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tx, err := db.W.BeginTx(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		req := f.newRequest("GET", "/api/v1/costs/imports/"+f.a.uploadID, nil).WithContext(ctx)
		req.Header.Set("Authorization", "Bearer "+f.a.viewerToken) // never used yet: its last use is noted
		res := f.send(req)
		res.wantStatus(t, "poll while the writer is busy", 200)
		if !bytes.Contains(res.body, []byte(`"status":"queued"`)) {
			t.Fatalf("status: %s", res.body)
		}
	})
}
