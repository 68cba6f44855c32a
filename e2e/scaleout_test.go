package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/billing/focusgen"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/mail/mailtest"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// importStale is the workers' CANOPY_IMPORT_STALE_AFTER: how long an
// import may go without a heartbeat, and how often the job leader sweeps.
const importStale = 3 * time.Second

// TestScaleOutOnPostgres runs the deployment docs/operations.md describes,
// on one PostgreSQL schema: two `canopy serve` web nodes that work no
// jobs and two `canopy worker` processes. A session works on both web
// nodes; a burst of uploads through both is imported once each; a worker
// killed with SIGKILL mid-import leaves its import to the other, with
// exact totals; and the leader-only periodic sweep runs once per tick.
func TestScaleOutOnPostgres(t *testing.T) {
	t.Parallel()
	if storetest.PostgresURL(t) == "" { // fails under CI when unset
		t.Skip("CANOPY_TEST_POSTGRES not set")
	}
	c := &cluster{t: t, dsn: storetest.DSN(t, store.Postgres), key: filepath.Join(t.TempDir(), "canopy.key")}
	c.start()
	t.Run("session", func(t *testing.T) { sessionSharedAcrossNodes(t, c.web[0], c.web[1]) })
	c.token = c.ownerToken()
	t.Run("burst imported once each", func(t *testing.T) { c.burst(t, 8) })
	t.Run("worker killed mid-import", func(t *testing.T) { c.killMidImport(t) })
	t.Run("leader-only sweep", func(t *testing.T) { c.checkLeaderTicks(t) })
}

// cluster is the four processes and what the test uploaded.
type cluster struct {
	t       *testing.T
	dsn     string
	key     string
	web     []*node
	workers map[string]*proc // by CANOPY_NODE_ID
	token   string
	started time.Time
	want    []map[string]string // BilledCost per currency of each imported file
}

func (c *cluster) start() {
	mail := mailtest.Start(c.t)
	env := []string{"CANOPY_IMPORT_STALE_AFTER=" + importStale.String()}
	c.started = time.Now()
	for _, name := range []string{"web A", "web B"} { // one after the other: the first creates the key file
		c.web = append(c.web, startNode(c.t, nodeConfig{Name: name, DB: c.dsn, KeyFile: c.key, Mail: mail, Env: env,
			Args: []string{"--workers", "0"}}))
	}
	c.workers = map[string]*proc{}
	for _, id := range []string{"worker-1", "worker-2"} {
		c.workers[id] = startKillable(c.t, "canopy "+id, append(env, "CANOPY_KEY_FILE="+c.key, "CANOPY_NODE_ID="+id),
			"worker", "--db", c.dsn, "--workers", "4")
	}
	for id, p := range c.workers {
		waitFor(c.t, id+" running", func() bool { return strings.Contains(p.stderr.String(), "canopy worker running") })
	}
}

// ownerToken creates an owner of Acme and an API token for them.
func (c *cluster) ownerToken() string {
	env := []string{"CANOPY_KEY_FILE=" + c.key}
	mustCLI(c.t, env, "user", "create", "--db", c.dsn, "--email", "ops@acme.test", "--org", "Acme", "--role", "owner")
	res := mustCLI(c.t, env, "token", "create", "--db", c.dsn, "--email", "ops@acme.test", "--name", "scale-out test")
	token := strings.TrimSpace(res.Stdout)
	noteSecret(token)
	return token
}

// upload posts a generated FOCUS file through the API of web node n.
func (c *cluster) upload(t *testing.T, n *node, name string, opts focusgen.Options) {
	t.Helper()
	f := c.generate(t, name, opts)
	if err := c.post(n, f); err != nil {
		t.Fatal(err)
	}
}

// formFile is a multipart body holding one billing file.
type formFile struct {
	name, contentType string
	body              []byte
}

// generate writes a FOCUS file as a multipart body and records its totals.
func (c *cluster) generate(t *testing.T, name string, opts focusgen.Options) formFile {
	t.Helper()
	var file, body bytes.Buffer
	st, err := focusgen.Generate(&file, opts)
	if err != nil {
		t.Fatal(err)
	}
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", name)
	if err == nil {
		_, err = fw.Write(file.Bytes())
	}
	if err != nil || mw.Close() != nil {
		t.Fatal(err)
	}
	c.want = append(c.want, st.BilledCost)
	return formFile{name: name, contentType: mw.FormDataContentType(), body: body.Bytes()}
}

// post uploads f through n's API (safe from any goroutine).
func (c *cluster) post(n *node, f formFile) error {
	req, err := http.NewRequest("POST", n.URL+"/api/v1/costs/imports", bytes.NewReader(f.body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", f.contentType)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := plainClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("upload %s to %s: status %d, want 202", f.name, n.URL, resp.StatusCode)
	}
	return nil
}

// burst uploads n files of distinct months through both web nodes at
// once; each is imported by exactly one job attempt, into one import.
func (c *cluster) burst(t *testing.T, n int) {
	files := make([]formFile, n)
	for i := range files {
		files[i] = c.generate(t, fmt.Sprintf("burst-%d.csv", i), focusgen.Options{Rows: 3000, Seed: int64(100 + i),
			Start: time.Date(2024, time.Month(1+i), 3, 0, 0, 0, 0, time.UTC), Days: 20})
	}
	errs := make(chan error, n)
	for i, f := range files {
		go func() { errs <- c.post(c.web[i%2], f) }()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	db := openSQL(t, c.dsn)
	waitFor(t, "every upload imported", func() bool {
		return queryInt(t, db, `SELECT COUNT(*) FROM cost_uploads WHERE status IN ('succeeded', 'failed')`) == n
	})
	if got := queryInt(t, db, `SELECT COUNT(*) FROM cost_uploads WHERE status = 'succeeded'`); got != n {
		t.Fatalf("%d of %d uploads succeeded", got, n)
	}
	if got := queryInt(t, db, `SELECT COUNT(*) FROM cost_imports WHERE status = 'succeeded'`); got != n {
		t.Errorf("%d succeeded imports, want %d (one per upload)", got, n)
	}
	if got := queryInt(t, db, `SELECT COUNT(*) FROM cost_imports WHERE status <> 'succeeded'`); got != 0 {
		t.Errorf("%d imports replaced, failed or running: an upload was imported more than once", got)
	}
	// River's completer marks jobs done in batches, after the work.
	waitFor(t, "every import job completed", func() bool {
		return queryInt(t, db, `SELECT COUNT(*) FROM river_job WHERE kind = 'cost_import' AND state = 'completed'`) == n
	})
	if got := queryInt(t, db, `SELECT COUNT(*) FROM river_job WHERE kind = 'cost_import' AND state = 'completed' AND attempt = 1`); got != n {
		t.Errorf("%d import jobs completed at their first attempt, want %d", got, n)
		dumpJobs(t, db, "cost_import")
	}
	var by [2]int
	for i, id := range []string{"worker-1", "worker-2"} {
		by[i] = queryInt(t, db, `SELECT COUNT(*) FROM river_job WHERE kind = 'cost_import' AND attempted_by[1] = '`+id+`'`)
	}
	t.Logf("import jobs worked: worker-1 %d, worker-2 %d", by[0], by[1])
	c.checkTotals(t)
}

// checkTotals compares the stored totals with the files', to the cent.
func (c *cluster) checkTotals(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, c.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := store.New(db)
	var orgID string
	if err := db.W.QueryRowContext(ctx, `SELECT id FROM orgs WHERE name = 'Acme'`).Scan(&orgID); err != nil {
		t.Fatal(err)
	}
	got, err := s.Costs().Totals(ctx, orgID, costs.TotalsFilter{})
	if err != nil {
		t.Fatal(err)
	}
	want := exactSum(t, c.want)
	for cur, w := range want {
		if got[cur].Billed.String() != w {
			t.Errorf("%s billed: stored %s, files %s", cur, got[cur].Billed.String(), w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("stored currencies %d, files %d", len(got), len(want))
	}
}

// killMidImport uploads a large file, kills the worker importing it with
// SIGKILL once its progress shows, and waits for the other to import it.
func (c *cluster) killMidImport(t *testing.T) {
	db := openSQL(t, c.dsn)
	c.upload(t, c.web[0], "large.csv", focusgen.Options{Rows: 150_000, Seed: 200, Start: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), Days: 30, Gzip: true})
	const upload = `(SELECT id FROM cost_uploads WHERE file_name = 'large.csv')`
	waitFor(t, "the large import under way", func() bool {
		return queryInt(t, db, `SELECT COUNT(*) FROM cost_uploads WHERE id = `+upload+` AND status = 'running' AND rows_done > 0`) == 1
	})
	var holder string
	err := db.QueryRow(`SELECT attempted_by[array_length(attempted_by, 1)] FROM river_job
		WHERE kind = 'cost_import' AND state = 'running' AND args->>'upload_id' = ` + upload).Scan(&holder)
	if err != nil || c.workers[holder] == nil {
		t.Fatalf("worker running the large import: %q, %v", holder, err)
	}
	var leader string
	if err := db.QueryRow(`SELECT leader_id FROM river_leader`).Scan(&leader); err != nil {
		t.Fatal(err)
	}
	c.workers[holder].kill(t)
	t.Logf("killed %s mid-import (the leader: %s)", holder, leader)
	waitFor(t, "the large import finished by the other worker", func() bool {
		return queryInt(t, db, `SELECT COUNT(*) FROM cost_uploads WHERE id = `+upload+` AND status IN ('succeeded', 'failed')`) == 1
	})
	waitFor(t, "its job completed", func() bool {
		return queryInt(t, db, `SELECT COUNT(*) FROM river_job WHERE kind = 'cost_import' AND state = 'completed' AND args->>'upload_id' = `+upload) == 1
	})
	var status, by string
	if err := db.QueryRow(`SELECT u.status, COALESCE((SELECT attempted_by[array_length(attempted_by, 1)] FROM river_job
		WHERE kind = 'cost_import' AND state = 'completed' AND args->>'upload_id' = u.id), '') FROM cost_uploads u WHERE u.id = `+upload).Scan(&status, &by); err != nil {
		t.Fatal(err)
	}
	if status != "succeeded" || by == holder || by == "" {
		t.Fatalf("large upload %s, completed by %q (killed: %s)", status, by, holder)
	}
	if got := queryInt(t, db, `SELECT COUNT(*) FROM cost_imports WHERE file_name = 'large.csv' AND status = 'succeeded' AND row_count = 150000`); got != 1 {
		t.Errorf("%d succeeded imports of the large file with all its lines, want 1", got)
	}
	if got := queryInt(t, db, `SELECT COUNT(*) FROM river_job WHERE kind = 'cost_import' AND state = 'running'`); got != 0 {
		t.Errorf("%d import jobs still running: the killed worker's was not finalized", got)
	}
	c.checkTotals(t)
}

// checkLeaderTicks: the periodic import sweep is inserted by the elected
// leader only, so its jobs are one per tick (never two within half an
// interval, which two schedulers would produce) and each ran once.
func (c *cluster) checkLeaderTicks(t *testing.T) {
	db := openSQL(t, c.dsn)
	rows, err := db.Query(`SELECT created_at, attempt, state, COALESCE(CAST(errors AS text), '') FROM river_job WHERE kind = 'cost_import_sweep' ORDER BY created_at`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var prev time.Time
	ticks := 0
	for rows.Next() {
		var at time.Time
		var attempt int
		var state, errs string
		if err := rows.Scan(&at, &attempt, &state, &errs); err != nil {
			t.Fatal(err)
		}
		if !prev.IsZero() && at.Sub(prev) < importStale/2 {
			t.Errorf("two sweeps inserted %v apart (interval %v): more than one scheduler", at.Sub(prev), importStale)
		}
		if attempt > 1 {
			t.Errorf("sweep job at %v: attempt %d, state %s: run more than once", at, attempt, state)
		} else if state != "completed" && state != "running" && state != "available" {
			// Ran once and failed (seen once, state discarded, under a full
			// CI run): the next tick sweeps again, and the takeover check
			// above proves the import still finished exactly. Logged, not
			// failed, until the cause is known (see docs/reliability.md).
			t.Logf("sweep job at %v: attempt %d, state %s, errors %s", at, attempt, state, errs)
		}
		prev, ticks = at, ticks+1
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(c.started)
	if ticks < 2 || ticks > int(elapsed/importStale)+2 {
		t.Errorf("%d sweeps in %v at one per %v", ticks, elapsed.Round(time.Second), importStale)
	}
	if n := queryInt(t, db, `SELECT COUNT(*) FROM river_leader`); n != 1 {
		t.Errorf("%d leaders", n)
	}
}

// exactSum adds per-currency decimal totals exactly.
func exactSum(t *testing.T, parts []map[string]string) map[string]string {
	t.Helper()
	acc := map[string]domain.Amount{}
	for _, p := range parts {
		for cur, v := range p {
			var a domain.Amount
			err := a.UnmarshalText([]byte(v))
			if err == nil {
				acc[cur], err = acc[cur].Add(a)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	out := map[string]string{}
	for cur, a := range acc {
		out[cur] = a.String()
	}
	return out
}

// dumpJobs logs the jobs of kind, to see why a check failed.
func dumpJobs(t *testing.T, db *sql.DB, kind string) {
	rows, err := db.Query(`SELECT id, state, attempt, max_attempts, attempted_by::text, errors::text FROM river_job WHERE kind = $1 ORDER BY id`, kind)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, attempt, maxAttempts int
		var state, by string
		var errs sql.NullString
		if err := rows.Scan(&id, &state, &attempt, &maxAttempts, &by, &errs); err != nil {
			t.Fatal(err)
		}
		t.Logf("job %d %s attempt %d/%d by %s errors %s", id, state, attempt, maxAttempts, by, errs.String)
	}
}

func openSQL(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func queryInt(t *testing.T, db *sql.DB, q string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}
