package billing

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/billing/focusgen"
)

// badFile is a generated FOCUS file whose lines listed in bad carry a
// BilledCost that is not a number.
func badFile(t *testing.T, rows int, bad ...int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := focusgen.Generate(&buf, focusgen.Options{Rows: rows, Seed: 4, Days: 2}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(buf.String(), "\n")
	for _, n := range bad { // n is the file's line number (header = 1)
		lines[n-1] = "twelve" + lines[n-1][strings.IndexByte(lines[n-1], ','):]
	}
	return []byte(strings.Join(lines, "\n"))
}

func badLines(t *testing.T, data []byte) (*BadLinesError, error) {
	t.Helper()
	r, err := Open(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err = r.Next(); err != nil {
			break
		}
	}
	if errors.Is(err, io.EOF) {
		t.Fatal("the bad file read without an error")
	}
	err = r.BadLines(err, 5)
	var ble *BadLinesError
	if !errors.As(err, &ble) {
		t.Fatalf("%T %v", err, err)
	}
	return ble, err
}

func TestBadLinesListsTheFirstFewWithTheirText(t *testing.T) {
	ble, err := badLines(t, badFile(t, 50, 7, 9, 30))
	if len(ble.Lines) != 3 || ble.More {
		t.Fatalf("%d lines, more %v: %v", len(ble.Lines), ble.More, err)
	}
	for i, want := range []int{7, 9, 30} {
		pe := ble.Lines[i]
		if pe.Line != want || pe.Column != "BilledCost" || pe.Value != "twelve" || !strings.HasPrefix(pe.Text, "twelve,") {
			t.Fatalf("bad line %d: %+v", i, pe)
		}
	}
	msg := err.Error()
	for _, want := range []string{"3 bad lines: ", "line 7, column BilledCost", "line 30, column BilledCost", `in "twelve,`} {
		if !strings.Contains(msg, want) {
			t.Fatalf("message %q lacks %q", msg, want)
		}
	}
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 7 {
		t.Fatalf("errors.As finds %+v, want the first bad line", pe)
	}
}

func TestBadLinesStopsAtTheLimitAndAtAnUnreadableFile(t *testing.T) {
	ble, err := badLines(t, badFile(t, 50, 3, 4, 5, 6, 7, 8, 9))
	if len(ble.Lines) != 5 || !ble.More || !strings.Contains(err.Error(), "5 bad lines (at least; the first shown)") {
		t.Fatalf("%d lines, more %v: %v", len(ble.Lines), ble.More, err)
	}
	// A gzip file cut short after a bad line: the list ends with the
	// truncation, which nothing can read past.
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	if _, err := zw.Write(badFile(t, 400, 3)); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	ble, err = badLines(t, z.Bytes()[:z.Len()*2/3])
	last := ble.Lines[len(ble.Lines)-1]
	if ble.Lines[0].Line != 3 || len(ble.Lines) != 2 || !strings.Contains(last.Msg, "truncated") {
		t.Fatalf("%v", err)
	}
	if got := fmt.Sprint(err); !strings.Contains(got, "line 3, column BilledCost") {
		t.Fatalf("%s", got)
	}
}
