package pdftext

import (
	"bytes"
	"testing"

	"github.com/go-pdf/fpdf"
)

// samplePDF is a one-page statement-like PDF as fpdf (which renders
// Canopy's chargeback statements and invoices) writes it.
func samplePDF(t testing.TB, compress bool) []byte {
	t.Helper()
	p := fpdf.New("P", "mm", "A4", "")
	p.SetCompression(compress)
	p.AddPage()
	p.SetFont("Helvetica", "", 11)
	p.Cell(40, 10, "Chargeback statement 2026-10")
	p.Ln(10)
	p.Cell(40, 10, "Total EUR 1,234.56")
	var buf bytes.Buffer
	if err := p.Output(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestTextOfSample(t *testing.T) {
	got, err := Text(samplePDF(t, true))
	if err != nil || got != "Chargebackstatement2026-10TotalEUR1,234.56" {
		t.Fatalf("%q %v", got, err)
	}
}

// FuzzText: whatever bytes it is given, Text returns text or an error and
// never panics.
func FuzzText(f *testing.F) {
	f.Add(samplePDF(f, true))
	f.Add(samplePDF(f, false))
	// A truncated FlateDecode content stream (ledongthuc/pdf looped forever
	// on one).
	b := samplePDF(f, true)
	f.Add(b[:bytes.Index(b, []byte("endstream"))-5])
	f.Add([]byte("%PDF-1.4\n%%EOF"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = Text(b)
	})
}
