package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// importRows is the size of the file imported while a process is killed:
// large enough that the import is still running when the kill comes.
const importRows = 300_000

// `canopy serve` on SQLite killed with SIGKILL while it imports an
// uploaded file, then started again: its startup sweep queues the upload
// again, the import runs once from the start (the killed one stored
// nothing: one transaction), and the totals equal the generator's.
func TestFaultKillServeMidImportSQLite(t *testing.T) {
	needFaultSuite(t)
	r := newFaultRig(t, storetest.DSN(t, store.SQLite), 2000, 2)
	file, billed := genFocus(t, importRows)
	p, url := r.serve("canopy serve 1", true)
	id := uploadFile(t, url, r.token(), file)
	waitUpload(t, url, r.token(), id, "running with lines read", func(u upload) bool { return u.Status == "running" && u.RowsDone > 0 })
	p.kill(t)
	db := openRaw(t, r.dsn)
	held := runningJobs(t, db)
	db.Close()
	_, url2 := r.serve("canopy serve 2", false)
	u := waitUpload(t, url2, r.token(), id, "finished", func(u upload) bool { return u.Status == "succeeded" || u.Status == "failed" })
	if u.Status != "succeeded" || u.RowsDone != importRows {
		t.Fatalf("upload after the restart: %s, %d rows (%s), want succeeded with %d", u.Status, u.RowsDone, u.Error, importRows)
	}
	checkNoStuckJob(t, r.dsn, held)
	r.checkAdded(billed)
}

// A `canopy worker` on PostgreSQL killed with SIGKILL mid-import: the
// web node goes on serving, the upload shows "running" until its
// progress is stale (a minute without a heartbeat), and a worker started
// after that takes it over and imports it once.
func TestFaultKillWorkerMidImportPostgres(t *testing.T) {
	needFaultSuite(t)
	if storetest.PostgresURL(t) == "" {
		t.Skip("CANOPY_TEST_POSTGRES not set")
	}
	r := newFaultRig(t, storetest.DSN(t, store.Postgres), 2000, 2)
	file, billed := genFocus(t, importRows)
	addr := freeAddr(t)
	url := "http://" + addr
	web := startProc(t, "canopy serve (no workers)", append(r.env(), "CANOPY_WORKERS=0"), "serve", "--db", r.dsn, "--addr", addr, "--base-url", url)
	web.waitReady(t, url)
	w1 := startKillable(t, "canopy worker 1", r.env(), "worker", "--db", r.dsn)
	id := uploadFile(t, url, r.token(), file)
	waitUpload(t, url, r.token(), id, "running with progress saved", func(u upload) bool { return u.Status == "running" && u.RowsDone > 0 })
	w1.kill(t)
	db := openRaw(t, r.dsn)
	held := runningJobs(t, db)
	db.Close()
	killed := time.Now()
	u := waitUpload(t, url, r.token(), id, "the killed import's progress to go stale", func(u upload) bool {
		return u.Status == "running" && time.Since(u.UpdatedAt) > 61*time.Second
	})
	t.Logf("upload %s stayed %s for %.0f s after the kill (no live worker takes it before it is stale)", id, u.Status, time.Since(killed).Seconds())
	startProc(t, "canopy worker 2", r.env(), "worker", "--db", r.dsn)
	u = waitUpload(t, url, r.token(), id, "finished", func(u upload) bool { return u.Status == "succeeded" || u.Status == "failed" })
	if u.Status != "succeeded" || u.RowsDone != importRows {
		t.Fatalf("upload after the second worker: %s, %d rows (%s), want succeeded with %d", u.Status, u.RowsDone, u.Error, importRows)
	}
	checkNoStuckJob(t, r.dsn, held)
	r.checkAdded(billed)
}

func (r *faultRig) token() string {
	for _, a := range r.seed.Accounts {
		if a.Token != "" {
			return a.Token
		}
	}
	r.t.Fatal("no seeded account has a token")
	return ""
}

func (r *faultRig) checkAdded(added map[string]string) {
	r.t.Helper()
	summary, err := r.seed.CheckAdded(context.Background(), r.dsn, r.key, added)
	if err != nil {
		r.t.Fatalf("after the fault: %v", err)
	}
	r.t.Log("after the fault:", summary)
	res := mustCLI(r.t, []string{"CANOPY_KEY_FILE=" + r.key}, "audit", "verify", "--db", r.dsn)
	if !regexp.MustCompile(`audit log intact`).MatchString(res.Stdout) {
		r.t.Fatalf("canopy audit verify: %s", res.Stdout)
	}
}

var billedLine = regexp.MustCompile(`(?m)^BilledCost (\w{3}): (\S+)$`)

// genFocus writes a generated FOCUS file with `canopy bench gen-focus`
// (charge days months before the seeded ones: another source, so it adds
// lines rather than replacing them) and returns its
// path and exact BilledCost per currency.
func genFocus(t *testing.T, rows int) (string, map[string]string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "fault-focus.csv")
	start := time.Now().UTC().AddDate(0, 0, -240).Format(time.DateOnly)
	res := mustCLI(t, nil, "bench", "gen-focus", "--rows", fmt.Sprint(rows), "--seed", "21", "--days", "20", "--start", start, path)
	billed := map[string]string{}
	for _, m := range billedLine.FindAllStringSubmatch(res.Stdout, -1) {
		billed[m[1]] = m[2]
	}
	if len(billed) == 0 {
		t.Fatalf("gen-focus printed no totals:\n%s", res.Stdout)
	}
	return path, billed
}

// upload is the API's view of an uploaded file.
type upload struct {
	ID        string    `json:"id"`
	Status    string    `json:"status"`
	RowsDone  int64     `json:"rows_done"`
	UpdatedAt time.Time `json:"updated_at"`
	Error     string    `json:"error"`
}

// uploadFile posts path to POST /api/v1/costs/imports (multipart,
// streamed) and returns the upload's ID.
func uploadFile(t *testing.T, base, token, path string) string {
	t.Helper()
	status, body := tryUpload(t, base, token, path)
	var out struct {
		Upload upload `json:"upload"`
	}
	if status != http.StatusAccepted || json.Unmarshal([]byte(body), &out) != nil || out.Upload.ID == "" {
		t.Fatalf("upload: status %d %s", status, body)
	}
	return out.Upload.ID
}

// waitUpload polls the upload until cond holds (bounded by importWait).
func waitUpload(t *testing.T, base, token, id, what string, cond func(upload) bool) upload {
	t.Helper()
	const importWait = 5 * time.Minute
	deadline := time.Now().Add(importWait)
	var u upload
	for {
		p := fetch(t, "GET", base+"/api/v1/costs/imports/"+id, nil, nil, token)
		if p.Status != http.StatusOK || json.Unmarshal([]byte(p.Body), &u) != nil {
			t.Fatalf("GET import %s: status %d %s", id, p.Status, p.Body)
		}
		if cond(u) {
			return u
		}
		if time.Now().After(deadline) {
			t.Fatalf("upload %s: not %s within %v (status %s, %d rows, %q)", id, what, importWait, u.Status, u.RowsDone, u.Error)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
