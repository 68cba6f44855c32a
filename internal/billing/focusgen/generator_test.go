package focusgen

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/csv"
	hexenc "encoding/hex"
	"io"
	"strings"
	"testing"
	"time"
)

func generate(t *testing.T, o Options) ([]byte, Stats) {
	t.Helper()
	var buf bytes.Buffer
	st, err := Generate(&buf, o)
	if err != nil {
		t.Fatal(err)
	}
	if st.Bytes != int64(buf.Len()) {
		t.Fatalf("Stats.Bytes %d, wrote %d", st.Bytes, buf.Len())
	}
	return buf.Bytes(), st
}

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return hexenc.EncodeToString(s[:])
}

// The same options give the same bytes, in this run and across builds:
// the golden digest pins the output so a benchmark file can be
// regenerated anywhere. Change it only when the generator changes on
// purpose (and say so in docs/performance.md, whose figures used it).
func TestDeterministic(t *testing.T) {
	o := Options{Rows: 5000, Seed: 42}
	a, _ := generate(t, o)
	b, _ := generate(t, o)
	if !bytes.Equal(a, b) {
		t.Fatal("two runs with the same options differ")
	}
	const golden = "7ac18afb3b0e895a7692cae28bcf5babe306e5047e758558d390829e6303109e"
	if got := digest(a); got != golden {
		t.Fatalf("digest %s, want %s", got, golden)
	}
	c, _ := generate(t, Options{Rows: 5000, Seed: 43})
	if bytes.Equal(a, c) {
		t.Fatal("a different seed gave the same file")
	}
}

func TestGzipHoldsTheSameCSV(t *testing.T) {
	plain, ps := generate(t, Options{Rows: 3000, Seed: 7, Days: 3})
	zipped, zs := generate(t, Options{Rows: 3000, Seed: 7, Days: 3, Gzip: true})
	zr, err := gzip.NewReader(bytes.NewReader(zipped))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, plain) || zs.CSVBytes != int64(len(plain)) || ps.CSVBytes != ps.Bytes {
		t.Fatalf("gzip content differs: %d vs %d bytes", len(got), len(plain))
	}
	if zs.Bytes >= ps.Bytes/3 {
		t.Fatalf("gzip barely compressed: %d of %d", zs.Bytes, ps.Bytes)
	}
	if zs.BilledCost["EUR"] != ps.BilledCost["EUR"] {
		t.Fatal("totals differ with gzip")
	}
}

// Every line has the header's 31 fields, the charge days are spread over
// Days in order, and each kind of line appears.
func TestShape(t *testing.T) {
	start := time.Date(2026, 3, 30, 15, 0, 0, 0, time.UTC)
	b, st := generate(t, Options{Rows: 20000, Seed: 1, Days: 4, Start: start})
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 20001 || st.Rows != 20000 || len(recs[0]) != 31 || strings.Join(recs[0], ",") != strings.Join(Columns, ",") {
		t.Fatalf("%d records, header %v", len(recs), recs[0])
	}
	seen := map[string]int{}
	days := map[string]bool{}
	for _, r := range recs[1:] {
		seen[r[6]+"/"+r[7]]++
		days[r[11]] = true
		if r[11] == "2026-04-01T00:00:00Z" && (r[5] != "2026-04-01T00:00:00Z" || r[4] != "2026-05-01T00:00:00Z") {
			t.Fatalf("billing period of an April day: %v", r[4:6])
		}
	}
	for _, k := range []string{"Usage/", "Usage/Correction", "Purchase/", "Tax/", "Credit/"} {
		if seen[k] == 0 {
			t.Fatalf("no %s line: %v", k, seen)
		}
	}
	if len(days) != 4 || !days["2026-03-30T00:00:00Z"] || !days["2026-04-02T00:00:00Z"] {
		t.Fatalf("charge days %v", days)
	}
	if per := st.CSVBytes / int64(st.Rows); per < 480 || per > 600 {
		t.Fatalf("%d bytes per line, want ≈533 like the issue's anchor file", per)
	}
}

func TestRejectsBadOptions(t *testing.T) {
	for _, o := range []Options{{Rows: -1}, {Rows: 1, Days: -2}, {Rows: 1, Days: 100000}} {
		if _, err := Generate(io.Discard, o); err == nil {
			t.Fatalf("%+v accepted", o)
		}
	}
}

func TestAppendFixed(t *testing.T) {
	cases := map[int64]string{0: "0", 1: "0.0000000001", -12_5000000000: "-12.5", 3_0000000000: "3", 1234567890123: "123.4567890123", -5: "-0.0000000005"}
	for v, want := range cases {
		if got := string(appendAmount(nil, v)); got != want {
			t.Errorf("%d: %s, want %s", v, got, want)
		}
	}
	if got := string(appendFixed(nil, 2405, 2)); got != "24.05" {
		t.Errorf("quantity %s", got)
	}
}

func BenchmarkGenerate(b *testing.B) {
	const rows = 100_000
	var n int64
	for b.Loop() {
		st, err := Generate(io.Discard, Options{Rows: rows, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		n = st.CSVBytes
	}
	b.SetBytes(n)
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "lines/s")
}
