package billing

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"unsafe"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/billing/focusgen"
)

// readLines reads every line of data, or the error that stopped it (with
// the bad lines listed); memo false reads without the shape memo.
func readLines(t *testing.T, data []byte, memo bool) ([]*Line, error) {
	t.Helper()
	r, err := Open(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if r.row.shapes == nil {
		t.Fatalf("format %s keeps no shape memo", r.Format())
	}
	if !memo {
		r.row.shapes.off = 1 << 62
	}
	var lines []*Line
	for {
		l, err := r.Next()
		if errors.Is(err, io.EOF) {
			return lines, nil
		}
		if err != nil {
			return lines, r.BadLines(err, 10)
		}
		lines = append(lines, l)
	}
}

func sameLines(t *testing.T, with, without []*Line) {
	t.Helper()
	if len(with) != len(without) {
		t.Fatalf("%d lines with the memo, %d without", len(with), len(without))
	}
	for i := range with {
		if a, b := lineText(with[i]), lineText(without[i]); a != b {
			t.Fatalf("line %d differs with the memo:\n%s\nwithout:\n%s", i+1, a, b)
		}
	}
}

// The memo changes nothing in what is read: every field of every line
// is the same with and without it.
func TestShapeMemoReadsTheSameLines(t *testing.T) {
	var gen bytes.Buffer
	if _, err := focusgen.Generate(&gen, focusgen.Options{Rows: 20000, Seed: 5, Days: 4}); err != nil {
		t.Fatal(err)
	}
	quirks, err := os.ReadFile("testdata/focus12_quirks.csv")
	if err != nil {
		t.Fatal(err)
	}
	// The quirks file's lines repeated, with the text of one changed in
	// one cell at a time, so repeats and near-repeats alternate.
	lines := strings.Split(strings.TrimRight(string(quirks), "\r\n"), "\n")
	more := lines[0] + "\n"
	for i := range 30 {
		more += lines[1+i%2] + "\n"
	}
	more += strings.Replace(lines[1], "sub-1", "sub-2", 1) + "\n" + lines[1] + "\n"
	for name, data := range map[string][]byte{"generated": gen.Bytes(), "quirks": quirks, "repeated quirks": []byte(more)} {
		t.Run(name, func(t *testing.T) {
			with, err1 := readLines(t, data, true)
			without, err2 := readLines(t, data, false)
			if err1 != nil || err2 != nil {
				t.Fatal(err1, err2)
			}
			sameLines(t, with, without)
		})
	}
}

// Lines whose text cells are the same share a Shape and their strings;
// a line that differs in any text cell (here its tags, or a comma moved
// from one cell to its neighbour) gets another; one that differs only
// in periods and amounts does not.
func TestShapesAreSharedByTheSameText(t *testing.T) {
	const header = "BilledCost,BillingAccountId,BillingCurrency,BillingPeriodEnd,BillingPeriodStart,ChargeCategory,ChargePeriodEnd,ChargePeriodStart,ContractedCost,EffectiveCost,InvoiceIssuerName,ListCost,ProviderName,PublisherName,ServiceName,SkuId,ResourceId,Tags,InvoiceId\n"
	line := func(cost, day, service, sku, tags string) string {
		return fmt.Sprintf("%s,acct,USD,2026-02-01,2026-01-01,Usage,2026-01-%02s,2026-01-%s,%[1]s,%[1]s,Microsoft,%[1]s,Microsoft,Microsoft,%[4]s,%[5]s,/r/1,%[6]s,INV\n",
			cost, fmt.Sprint(mustAtoi(day)+1), day, service, sku, tags)
	}
	data := header +
		line("1.5", "10", "VM", "D2", `"{""env"":""prod""}"`) + // 1
		line("2.25", "11", "VM", "D2", `"{""env"":""prod""}"`) + // 2: same text
		line("1.5", "10", "VM", "D2", `"{""env"":""test""}"`) + // 3: other tags
		line("1.5", "10", `"a,b"`, "c", "NULL") + // 4
		line("1.5", "10", "a", `"b,c"`, "NULL") // 5: the comma moved
	lines, err := readLines(t, []byte(data), true)
	if err != nil {
		t.Fatal(err)
	}
	if lines[0].Shape == nil || lines[0].Shape != lines[1].Shape {
		t.Fatalf("lines 1 and 2 have the same text but shapes %p and %p", lines[0].Shape, lines[1].Shape)
	}
	if unsafe.StringData(lines[0].ResourceID) != unsafe.StringData(lines[1].ResourceID) {
		t.Fatal("lines 1 and 2 do not share their strings")
	}
	if lines[1].BilledCost.Text('f') != "2.25" || lines[1].ChargePeriodStart.Day() != 11 {
		t.Fatalf("line 2's own values were lost: %s, %s", lines[1].BilledCost.Text('f'), lines[1].ChargePeriodStart)
	}
	for _, pair := range [][2]int{{0, 2}, {3, 4}} {
		if a, b := lines[pair[0]], lines[pair[1]]; a.Shape == b.Shape {
			t.Fatalf("lines %d and %d differ in text but share a shape", pair[0]+1, pair[1]+1)
		}
	}
	if lines[3].ServiceName != "a,b" || lines[3].SkuID != "c" || lines[4].ServiceName != "a" || lines[4].SkuID != "b,c" {
		t.Fatalf("lines 4 and 5: %q %q, %q %q", lines[3].ServiceName, lines[3].SkuID, lines[4].ServiceName, lines[4].SkuID)
	}
}

func mustAtoi(s string) int {
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		panic(err)
	}
	return n
}

// A bad text cell fails every line that has it, each with its own line
// number and after the line's own date or number errors, as without the
// memo: errors are never remembered.
func TestShapeMemoRemembersNoErrors(t *testing.T) {
	quirks, err := os.ReadFile("testdata/focus12_quirks.csv")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(quirks), "\r\n"), "\n")
	bad := strings.Replace(lines[1], ",Usage,", ",Usage2,", 1)
	badDate := strings.Replace(bad, "2026-01-02T00:00:00Z", "not-a-date", 1)
	data := lines[0] + "\n" + lines[1] + "\n" + bad + "\n" + bad + "\n" + badDate + "\n" + bad + "\n"
	_, with := readLines(t, []byte(data), true)
	_, without := readLines(t, []byte(data), false)
	var a, b *BadLinesError
	if !errors.As(with, &a) || !errors.As(without, &b) {
		t.Fatalf("errors: %v / %v", with, without)
	}
	if fmt.Sprint(a.Lines) != fmt.Sprint(b.Lines) || len(a.Lines) != 4 {
		t.Fatalf("bad lines with the memo:\n%v\nwithout:\n%v", a.Lines, b.Lines)
	}
	for i, want := range []int{3, 4, 5, 6} {
		if a.Lines[i].Line != want {
			t.Fatalf("bad line %d is line %d, want %d", i, a.Lines[i].Line, want)
		}
	}
	if a.Lines[2].Column != "ChargePeriodEnd" {
		t.Fatalf("line 5's first error is in %s, want the date's", a.Lines[2].Column)
	}
}

// A file whose text hardly repeats sets the memo aside (after a window
// of lookups), and its lines are still read right.
func TestShapeMemoStandsAsideWhenTextDoesNotRepeat(t *testing.T) {
	var b strings.Builder
	b.WriteString("BilledCost,BillingAccountId,BillingCurrency,BillingPeriodEnd,BillingPeriodStart,ChargeCategory,ChargePeriodEnd,ChargePeriodStart,ContractedCost,EffectiveCost,InvoiceIssuerName,ListCost,ProviderName,PublisherName,ServiceName,ResourceId\n")
	n := shapeWindow + 100
	for i := range n {
		fmt.Fprintf(&b, "1,a,USD,2026-02-01,2026-01-01,Usage,2026-01-02,2026-01-01,1,1,M,1,M,M,VM,/r/%d\n", i)
	}
	r, err := Open(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		l, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("/r/%d", i); l.ResourceID != want {
			t.Fatalf("line %d: resource %q, want %q", i+2, l.ResourceID, want)
		}
		if i >= shapeWindow && l.Shape != nil {
			t.Fatalf("line %d still went through the memo", i+2)
		}
	}
	if r.row.shapes.off == 0 || r.row.shapes.lines != nil {
		t.Fatalf("the memo was not set aside (off %d, %d entries)", r.row.shapes.off, len(r.row.shapes.lines))
	}
}

// NextInto reads the same lines as Next into the caller's line and
// amounts, for a format that takes them (FOCUS) and for one that makes
// its own (Azure).
func TestNextIntoReadsWhatNextReads(t *testing.T) {
	var gen bytes.Buffer
	if _, err := focusgen.Generate(&gen, focusgen.Options{Rows: 3000, Seed: 9, Days: 2}); err != nil {
		t.Fatal(err)
	}
	azure, err := os.ReadFile("testdata/azure_mca_actual.csv")
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"focus": gen.Bytes(), "azure": azure} {
		t.Run(name, func(t *testing.T) {
			want, err := Open(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			got, _ := Open(bytes.NewReader(data))
			var l Line
			var amounts [7]apd.Decimal
			n := 0
			for {
				w, err1 := want.Next()
				err2 := got.NextInto(&l, &amounts)
				if errors.Is(err1, io.EOF) && errors.Is(err2, io.EOF) {
					break
				}
				if err1 != nil || err2 != nil {
					t.Fatalf("line %d: %v / %v", n+2, err1, err2)
				}
				if a, b := lineText(w), lineText(&l); a != b {
					t.Fatalf("line %d differs:\n%s\nNextInto:\n%s", n+2, a, b)
				}
				n++
			}
			if n < 2 {
				t.Fatalf("only %d lines", n)
			}
			if name == "focus" && l.BilledCost != &amounts[0] {
				t.Fatal("FOCUS lines' amounts are not the caller's")
			}
		})
	}
}
