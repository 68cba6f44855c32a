package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/billing/focusgen"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// importCosts loads generated lines (2026-03-01 .. 03-10) into an org and
// returns the generator's exact totals.
func (f *fixture) importCosts(org string) focusgen.Stats {
	f.t.Helper()
	var buf bytes.Buffer
	st, err := focusgen.Generate(&buf, focusgen.Options{Rows: 1200, Seed: 5, Start: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Days: 10})
	if err != nil {
		f.t.Fatal(err)
	}
	r, err := billing.Open(&buf)
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.st.Costs().Import(context.Background(), f.orgs[org].ID, r, costs.ImportMeta{FileName: "gen.csv"}); err != nil {
		f.t.Fatal(err)
	}
	return st
}

// displayed is how the page shows an exact total: two decimals, half up,
// thousands separated.
func displayed(t *testing.T, s string) string {
	t.Helper()
	d, _, err := apd.NewFromString(s)
	if err != nil {
		t.Fatal(err)
	}
	c := apd.BaseContext.WithPrecision(40)
	c.Rounding = apd.RoundHalfUp
	if _, err := c.Quantize(d, d, -2); err != nil {
		t.Fatal(err)
	}
	whole, frac, _ := strings.Cut(d.Text('f'), ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String() + "." + frac
}

const spendRange = "from=2026-03-01&to=2026-03-10"

func TestSpendPageShowsTotalsAndExports(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		stats := f.importCosts("A")
		owner := f.client("owner-a@example.com")
		code, body := f.do(owner, "GET", "/spend?"+spendRange+"&currency=billing&group_by=provider&compare=previous", nil)
		if code != http.StatusOK {
			t.Fatalf("GET /spend: %d", code)
		}
		for cur, total := range stats.BilledCost {
			if !strings.Contains(body, cur+" · total "+displayed(t, total)+" "+cur) {
				t.Errorf("page lacks the %s total %s", cur, displayed(t, total))
			}
		}
		for _, s := range []string{`id="spend-chart-0"`, `id="spend-chart-data"`, `Previous period`, `data through 10 Mar 2026`,
			`href="/spend/export.csv?`, `href="/spend/lines.csv?`, `<option value="provider" selected>`} {
			if !strings.Contains(body, s) {
				t.Errorf("page lacks %s", s)
			}
		}
		code, body = f.do(owner, "GET", "/spend/export.csv?"+spendRange+"&currency=billing", nil)
		recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if code != http.StatusOK || err != nil || len(recs) != 1+2*len(stats.BilledCost) {
			t.Fatalf("export: %d %v %q", code, err, body)
		}
		code, body = f.do(owner, "GET", "/spend/lines.csv?"+spendRange, nil)
		if code != http.StatusOK || strings.Count(body, "\n") != stats.Rows+1 {
			t.Errorf("FOCUS export: %d, %d lines for %d rows", code, strings.Count(body, "\n"), stats.Rows)
		}
		code, body = f.do(owner, "GET", "/spend/consumption?"+spendRange, nil)
		if code != http.StatusOK || !strings.Contains(body, `id="consumption-table"`) || strings.Contains(body, "No usage matches") {
			t.Errorf("consumption: %d", code)
		}
	})
}

func TestSpendViewerReadsButCannotExport(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.importCosts("A")
		viewer := f.client("viewer-a@example.com")
		code, body := f.do(viewer, "GET", "/spend?"+spendRange, nil)
		if code != http.StatusOK || strings.Contains(body, "spend-export-csv") {
			t.Errorf("viewer /spend: %d, export link shown: %v", code, strings.Contains(body, "spend-export-csv"))
		}
		for _, p := range []string{"/spend/export.csv?" + spendRange, "/spend/lines.csv?" + spendRange} {
			if code, _ := f.do(viewer, "GET", p, nil); code != http.StatusForbidden {
				t.Errorf("viewer %s: %d, want 403", p, code)
			}
		}
		ownerB := f.client("owner-b@example.com")
		code, body = f.do(ownerB, "GET", "/spend?"+spendRange+"&currency=billing", nil)
		if code != http.StatusOK || strings.Contains(body, "Contoso") || !strings.Contains(body, "No cost data has been imported yet.") {
			t.Errorf("org B's spend page: %d, shows A's data: %v", code, strings.Contains(body, "Contoso"))
		}
	})
}

func TestSpendBadInputIsExplained(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		owner := f.client("owner-a@example.com")
		code, body := f.do(owner, "GET", "/spend?from=2026-03-10&to=2026-03-01", nil)
		if code != http.StatusBadRequest || !strings.Contains(body, "to must be the same day as from or later.") ||
			!strings.Contains(body, `aria-invalid="true"`) {
			t.Errorf("bad range: %d", code)
		}
		code, body = f.do(owner, "GET", "/spend?group_by=tag", nil)
		if code != http.StatusBadRequest || !strings.Contains(body, "Grouping by tag needs the tag key") {
			t.Errorf("group by tag without key: %d", code)
		}
	})
}
