package web

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/imports"
	"github.com/canopyhq/canopy/internal/store"
)

// ImportsPage is Spend → Imports: the upload form, the latest uploads and
// the import history.
type ImportsPage struct {
	Layout
	FormErrors
	CanImport bool
	MaxBytes  int64
	MaxSize   string // MaxBytes for people
	Uploads   []UploadRow
	History   []ImportRow
}

func (ImportsPage) Template() string { return "imports" }

// ImportStatusPage shows one upload's import progress, then its outcome.
type ImportStatusPage struct {
	Layout
	Progress ImportProgress
}

func (ImportStatusPage) Template() string { return "import_status" }

// ImportProgress is the fragment htmx polls while the import runs.
type ImportProgress struct {
	ID, File, Status string
	Finished, Failed bool
	Percent          int
	Rows             int64
	Read, Size       string
	Error            string
	Result           *ImportRow // when succeeded
}

// PollURL is where the fragment reloads itself from.
func (p ImportProgress) PollURL() string { return "/spend/imports/" + p.ID + "/progress" }

// UploadRow is one recent upload.
type UploadRow struct {
	ID, File, Status, Size, CreatedAt, CreatedBy string
}

// ImportRow is one import of the history.
type ImportRow struct {
	ID, File, Format, Source, Period, Started, Duration, By, Status, Error string
	Rows                                                                   int
	Totals                                                                 []string // "1234.56 EUR", per currency
}

func uploadRow(u store.CostUpload) UploadRow {
	return UploadRow{ID: u.ID, File: u.FileName, Status: u.Status, Size: imports.HumanBytes(u.SizeBytes),
		CreatedAt: fmtTime(u.CreatedAt), CreatedBy: u.CreatedBy}
}

func importRow(im costs.Import) ImportRow {
	row := ImportRow{ID: im.ID, File: im.FileName, Format: string(im.Format), Source: im.SourceKey, Rows: im.Rows,
		Started: fmtTime(im.StartedAt), By: im.CreatedBy, Status: im.Status, Error: im.Error, Period: "—", Duration: "—"}
	if im.BillingPeriodStart != nil && im.BillingPeriodEnd != nil {
		// Billing periods are half-open; people read the last day.
		row.Period = im.BillingPeriodStart.Format(time.DateOnly) + " to " + im.BillingPeriodEnd.AddDate(0, 0, -1).Format(time.DateOnly)
	}
	if im.FinishedAt != nil {
		row.Duration = im.FinishedAt.Sub(im.StartedAt).Round(10 * time.Millisecond).String()
	}
	for _, cur := range slices.Sorted(maps.Keys(im.Totals)) {
		row.Totals = append(row.Totals, moneyText(im.Totals[cur].Billed)+" "+cur)
	}
	return row
}

func progressOf(st imports.Status) ImportProgress {
	p := ImportProgress{ID: st.ID, File: st.FileName, Status: st.Status, Finished: st.Finished(),
		Failed: st.Status == store.UploadFailed, Percent: st.Percent(), Rows: st.RowsDone,
		Read: imports.HumanBytes(st.BytesDone), Size: imports.HumanBytes(st.SizeBytes), Error: st.Error}
	if st.Import != nil {
		row := importRow(*st.Import)
		p.Result = &row
	}
	return p
}

// moneyText rounds an exact amount half-even to cents for display.
func moneyText(a domain.Amount) string {
	var out apd.Decimal
	ctx := apd.Context{Precision: 40, Rounding: apd.RoundHalfEven, MaxExponent: apd.MaxExponent, MinExponent: apd.MinExponent}
	if _, err := ctx.Quantize(&out, a.Decimal(), -2); err != nil {
		return a.String()
	}
	return groupThousands(out.Text('f'))
}

// groupThousands puts thin separators in the whole part: 1234567.50 →
// 1,234,567.50.
func groupThousands(s string) string {
	sign, whole, frac := "", s, ""
	if strings.HasPrefix(whole, "-") {
		sign, whole = "-", whole[1:]
	}
	if i := strings.IndexByte(whole, '.'); i >= 0 {
		whole, frac = whole[:i], whole[i:]
	}
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return fmt.Sprint(sign, b.String(), frac)
}
