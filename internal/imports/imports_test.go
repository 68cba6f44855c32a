package imports_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/billing/focusgen"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/imports"
	"github.com/canopyhq/canopy/internal/jobs"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// harness is the service over a fresh database with a river runner that
// works its jobs, and the principals of two organisations.
type harness struct {
	ctx              context.Context
	st               *store.Store
	svc              *imports.Service
	owner, viewer, b *auth.Principal
	who              audit.Actor
}

func newHarness(t *testing.T, db *store.DB, maxBytes int64, start bool) *harness {
	t.Helper()
	ctx := context.Background()
	if err := jobs.Migrate(ctx, string(db.Engine), db.W); err != nil {
		t.Fatal(err)
	}
	st := store.New(db)
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	svc := imports.New(st, nil, maxBytes, log)
	reg := jobs.NewRegistry()
	jobs.Register(reg, svc.Worker())
	runner, err := jobs.New(string(db.Engine), db.W, jobs.Options{Logger: log, Registry: reg, FetchPollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	svc.Jobs = runner
	if start {
		if err := runner.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = runner.Stop(sctx)
		})
	}
	h := &harness{ctx: ctx, st: st, svc: svc, who: audit.Actor{Email: "owner@a.test", IP: "127.0.0.1"}}
	orgA, orgB := h.org(t, "A"), h.org(t, "B")
	h.owner, h.viewer, h.b = principal(orgA, auth.RoleOwner), principal(orgA, auth.RoleViewer), principal(orgB, auth.RoleFinOps)
	return h
}

func (h *harness) org(t *testing.T, name string) domain.Org {
	now := domain.Now()
	o := domain.Org{ID: domain.NewID(domain.PrefixOrg), Name: "Org " + name, CreatedAt: now, UpdatedAt: now}
	if err := h.st.CreateOrg(h.ctx, o); err != nil {
		t.Fatal(err)
	}
	return o
}

func principal(o domain.Org, role string) *auth.Principal {
	g := []auth.Grant{{Role: role}}
	return &auth.Principal{User: domain.User{ID: domain.NewID(domain.PrefixUser), Email: role + "@x.test"}, Org: o,
		Grants: g, Perms: auth.OrgPermissions(g)}
}

// waitFinished polls the status until the import has an outcome.
func (h *harness) waitFinished(t *testing.T, p *auth.Principal, id string) imports.Status {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		st, err := h.svc.Status(h.ctx, p, id)
		if err != nil {
			t.Fatal(err)
		}
		if st.Finished() {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("upload %s still %s after 60 s", id, st.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func generate(t *testing.T, rows int, seed int64, gz bool) ([]byte, focusgen.Stats) {
	t.Helper()
	var buf bytes.Buffer
	st, err := focusgen.Generate(&buf, focusgen.Options{Rows: rows, Seed: seed, Days: 10, Gzip: gz})
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), st
}

func billed(t *testing.T, h *harness, orgID string, f costs.TotalsFilter) map[string]string {
	t.Helper()
	m, err := h.st.Costs().Totals(h.ctx, orgID, f)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for cur, v := range m {
		out[cur] = v.Billed.String()
	}
	return out
}

func TestUploadImportsThroughTheJob(t *testing.T) {
	t.Parallel()
	data, stats := generate(t, 12000, 5, true)
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db, 0, true)
		u, err := h.svc.Upload(h.ctx, h.owner, h.who, `C:\exports\focus.csv.gz`, bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if u.Status != store.UploadQueued || u.FileName != "focus.csv.gz" || u.SizeBytes != int64(len(data)) {
			t.Fatalf("upload %+v", u)
		}
		st := h.waitFinished(t, h.owner, u.ID)
		if st.Status != store.UploadSucceeded || st.Import == nil || st.Import.Rows != stats.Rows || st.RowsDone != int64(stats.Rows) ||
			st.BytesDone != st.SizeBytes || st.Percent() != 100 {
			t.Fatalf("status %+v import %+v", st.CostUpload, st.Import)
		}
		got := map[string]string{}
		for cur, m := range st.Import.Totals {
			got[cur] = m.Billed.String()
		}
		if fmt.Sprint(got) != fmt.Sprint(stats.BilledCost) {
			t.Fatalf("import totals %v, want the file's %v", got, stats.BilledCost)
		}
		if all := billed(t, h, h.owner.Org.ID, costs.TotalsFilter{}); fmt.Sprint(all) != fmt.Sprint(stats.BilledCost) {
			t.Fatalf("stored totals %v, want %v", all, stats.BilledCost)
		}
		if b, _ := io.ReadAll(h.st.OpenUpload(h.ctx, u.ID)); len(b) != 0 {
			t.Fatalf("%d bytes of the file still stored after the import", len(b))
		}
		h.assertAudited(t, st.ImportID)
		// Another organisation cannot see it.
		if _, err := h.svc.Status(h.ctx, h.b, u.ID); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("org B reads A's upload: %v", err)
		}
		// River runs a job at least once: running it again changes nothing.
		job := &river.Job[imports.Args]{Args: imports.Args{UploadID: u.ID, OrgID: u.OrgID, Email: "owner@x.test"}}
		if err := h.svc.Worker().Work(h.ctx, job); err != nil {
			t.Fatal(err)
		}
		list, err := h.svc.History(h.ctx, h.owner, 10)
		if err != nil || len(list) != 1 || list[0].ID != st.ImportID {
			t.Fatalf("history after a repeated job: %+v %v", list, err)
		}
	})
}

func (h *harness) assertAudited(t *testing.T, importID string) {
	t.Helper()
	log, err := h.st.ListAudit(h.ctx, h.owner.Org.ID, store.AuditFilter{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range log.Items {
		if e.Action == "costs.import" && e.TargetID == importID && e.ActorEmail == h.who.Email && e.IP == h.who.IP {
			return
		}
	}
	t.Fatalf("no audit entry for import %s in %+v", importID, log.Items)
}

// breakLine replaces the first field (BilledCost) of file line n.
func breakLine(t *testing.T, data []byte, n int, value string) []byte {
	t.Helper()
	lines := strings.SplitAfter(string(data), "\n")
	_, rest, ok := strings.Cut(lines[n-1], ",")
	if !ok {
		t.Fatal("line has no comma")
	}
	lines[n-1] = value + "," + rest
	return []byte(strings.Join(lines, ""))
}

func TestBadFileFailsWithLineAndColumnAndChangesNothing(t *testing.T) {
	t.Parallel()
	good, stats := generate(t, 300, 8, false)
	bad := breakLine(t, good, 120, "12.5x") // different data, same source: it would replace the first
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db, 0, true)
		u, err := h.svc.Upload(h.ctx, h.owner, h.who, "good.csv", bytes.NewReader(good))
		if err != nil {
			t.Fatal(err)
		}
		if st := h.waitFinished(t, h.owner, u.ID); st.Status != store.UploadSucceeded {
			t.Fatalf("good file: %+v", st.CostUpload)
		}
		u, err = h.svc.Upload(h.ctx, h.owner, h.who, "bad.csv", bytes.NewReader(bad))
		if err != nil {
			t.Fatal(err)
		}
		st := h.waitFinished(t, h.owner, u.ID)
		if st.Status != store.UploadFailed || st.Import != nil || !strings.Contains(st.Error, "line 120, column BilledCost") {
			t.Fatalf("bad file: %+v", st.CostUpload)
		}
		if all := billed(t, h, h.owner.Org.ID, costs.TotalsFilter{}); fmt.Sprint(all) != fmt.Sprint(stats.BilledCost) {
			t.Fatalf("a failed import changed the stored totals: %v, want %v", all, stats.BilledCost)
		}
		if b, _ := io.ReadAll(h.st.OpenUpload(h.ctx, u.ID)); len(b) != 0 {
			t.Fatalf("%d bytes of the failed file still stored", len(b))
		}
		// A file no format recognises fails before an import starts.
		u, err = h.svc.Upload(h.ctx, h.owner, h.who, "notes.csv", strings.NewReader("a,b\n1,2\n"))
		if err != nil {
			t.Fatal(err)
		}
		if st := h.waitFinished(t, h.owner, u.ID); st.Status != store.UploadFailed || !strings.Contains(st.Error, "notes.csv") {
			t.Fatalf("unknown format: %+v", st.CostUpload)
		}
	})
}

func TestUploadRefusals(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db, 10<<20, false)
		big := io.LimitReader(zeros{}, 10<<20+1) // one byte over, in three chunks
		if _, err := h.svc.Upload(h.ctx, h.owner, h.who, "big.csv", big); domain.ErrorCode(err) != domain.CodeTooLarge ||
			!strings.Contains(domain.ErrorMessage(err), "10 MiB") {
			t.Fatalf("oversized upload: %v", err)
		}
		if _, err := h.svc.Upload(h.ctx, h.viewer, h.who, "x.csv", strings.NewReader("a")); domain.ErrorCode(err) != domain.CodeForbidden {
			t.Fatalf("viewer upload: %v", err)
		}
		if _, err := h.svc.Upload(h.ctx, h.owner, h.who, "empty.csv", strings.NewReader("")); domain.ErrorCode(err) != domain.CodeInvalid {
			t.Fatalf("empty upload: %v", err)
		}
		if _, err := h.svc.Upload(h.ctx, h.owner, h.who, "", strings.NewReader("a")); domain.ErrorCode(err) != domain.CodeInvalid {
			t.Fatalf("nameless upload: %v", err)
		}
		cut := io.MultiReader(strings.NewReader("a,b\n"), errReader{io.ErrClosedPipe})
		if _, err := h.svc.Upload(h.ctx, h.owner, h.who, "cut.csv", cut); domain.ErrorCode(err) != domain.CodeInvalid {
			t.Fatalf("cut-off upload: %v", err)
		}
		list, err := h.st.ListUploads(h.ctx, h.owner.Org.ID, 10)
		if err != nil || len(list) != 0 {
			t.Fatalf("refused uploads left rows: %+v %v", list, err)
		}
		var chunks int
		if err := db.R.QueryRow("SELECT COUNT(*) FROM cost_upload_chunks").Scan(&chunks); err != nil || chunks != 0 {
			t.Fatalf("refused uploads left %d chunks (%v)", chunks, err)
		}
	})
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// TestSweepRequeuesInterruptedUploads: a process stopped while an upload
// was arriving (partial body) and while another was importing (claimed,
// no progress since); the startup sweep removes the first and queues the
// second again, whose import then succeeds.
func TestSweepRequeuesInterruptedUploads(t *testing.T) {
	t.Parallel()
	data, stats := generate(t, 500, 9, false)
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db, 0, false)
		u, err := h.svc.Upload(h.ctx, h.owner, h.who, "focus.csv", bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if _, ok, err := h.st.ClaimUpload(h.ctx, u.OrgID, u.ID, domain.Now()); !ok || err != nil {
			t.Fatalf("claim: %v", err)
		}
		partial, err := h.st.CreateUpload(h.ctx, h.owner.Org.ID, "partial.csv", "owner@x.test")
		if err != nil {
			t.Fatal(err)
		}
		if err := h.st.AppendUploadChunk(h.ctx, partial.ID, 0, data[:100]); err != nil {
			t.Fatal(err)
		}
		// Both rows were last written before the process stopped.
		q := "UPDATE cost_uploads SET updated_at = ?"
		if db.Engine == store.Postgres {
			q = "UPDATE cost_uploads SET updated_at = $1"
		}
		if _, err := db.W.Exec(q, domain.Now().Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		res, err := h.svc.Sweep(h.ctx)
		if err != nil || res.Requeued != 1 || res.Removed != 1 {
			t.Fatalf("sweep: %+v %v", res, err)
		}
		if _, err := h.st.GetUpload(h.ctx, partial.OrgID, partial.ID); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("partial upload kept: %v", err)
		}
		if err := h.svc.Jobs.Start(h.ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = h.svc.Jobs.Stop(context.Background()) })
		st := h.waitFinished(t, h.owner, u.ID)
		if st.Status != store.UploadSucceeded || st.Import.Rows != stats.Rows {
			t.Fatalf("requeued upload: %+v", st.CostUpload)
		}
		if list, _ := h.svc.History(h.ctx, h.owner, 10); len(list) != 1 {
			t.Fatalf("the upload was imported %d times", len(list))
		}
	})
}
