package marketplace

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/canopyhq/canopy/internal/csvsafe"
	"github.com/canopyhq/canopy/internal/domain"
)

// money prints an exact amount text rounded for a document.
func money(amount, cur string) string {
	a, err := amountOf(amount)
	if err != nil {
		return amount
	}
	return domain.FormatMoney(a, cur)
}

// InvoicePDF renders an invoice: the buyer, dates and period, then per
// statement its agreement, the agreement's "PO No." (cut to 16
// characters and an ellipsis beyond 20) and its charges, and the total
// due.
func InvoicePDF(d InvoiceDetail) ([]byte, error) {
	pdf := fpdf.New("P", "mm", "A4", "")
	tr := pdf.UnicodeTranslatorFromDescriptor("") // cp1252: €, …, ×, –
	inv := d.Invoice
	pdf.SetTitle("Invoice "+inv.ID, false)
	pdf.SetAutoPageBreak(true, 15)
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 16)
	pdf.CellFormat(0, 9, "Invoice "+inv.ID, "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 10)
	for _, l := range []string{d.Buyer.Name, d.Buyer.Address,
		fmt.Sprintf("Issued %s, due %s. Billing period %s. Status: %s.", inv.IssuedAt.Format("2 January 2006"),
			inv.DueOn.Format("2 January 2006"), inv.PeriodStart.Format("January 2006"), inv.Status)} {
		if l != "" {
			pdf.MultiCell(0, 5, tr(l), "", "L", false)
		}
	}
	pdf.Ln(3)
	for _, st := range d.Statements {
		statementTable(pdf, tr, st)
	}
	pdf.SetFont("Helvetica", "B", 11)
	pdf.CellFormat(150, 7, tr("Total due ("+inv.Currency+")"), "T", 0, "L", false, 0, "")
	pdf.CellFormat(30, 7, money(inv.Total, inv.Currency), "T", 1, "R", false, 0, "")
	pdf.SetFont("Helvetica", "", 8)
	pdf.MultiCell(0, 4, tr("Orders billed: "+strings.Join(d.Orders, ", ")), "", "L", false)
	var buf bytes.Buffer
	err := pdf.Output(&buf)
	return buf.Bytes(), err
}

func statementTable(pdf *fpdf.Fpdf, tr func(string) string, st StatementDetail) {
	cur := st.Statement.Currency
	pdf.SetFont("Helvetica", "B", 11)
	pdf.CellFormat(0, 7, tr("Agreement "+st.Agreement.ID+" - "+st.Agreement.Name), "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 9)
	if po := st.Statement.PONumber; po != "" {
		pdf.CellFormat(0, 5, tr("PO No. "+PrintPO(po)), "", 1, "L", false, 0, "")
	}
	pdf.SetFont("Helvetica", "B", 9)
	pdf.SetFillColor(235, 238, 235)
	for _, h := range []struct {
		t     string
		w     float64
		align string
	}{{"Description", 110, "L"}, {"Qty", 15, "R"}, {"Unit price", 25, "R"}, {"Amount", 30, "R"}} {
		pdf.CellFormat(h.w, 6, h.t, "B", 0, h.align, true, 0, "")
	}
	pdf.Ln(-1)
	pdf.SetFont("Helvetica", "", 8.5)
	for _, c := range st.Charges {
		desc := c.Description
		if c.OrderID != "" {
			desc += " (" + c.OrderID + ")"
		}
		pdf.CellFormat(110, 5.5, tr(fitText(pdf, tr(desc), 108)), "", 0, "L", false, 0, "")
		pdf.CellFormat(15, 5.5, strconv.FormatInt(c.Quantity, 10), "", 0, "R", false, 0, "")
		pdf.CellFormat(25, 5.5, money(c.UnitPrice, cur), "", 0, "R", false, 0, "")
		pdf.CellFormat(30, 5.5, money(c.Amount, cur), "", 1, "R", false, 0, "")
	}
	pdf.SetFont("Helvetica", "B", 9)
	pdf.CellFormat(150, 6, "Statement "+st.Statement.ID, "T", 0, "L", false, 0, "")
	pdf.CellFormat(30, 6, money(st.Statement.Total, cur), "T", 1, "R", false, 0, "")
	pdf.Ln(4)
}

// fitText cuts s (already translated) to width mm with an ellipsis.
func fitText(pdf *fpdf.Fpdf, s string, width float64) string {
	if pdf.GetStringWidth(s) <= width {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && pdf.GetStringWidth(string(r)+"...") > width {
		r = r[:len(r)-1]
	}
	return string(r) + "..."
}

// InvoiceCSV writes one row per charge of the invoice, with its
// statement, agreement, PO number, order and subscription.
func InvoiceCSV(w io.Writer, d InvoiceDetail) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"invoice_id", "statement_id", "agreement_id", "po_number", "order_id", "subscription_id", "charge_id", "kind",
		"description", "quantity", "unit_price", "amount", "currency", "period_start", "period_end", "billed_on"})
	for _, st := range d.Statements {
		for _, c := range st.Charges {
			_ = cw.Write([]string{d.Invoice.ID, st.Statement.ID, st.Agreement.ID, st.Statement.PONumber, c.OrderID, c.SubscriptionID, c.ID,
				c.Kind, csvsafe.Cell(c.Description), strconv.FormatInt(c.Quantity, 10), c.UnitPrice, c.Amount, c.Currency,
				c.PeriodStart.Format(time.DateOnly), c.PeriodEnd.Format(time.DateOnly), c.BilledOn.Format(time.DateOnly)})
		}
	}
	cw.Flush()
	return cw.Error()
}
