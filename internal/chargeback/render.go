package chargeback

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/canopyhq/canopy/internal/csvsafe"
	"github.com/canopyhq/canopy/internal/domain"
)

// StatusText is the version's status for a header.
func (d Detail) StatusText() string {
	if d.Status == Final {
		return "Final"
	}
	return "Provisional: " + d.Reason
}

// PDF writes the statement of d (only the units in only, when given): a
// header with organisation, month, version and status, then per
// business unit its lines and total.
func PDF(w io.Writer, d Detail, only ...string) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	tr := pdf.UnicodeTranslatorFromDescriptor("") // cp1252: €, accents
	pdf.SetTitle(tr("Chargeback "+d.Month), false)
	pdf.SetAutoPageBreak(true, 15)
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 16)
	pdf.CellFormat(0, 9, tr(fmt.Sprintf("Chargeback %s (%s) - %s", d.Month, monthName(d.Month), d.OrgName)), "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 10)
	pdf.CellFormat(0, 6, tr(fmt.Sprintf("Version %d, generated %s by %s. Amounts in %s.", d.Version.Version,
		d.CreatedAt.Format("2 January 2006 15:04 UTC"), d.CreatedBy, d.Currency)), "", 1, "L", false, 0, "")
	pdf.MultiCell(0, 5, tr("Status: "+d.StatusText()), "", "L", false)
	pdf.Ln(3)
	for _, u := range d.Charged {
		if len(only) > 0 && !contains(only, u.ID) {
			continue
		}
		unitTable(pdf, tr, u, d.Currency)
	}
	if len(only) == 0 {
		pdf.SetFont("Helvetica", "B", 11)
		pdf.CellFormat(140, 7, tr("Total charged to business units"), "T", 0, "L", false, 0, "")
		pdf.CellFormat(40, 7, domain.FormatMoney(d.Total, d.Currency), "T", 1, "R", false, 0, "")
		pdf.SetFont("Helvetica", "", 9)
		for _, o := range d.Uncharged {
			pdf.CellFormat(140, 6, tr("Not charged: "+o.Name), "", 0, "L", false, 0, "")
			pdf.CellFormat(40, 6, domain.FormatMoney(o.Amount, d.Currency), "", 1, "R", false, 0, "")
		}
	}
	return pdf.Output(w)
}

func unitTable(pdf *fpdf.Fpdf, tr func(string) string, u Unit, cur string) {
	pdf.SetFont("Helvetica", "B", 12)
	pdf.CellFormat(0, 8, tr(u.Name), "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "B", 9)
	pdf.SetFillColor(235, 238, 235)
	for _, h := range [][2]string{{"Service / category", "L"}, {"Allocated cost", "R"}, {"Extra charges", "R"}} {
		width := 40.0
		if h[0] == "Service / category" {
			width = 100
		}
		pdf.CellFormat(width, 6, h[0], "B", 0, h[1], true, 0, "")
	}
	pdf.Ln(-1)
	pdf.SetFont("Helvetica", "", 9)
	for _, l := range u.Lines {
		alloc, extra := domain.FormatMoney(l.Amount, cur), ""
		if l.Kind != KindCost {
			alloc, extra = "", domain.FormatMoney(l.Amount, cur)
		}
		pdf.CellFormat(100, 5.5, tr(truncate(l.Label(), 70)), "", 0, "L", false, 0, "")
		pdf.CellFormat(40, 5.5, alloc, "", 0, "R", false, 0, "")
		pdf.CellFormat(40, 5.5, extra, "", 1, "R", false, 0, "")
	}
	pdf.SetFont("Helvetica", "B", 9)
	pdf.CellFormat(100, 6, tr("Total "+u.Name), "T", 0, "L", false, 0, "")
	pdf.CellFormat(40, 6, domain.FormatMoney(u.Allocated, cur), "T", 0, "R", false, 0, "")
	pdf.CellFormat(40, 6, domain.FormatMoney(u.Extra, cur), "T", 1, "R", false, 0, "")
	pdf.CellFormat(140, 6, tr("Amount due ("+cur+")"), "", 0, "L", false, 0, "")
	pdf.CellFormat(40, 6, domain.FormatMoney(u.Total, cur), "", 1, "R", false, 0, "")
	pdf.Ln(4)
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// PDFBytes renders PDF into memory.
func PDFBytes(d Detail, only ...string) ([]byte, error) {
	var b bytes.Buffer
	err := PDF(&b, d, only...)
	return b.Bytes(), err
}

// CSV writes one row per line: business unit, kind, service category,
// service, description, the exact amount and the amount rounded to the
// minor unit; then a total row per unit.
func CSV(w io.Writer, d Detail) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"month", "version", "status", "currency", "business_unit_id", "business_unit", "kind", "service_category",
		"service", "description", "amount", "amount_exact"})
	head := []string{d.Month, fmt.Sprint(d.Version.Version), d.Status, d.Currency}
	for _, u := range d.Charged {
		for _, l := range u.Lines {
			_ = cw.Write(append(append([]string{}, head...), u.ID, csvsafe.Cell(u.Name), l.Kind,
				csvsafe.Cell(l.Category), csvsafe.Cell(l.Service), csvsafe.Cell(l.Description), plain(l.Amount, d.Currency), l.Amount.String()))
		}
		exact, _ := u.Allocated.Add(u.Extra)
		_ = cw.Write(append(append([]string{}, head...), u.ID, csvsafe.Cell(u.Name), "total", "", "", "", plain(u.Total, d.Currency), exact.String()))
	}
	cw.Flush()
	return cw.Error()
}

// plain is an amount rounded to the minor unit without separators.
func plain(a domain.Amount, cur string) string {
	return strings.ReplaceAll(domain.FormatMoney(a, cur), ",", "")
}

func monthName(m string) string {
	t, err := time.Parse("2006-01", m)
	if err != nil {
		return m
	}
	return t.Format("January 2006")
}
