package billing

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/billing/focusgen"
)

// errAfter fails with errBroken once its data is read, like a connection
// that drops or a gzip stream that ends early.
type errAfter struct{ r io.Reader }

var errBroken = errors.New("broken pipe")

func (e errAfter) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err == io.EOF {
		return n, errBroken
	}
	return n, err
}

// checkScannerMatchesCSV reads data with encoding/csv (as the reader used
// to configure it) and with scanner side by side, through a buffer of
// bufSize (small sizes take the long-line path), and fails on the first
// difference in records, record start lines or errors.
func checkScannerMatchesCSV(t testing.TB, data []byte, bufSize int, broken bool) {
	t.Helper()
	var a, b io.Reader = bytes.NewReader(data), bytes.NewReader(data)
	if broken {
		a, b = errAfter{a}, errAfter{b}
	}
	cr := csv.NewReader(a)
	cr.FieldsPerRecord = -1
	sc := newScanner(bufio.NewReaderSize(b, bufSize))
	for n := 0; n <= len(data)+1; n++ {
		want, werr := cr.Read()
		gerr := sc.read()
		if !sameErr(werr, gerr) {
			t.Fatalf("record %d: error %v, encoding/csv %v (input %q)", n, gerr, werr, clip(string(data)))
		}
		if werr == io.EOF {
			return
		}
		got := sc.record(nil)
		if werr == nil || !isParseErr(werr) {
			if !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Fatalf("record %d: %q, encoding/csv %q (input %q)", n, got, want, clip(string(data)))
			}
		}
		if werr == nil {
			if line, _ := cr.FieldPos(0); line != sc.recLine {
				t.Fatalf("record %d: starts on line %d, encoding/csv %d", n, sc.recLine, line)
			}
		}
		if werr != nil && !isParseErr(werr) {
			return // encoding/csv would return the read error again
		}
	}
	t.Fatalf("no end after %d records (input %q)", len(data)+1, clip(string(data)))
}

func isParseErr(err error) bool {
	var pe *csv.ParseError
	return errors.As(err, &pe)
}

func sameErr(want, got error) bool {
	if want == nil || got == nil || want == io.EOF || got == io.EOF {
		return want == got
	}
	var wp, gp *csv.ParseError
	if errors.As(want, &wp) || errors.As(got, &gp) {
		return errors.As(want, &wp) && errors.As(got, &gp) && *wp == *gp
	}
	return errors.Is(got, errBroken) && errors.Is(want, errBroken)
}

var scannerSeeds = []string{
	"", "\n", "\r\n", "\r", "a", "a\r", "a,b\n", "a,b\r\nc,d\r\n", "\ufeffa,b\n1,2\n",
	"a,,b,\n,,\n", "\"a,b\",c\n", "\"a\"\"b\",c\n", "\"multi\nline\",x\n", "\"multi\r\nline\"\r\n",
	"a\"b,c\n", "\"a\"b,c\n", "\"unterminated\n", "\"unterminated", "\"\"\n", "x,\"\"\n",
	"a,b\n\n\nc,d", " \"a\",b\n", "a,\"b\"\"\n\"\"c\",d\r\ne", "\"a\"\r", "\"a\"\r\r\n", "a\rb,c\n",
	"é,\"ü\",\xff\n", "\"\xff\"\"\n", "\"a\",\"b\"x\n1,2\n", "\n\"\n\n", "\"\n", "a,\"\n",
}

// FuzzScannerMatchesCSV: on any input the scanner gives encoding/csv's
// records, start lines and errors (line and column), also with a long-line
// buffer and a read error at the end.
func FuzzScannerMatchesCSV(f *testing.F) {
	for _, s := range scannerSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkScannerMatchesCSV(t, data, 4096, false)
		checkScannerMatchesCSV(t, data, 16, false)
		checkScannerMatchesCSV(t, data, 16, true)
	})
}

// TestScannerMatchesCSVRandom compares on random CSV-ish input built from
// the characters that matter: quotes, commas, CR, LF, BOM, spaces,
// non-ASCII and invalid UTF-8.
func TestScannerMatchesCSVRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pieces := []string{"a", "bc", ",", ",", "\"", "\"\"", "\n", "\r\n", "\r", " ", "\ufeff", "é", "\xff", "\",", ",\"", "12.5"}
	for i := 0; i < 20000; i++ {
		var b strings.Builder
		for n := rng.IntN(40); n > 0; n-- {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		data := []byte(b.String())
		checkScannerMatchesCSV(t, data, 4096, false)
		checkScannerMatchesCSV(t, data, 16, i%2 == 0)
	}
	for _, s := range scannerSeeds {
		checkScannerMatchesCSV(t, []byte(s), 16, false)
	}
}

// TestScannerMatchesCSVFiles compares on every test file and on generated
// FOCUS files (plain bytes; gzip files decompressed).
func TestScannerMatchesCSVFiles(t *testing.T) {
	paths, _ := filepath.Glob("testdata/*")
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(p, ".gz") {
			zr, err := gzip.NewReader(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if data, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
		}
		checkScannerMatchesCSV(t, data, 4096, false)
		checkScannerMatchesCSV(t, data, 16, true)
	}
	for seed := int64(1); seed <= 3; seed++ {
		var buf bytes.Buffer
		if _, err := focusgen.Generate(&buf, focusgen.Options{Rows: 5000, Seed: seed, Days: 3}); err != nil {
			t.Fatal(err)
		}
		checkScannerMatchesCSV(t, buf.Bytes(), 4096, false)
		checkScannerMatchesCSV(t, buf.Bytes(), 64, false)
	}
}

// TestReaderMatchesCSVPath reads files with Reader.Next and, beside it,
// with encoding/csv feeding the same mapper one fresh row per record (the
// reader's old path): the Lines and errors must be identical.
func TestReaderMatchesCSVPath(t *testing.T) {
	var buf bytes.Buffer
	if _, err := focusgen.Generate(&buf, focusgen.Options{Rows: 3000, Seed: 5, Days: 2}); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"generated": buf.Bytes()}
	paths, _ := filepath.Glob("testdata/*.csv")
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files[p] = b
		// the same file with a bad line and CRLF endings
		files[p+" (edited)"] = bytes.ReplaceAll(append(append([]byte(nil), b...), "x,\"y\n"...), []byte("\n"), []byte("\r\n"))
	}
	for name, data := range files {
		r, err := Open(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ref := newRefReader(t, data)
		var kept, wants []*Line
		for n := 0; ; n++ {
			got, gerr := r.Next()
			want, werr := ref.next()
			if !reflect.DeepEqual(got, want) || fmt.Sprint(gerr) != fmt.Sprint(werr) {
				t.Fatalf("%s line %d: %+v, %v; reference %+v, %v", name, n, got, gerr, want, werr)
			}
			if gerr == io.EOF {
				break
			}
			kept, wants = append(kept, got), append(wants, want)
		}
		// Lines are the caller's: later calls neither reuse nor change them.
		if !reflect.DeepEqual(kept, wants) {
			t.Fatalf("%s: lines kept across Next calls changed", name)
		}
	}
}

// refReader is the reader as it was before the scanner: encoding/csv
// records, each copied into a fresh row.
type refReader struct {
	cr     *csv.Reader
	header []string
	mapRow func(*row) (*Line, error)
	memo   []timeMemo
}

func newRefReader(t *testing.T, data []byte) *refReader {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	h, err := cr.Read()
	if err != nil {
		t.Fatal(err)
	}
	h[0] = strings.TrimPrefix(h[0], "\ufeff")
	_, mapper, err := detect(h)
	if err != nil {
		t.Fatal(err)
	}
	return &refReader{cr: cr, header: h, mapRow: mapper(&row{index: indexHeader(h), header: h})}
}

func (f *refReader) next() (*Line, error) {
	for {
		rec, err := f.cr.Read()
		if err == io.EOF {
			return nil, io.EOF
		}
		if err != nil {
			return nil, csvError(err, 0)
		}
		line, _ := f.cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) != len(f.header) {
			return nil, &ParseError{Line: line, Msg: fmt.Sprintf("has %d fields, the header has %d", len(rec), len(f.header))}
		}
		r := &row{index: indexHeader(f.header), header: f.header, line: line, memo: f.memo}
		r.setFields(rec...)
		l, err := f.mapRow(r)
		f.memo = r.memo
		return l, err
	}
}

// TestCellTrim: str and value trim and null-check a cell exactly as the
// string path did (strings.TrimSpace, then isNull), including Unicode
// white space and invalid UTF-8.
func TestCellTrim(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	pieces := []string{"a", " ", "\t", "\u00a0", "\u0085", "\u3000", "\xc2", "\xa0", "NULL", "null", "Null", "x y", "\r", "é"}
	for i := 0; i < 20000; i++ {
		var cells [3]string
		for k := range cells {
			for n := rng.IntN(5); n > 0; n-- {
				cells[k] += pieces[rng.IntN(len(pieces))]
			}
		}
		r := &row{header: []string{"a", "b", "c"}}
		r.setFields(cells[:]...)
		for k, c := range cells {
			want := strings.TrimSpace(c)
			if isNull(want) {
				want = ""
			}
			if got, v := r.str(k), string(r.value(k)); got != want || v != want {
				t.Fatalf("%q: str %q, value %q, want %q", c, got, v, want)
			}
		}
	}
}
