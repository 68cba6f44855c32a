package app

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/billing/focusgen"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// `canopy costs drop-month` on PostgreSQL: one organisation's month, then
// a whole month archived; each is in the audit log with its line count.
func TestCostsDropMonthCommand(t *testing.T) {
	if storetest.PostgresURL(t) == "" {
		t.Skip("CANOPY_TEST_POSTGRES not set")
	}
	c := cliRunner{db: storetest.DSN(t, store.Postgres), key: filepath.Join(t.TempDir(), "canopy.key")}
	if code, out, errOut := c.run("user", "create", "--email", "owner@example.com", "--org", "Acme", "--role", "owner"); code != 0 {
		t.Fatalf("user create: exit %d\n%s%s", code, out, errOut)
	}
	file := filepath.Join(t.TempDir(), "focus.csv")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	st, err := focusgen.Generate(f, focusgen.Options{Rows: 3000, Seed: 3, Start: time.Date(2025, 3, 27, 0, 0, 0, 0, time.UTC), Days: 10})
	if f.Close() != nil || err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := c.run("import", file, "--org", "Acme"); code != 0 {
		t.Fatalf("import: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut := c.run("costs", "months")
	if code != 0 || !strings.Contains(out, "2025-03") || !strings.Contains(out, "2025-04") {
		t.Fatalf("costs months: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = c.run("costs", "drop-month", "--month", "2025-03", "--org", "Acme")
	if code != 0 || !strings.Contains(out, "Dropped 2025-03") {
		t.Fatalf("drop-month --org: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = c.run("costs", "drop-month", "--month", "2025-04", "--archive")
	if code != 0 || !strings.Contains(out, "Archived") {
		t.Fatalf("drop-month --archive: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut = c.run("costs", "drop-month", "--month", "April"); code == 0 || !strings.Contains(errOut, "YYYY-MM") {
		t.Fatalf("drop-month with a bad month: exit %d, stderr %q", code, errOut)
	}

	a := c.open(t)
	ctx := context.Background()
	org, err := a.Auth.FindOrg(ctx, "Acme")
	if err != nil {
		t.Fatal(err)
	}
	if tot, err := a.Store.Costs().Totals(ctx, org.ID, costs.TotalsFilter{}); err != nil || len(tot) != 0 {
		t.Fatalf("totals after dropping both months: %v, %v", tot, err)
	}
	page, err := a.Store.ListAudit(ctx, org.ID, store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var lines int64
	found := map[string]bool{}
	for _, ev := range page.Items {
		if strings.HasPrefix(ev.Action, "costs.month_") {
			found[ev.Action+" "+ev.TargetID] = true
			lines += countIn(t, ev)
		}
	}
	if !found["costs.month_drop 2025-03"] || !found["costs.month_archive 2025-04"] || lines != int64(st.Rows) {
		t.Fatalf("audit entries %v with %d lines in all, want March's drop and April's archive with %d", found, lines, st.Rows)
	}
}

func countIn(t *testing.T, ev domain.AuditEvent) int64 {
	t.Helper()
	var d struct{ Lines int64 }
	if err := json.Unmarshal([]byte(ev.Details), &d); err != nil {
		t.Fatal(err)
	}
	return d.Lines
}
