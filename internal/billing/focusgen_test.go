package billing

import (
	"bytes"
	"errors"
	"io"
	"sync"
	"testing"

	"github.com/canopyhq/canopy/internal/billing/focusgen"
	"github.com/cockroachdb/apd/v3"
)

// TestReadsGeneratedFOCUS reads the benchmark generator's file, plain and
// gzip, and checks that the reader's exact per-currency totals equal the
// generator's and that each line keeps FOCUS's cost ordering.
func TestReadsGeneratedFOCUS(t *testing.T) {
	for _, gz := range []bool{false, true} {
		var buf bytes.Buffer
		st, err := focusgen.Generate(&buf, focusgen.Options{Rows: 20000, Seed: 3, Days: 5, Gzip: gz})
		if err != nil {
			t.Fatal(err)
		}
		r, err := Open(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if r.Format() != FOCUS12 {
			t.Fatalf("gzip %v: format %s", gz, r.Format())
		}
		totals, n := readTotals(t, r)
		if n != st.Rows || len(totals) != len(st.BilledCost) {
			t.Fatalf("gzip %v: %d lines, totals %v; generator %d, %v", gz, n, totals, st.Rows, st.BilledCost)
		}
		for cur, want := range st.BilledCost {
			got := totals[cur]
			got.Reduce(got)
			if got.Text('f') != want {
				t.Fatalf("gzip %v: %s total %s, generator %s", gz, cur, got.Text('f'), want)
			}
		}
	}
}

func readTotals(t *testing.T, r *Reader) (map[string]*apd.Decimal, int) {
	t.Helper()
	totals := map[string]*apd.Decimal{}
	ctx := apd.BaseContext.WithPrecision(60)
	for n := 0; ; n++ {
		l, err := r.Next()
		if errors.Is(err, io.EOF) {
			return totals, n
		}
		if err != nil {
			t.Fatal(err)
		}
		lc, ce := l.ListCost.Cmp(l.ContractedCost), l.ContractedCost.Cmp(l.EffectiveCost)
		if l.ChargeClass == ChargeClassCorrection {
			lc, ce = -lc, -ce // a correction is the negative of a valid line
		}
		if lc < 0 || ce < 0 {
			t.Fatalf("line %d: list %s, contracted %s, effective %s", r.Line(), l.ListCost, l.ContractedCost, l.EffectiveCost)
		}
		if l.ResourceID != "" && l.ResourceID[0] == '/' && l.Extra["x_ResourceGroupName"] == "" {
			t.Fatalf("line %d: Azure resource without its x_ResourceGroupName: %v", r.Line(), l.Extra)
		}
		if totals[l.BillingCurrency] == nil {
			totals[l.BillingCurrency] = new(apd.Decimal)
		}
		if _, err := ctx.Add(totals[l.BillingCurrency], totals[l.BillingCurrency], l.BilledCost); err != nil {
			t.Fatal(err)
		}
	}
}

// benchFile is the generated file the reader benchmark parses, kept in
// memory so the figure is the parser's, not the disk's.
var benchFile = sync.OnceValues(func() ([]byte, error) {
	var buf bytes.Buffer
	_, err := focusgen.Generate(&buf, focusgen.Options{Rows: 200_000, Seed: 1})
	return buf.Bytes(), err
})

// BenchmarkReadFOCUS parses a 200k-line, 31-column FOCUS 1.2 file.
// Run: go test ./internal/billing -run XXX -bench ReadFOCUS -benchtime 5x
func BenchmarkReadFOCUS(b *testing.B) {
	data, err := benchFile()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	lines, cpu0 := 0, cpuTime()
	for b.Loop() {
		r, err := Open(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := r.Next(); err != nil {
				if !errors.Is(err, io.EOF) {
					b.Fatal(err)
				}
				break
			}
			lines++
		}
	}
	b.ReportMetric(float64(lines)/b.Elapsed().Seconds(), "lines/s")
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(lines)/cpu.Seconds(), "lines/cpu-s")
	}
}
