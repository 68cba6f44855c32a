package pdftext

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/go-pdf/fpdf"
)

// pdfWith is a minimal PDF holding one stream object per dictionary and
// data pair, written as given.
func pdfWith(parts ...string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	for i := 0; i+1 < len(parts); i += 2 {
		fmt.Fprintf(&b, "%d 0 obj\n%s\nstream\n%s\nendstream\nendobj\n", i/2+1, parts[i], parts[i+1])
	}
	b.WriteString("trailer\n<</Size 1>>\n%%EOF\n")
	return b.Bytes()
}

func deflate(t *testing.T, data []byte) string {
	t.Helper()
	var b bytes.Buffer
	w := zlib.NewWriter(&b)
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestTextOfSampleUncompressed(t *testing.T) {
	b := samplePDF(t, false)
	if !bytes.Contains(b, []byte("(Chargeback statement 2026-10)Tj")) {
		t.Fatalf("the sample is compressed after all:\n%s", b)
	}
	got, err := Text(b)
	if err != nil || got != "Chargebackstatement2026-10TotalEUR1,234.56" {
		t.Fatalf("%q %v", got, err)
	}
}

// TestTextWinAnsi: fpdf's core fonts write cp1252, as Canopy's statements
// do through UnicodeTranslatorFromDescriptor(""); the text comes back as
// UTF-8, over several pages in order.
func TestTextWinAnsi(t *testing.T) {
	for _, compress := range []bool{true, false} {
		p := fpdf.New("P", "mm", "A4", "")
		p.SetCompression(compress)
		tr := p.UnicodeTranslatorFromDescriptor("")
		p.SetFont("Helvetica", "", 11)
		p.AddPage()
		p.Cell(40, 10, tr("Total € 1.234,56 – Müller (PO…) \\ x"))
		p.AddPage()
		p.Cell(40, 10, tr("Page two"))
		var buf bytes.Buffer
		if err := p.Output(&buf); err != nil {
			t.Fatal(err)
		}
		got, err := Text(buf.Bytes())
		if err != nil || got != `Total€1.234,56–Müller(PO…)\xPagetwo` {
			t.Fatalf("compress %v: %q %v", compress, got, err)
		}
	}
}

// TestShowText reads content syntax: literal strings with escapes, octal
// and continued lines, hex strings, TJ arrays, ' and ", only between BT
// and ET.
func TestShowText(t *testing.T) {
	for _, c := range []struct{ content, want string }{
		{`BT (a\nb\rc\td\be\ff) Tj ET`, "a\nb\rc\td\be\ff"},
		{`BT (\(x\) \\ (nested (twice)) \q) Tj ET`, `(x) \ (nested (twice)) q`},
		{`BT (\101\1011\7\0607\400) Tj ET`, "AA1\x070\x37\x00"},
		{"BT (line \\\ncontinued \\\r\nand \\\rmore\r\nend\rx) Tj ET", "line continued and more\nend\nx"},
		{`BT <48 65 6c6C 6F> Tj <41 4> Tj <> Tj ET`, "HelloA@"},
		{`BT [(Wo) -120 (rd) 5.5 <21>] TJ [] TJ ET`, "Word!"},
		{`BT (one) ' 1 2 (two) " /F1 11 Tf (three) Tj ET`, "onetwothree"},
		{`% comment (no) Tj` + "\n" + `BT (yes) Tj ET (outside) Tj [(out)] TJ`, "yes"},
		{`BT (a) (b) Tj Tj 1 0 0 1 2 3 Tm Tj ET`, "b"},
		{`BT BI /W 1 /H 1 ID (x) Tj EI (img) Tj ET`, "img"},
		{`BT (unterminated Tj ET`, ""},
		{`BT <4g> Tj (after) Tj ET`, ""},
	} {
		raw, _, err := showText([]byte(c.content), nil, false)
		if err != nil || string(raw) != c.want {
			t.Errorf("%s: %q %v, want %q", c.content, raw, err, c.want)
		}
	}
}

func TestTextOfStreams(t *testing.T) {
	img := "BT (image) Tj ET"
	for _, c := range []struct {
		name string
		pdf  []byte
		want string
	}{
		{"raw", pdfWith("<</Length 16>>", "BT (raw) Tj ET"), "raw"},
		{"flate", pdfWith("<</Filter /FlateDecode /Length 0>>", deflate(t, []byte("BT (flate) Tj ET"))), "flate"},
		{"filter array", pdfWith("<</Filter [/FlateDecode]>>", deflate(t, []byte("BT (arr) Tj ET"))), "arr"},
		{"wrong length", pdfWith("<</Length 999999>>", "BT (long) Tj ET"), "long"},
		{"indirect length", pdfWith("<</Length 9 0 R>>", "BT (ind) Tj ET"), "ind"},
		{"length into endstream", pdfWith("<</Length 3>>", "BT (short) Tj ET"), "short"},
		{"endstream in data", pdfWith(fmt.Sprintf("<</Length %d>>", len("BT (endstream) Tj ET")), "BT (endstream) Tj ET"), "endstream"},
		{"image skipped", pdfWith("<</Type /XObject /Subtype /Image /Length 16>>", img, "<<>>", "BT (page) Tj ET"), "page"},
		{"font skipped", pdfWith("<</Length1 16>>", img, "<</Length 9>>", "BT (p) Tj ET"), "p"},
		{"other filter skipped", pdfWith("<</Filter /DCTDecode>>", img, "<</Filter [/ASCII85Decode /FlateDecode]>>", img, "<<>>", "BT (p) Tj ET"), "p"},
		{"nested dictionary", pdfWith("<</Length 14 /Foo <</Bar [1 2] /Baz <00>>>>>", "BT (n) Tj ET"), "n"},
		{"form", pdfWith("<</Type /XObject /Subtype /Form /BBox [0 0 1 1]>>", "BT (form) Tj ET"), "form"},
		{"header after junk", append([]byte("junk\n"), pdfWith("<<>>", "BT (j) Tj ET")...), "j"},
		{"two pages", pdfWith("<<>>", "BT (1) Tj ET", "<< /Length 12 >>", "BT (2) Tj ET"), "12"},
	} {
		got, err := Text(c.pdf)
		if err != nil || got != c.want {
			t.Errorf("%s: %q %v, want %q", c.name, got, err, c.want)
		}
	}
}

func TestTextErrors(t *testing.T) {
	sample := samplePDF(t, true)
	raw := samplePDF(t, false)
	cut := func(b []byte, in string) []byte {
		i := bytes.Index(b, []byte(in))
		if i < 0 {
			t.Fatalf("no %q in the sample", in)
		}
		return b[:i]
	}
	corrupt := bytes.Clone(sample)
	i := bytes.Index(corrupt, []byte("stream\n"))
	corrupt[i+len("stream\n")+10] ^= 0xff // inside the first (content) stream

	for _, c := range []struct {
		name string
		pdf  []byte
		want string
	}{
		{"empty", nil, "not a PDF"},
		{"not a PDF", []byte("hello (x) Tj"), "not a PDF"},
		{"header too late", append(bytes.Repeat([]byte(" "), 1024), pdfWith("<<>>", "BT (x) Tj ET")...), "not a PDF"},
		{"no streams", []byte("%PDF-1.4\n%%EOF"), "no text"},
		{"no text", pdfWith("<<>>", "0 0 m 1 1 l S"), "no text"},
		{"image only", pdfWith("<</Subtype /Image>>", "BT (x) Tj ET"), "no text"},
		{"truncated compressed", sample[:bytes.Index(sample, []byte("stream\n"))+30], "no endstream"},
		{"truncated uncompressed", cut(raw, "Total EUR"), "no endstream"},
		{"truncated zlib", pdfWith("<</Filter /FlateDecode>>", deflate(t, []byte("BT (x) Tj ET"))[:8]), "unexpected EOF"},
		{"corrupt zlib", corrupt, "stream at offset"},
		{"not zlib", pdfWith("<</Filter /FlateDecode>>", "BT (x) Tj ET"), "zlib"},
		{"deep array", pdfWith("<<>>", "BT "+strings.Repeat("[", 65)+"(x) Tj ET"), "nesting deeper"},
		{"deep string", pdfWith("<<>>", "BT "+strings.Repeat("(", 65)+"x) Tj ET"), "nesting deeper"},
	} {
		got, err := Text(c.pdf)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %q %v, want an error with %q", c.name, got, err, c.want)
		}
	}
	if _, err := Text(nil); !errors.Is(err, errNotPDF) {
		t.Errorf("%v", err)
	}
}

// TestZipBomb: a stream inflating beyond maxInflated is an error, whether
// one stream does or several together.
func TestZipBomb(t *testing.T) {
	big := bytes.Repeat([]byte(" "), maxInflated+1)
	bomb := deflate(t, big)
	if len(bomb) > 1<<20 {
		t.Fatalf("the bomb is %d bytes", len(bomb))
	}
	half := deflate(t, big[:maxInflated/2+1])
	for name, pdf := range map[string][]byte{
		"one":      pdfWith("<</Filter /FlateDecode>>", bomb),
		"together": pdfWith("<</Filter /FlateDecode>>", half, "<</Filter /FlateDecode>>", half),
	} {
		if got, err := Text(pdf); !errors.Is(err, errTooLarge) {
			t.Errorf("%s: %q %v", name, got, err)
		}
	}
	// Just within the cap is fine.
	ok := deflate(t, append(bytes.Repeat([]byte(" "), maxInflated-len("BT (x) Tj ET")), "BT (x) Tj ET"...))
	if got, err := Text(pdfWith("<</Filter /FlateDecode>>", ok)); err != nil || got != "x" {
		t.Errorf("at the cap: %q %v", got, err)
	}
}
