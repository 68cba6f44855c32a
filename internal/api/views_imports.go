package api

import (
	"time"

	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/imports"
)

// Amounts are exact decimal strings, as rates are.

type measuresView struct {
	Billed     string `json:"billed"`
	Effective  string `json:"effective"`
	List       string `json:"list"`
	Contracted string `json:"contracted"`
}

// costImportView is one row of the import history.
type costImportView struct {
	ID                 string                  `json:"id"`
	Source             string                  `json:"source"`
	Format             string                  `json:"format"`
	File               string                  `json:"file"`
	Rows               int                     `json:"rows"`
	BillingPeriodStart *string                 `json:"billing_period_start"` // YYYY-MM-DD
	BillingPeriodEnd   *string                 `json:"billing_period_end"`   // exclusive
	Totals             map[string]measuresView `json:"totals"`               // per billing currency
	StartedAt          time.Time               `json:"started_at"`
	FinishedAt         *time.Time              `json:"finished_at"`
	DurationMS         *int64                  `json:"duration_ms"`
	CreatedBy          string                  `json:"created_by"`
	Status             string                  `json:"status"`
	Error              string                  `json:"error,omitempty"`
}

func costImportOf(im costs.Import) costImportView {
	v := costImportView{ID: im.ID, Source: im.SourceKey, Format: string(im.Format), File: im.FileName, Rows: im.Rows,
		BillingPeriodStart: dayPtr(im.BillingPeriodStart), BillingPeriodEnd: dayPtr(im.BillingPeriodEnd),
		Totals: map[string]measuresView{}, StartedAt: im.StartedAt.UTC(), FinishedAt: utcPtr(im.FinishedAt),
		CreatedBy: im.CreatedBy, Status: im.Status, Error: im.Error}
	for cur, m := range im.Totals {
		v.Totals[cur] = measuresView{Billed: m.Billed.String(), Effective: m.Effective.String(),
			List: m.List.String(), Contracted: m.Contracted.String()}
	}
	if im.FinishedAt != nil {
		ms := im.FinishedAt.Sub(im.StartedAt).Milliseconds()
		v.DurationMS = &ms
	}
	return v
}

func dayPtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.UTC().Format(time.DateOnly)
	return &s
}

// uploadView is an uploaded file and the progress or outcome of its
// import.
type uploadView struct {
	ID        string          `json:"id"`
	File      string          `json:"file"`
	Status    string          `json:"status"`
	SizeBytes int64           `json:"size_bytes"`
	BytesDone int64           `json:"bytes_done"`
	RowsDone  int64           `json:"rows_done"`
	Percent   int             `json:"percent"`
	CreatedBy string          `json:"created_by"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
	Error     string          `json:"error,omitempty"`
	Import    *costImportView `json:"import"` // the stored import once it succeeded
}

func uploadOf(st imports.Status) uploadView {
	v := uploadView{ID: st.ID, File: st.FileName, Status: st.Status, SizeBytes: st.SizeBytes, BytesDone: st.BytesDone,
		RowsDone: st.RowsDone, Percent: st.Percent(), CreatedBy: st.CreatedBy, CreatedAt: st.CreatedAt.UTC(),
		UpdatedAt: st.UpdatedAt.UTC(), Error: st.Error}
	if st.Import != nil {
		im := costImportOf(*st.Import)
		v.Import = &im
	}
	return v
}

type uploadAccepted struct {
	Upload    uploadView `json:"upload"`
	StatusURL string     `json:"status_url"`
}
