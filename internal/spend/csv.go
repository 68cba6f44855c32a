package spend

import (
	"encoding/csv"
	"io"

	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/csvsafe"
	"github.com/canopyhq/canopy/internal/domain"
)

// WriteTableCSV writes the explorer's table: one row per currency and
// group with an amount per period and the total (plus the previous
// period's total and the change when compared), then a totals row per
// currency. Amounts are rounded to the currency's minor unit, as the
// table shows them. Text cells a spreadsheet would run as a formula are
// prefixed with an apostrophe; amounts are plain decimals and left alone.
func WriteTableCSV(w io.Writer, res *Result) error {
	cw := csv.NewWriter(w)
	group := "group"
	if res.GroupBy != "" {
		group = string(res.GroupBy)
		if res.GroupBy == costs.DimTag {
			group = "tag:" + res.GroupTag
		}
	}
	header := []string{"currency", csvsafe.Cell(group), "label"}
	for _, p := range res.Periods {
		header = append(header, p.Label)
	}
	header = append(header, "total")
	if res.Compare {
		header = append(header, "previous_total", "change", "change_percent")
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, b := range res.Blocks {
		for _, s := range b.Series {
			row := []string{string(b.Currency), csvsafe.Cell(s.Group), csvsafe.Cell(s.Label)}
			if err := cw.Write(amountCells(row, res, b, s.Amounts, s.Total, s.Previous, s.Change)); err != nil {
				return err
			}
		}
		row := []string{string(b.Currency), "", "Total"}
		if err := cw.Write(amountCells(row, res, b, b.PeriodTotals, b.Total, b.Previous, b.Change)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func amountCells(row []string, res *Result, b Block, amounts []domain.Amount, total, prev domain.Amount, ch Change) []string {
	for _, a := range amounts {
		row = append(row, Round(a, b.Currency))
	}
	row = append(row, Round(total, b.Currency))
	if res.Compare {
		row = append(row, Round(prev, b.Currency), Round(ch.Delta, b.Currency), ch.Percent)
	}
	return row
}
