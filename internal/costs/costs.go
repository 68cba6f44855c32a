// Package costs is the cost-fact store's contract: importing billing files
// into dictionary-encoded FOCUS lines with exact amounts, the import
// history and totals. The SQL implementation lives in internal/store; a
// ClickHouse engine can implement Store later without callers changing.
package costs

import (
	"context"
	"time"

	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/domain"
)

// Store keeps an organisation's cost lines.
type Store interface {
	// Import stores every line of r in one transaction: a bad line (a
	// *billing.ParseError, wrapped) or any other failure leaves the stored
	// lines exactly as before, and the import is recorded as failed with
	// the error. Importing the same source again (same SourceKey) replaces
	// the earlier import's lines in the same transaction.
	Import(ctx context.Context, orgID string, r *billing.Reader, meta ImportMeta) (ImportResult, error)
	// Imports lists an organisation's imports, newest first.
	Imports(ctx context.Context, orgID string, limit int) ([]Import, error)
	// Totals sums the stored lines per billing currency.
	Totals(ctx context.Context, orgID string, f TotalsFilter) (map[string]Measures, error)
	// Import returns one import of the organisation (domain not_found
	// otherwise).
	ImportByID(ctx context.Context, orgID, importID string) (Import, error)
	// SweepAbandoned marks imports left running by a process that died
	// mid-import as failed ("abandoned: ..."), leaving imports that are
	// still in progress elsewhere alone; it returns how many it marked.
	SweepAbandoned(ctx context.Context) (int, error)
	Querier
}

// ImportMeta describes a file being imported.
type ImportMeta struct {
	FileName string
	// SourceKey names what the file is a copy of; empty derives it from
	// the lines: format, cost type (Azure actual/amortized), billing
	// accounts and billing period.
	SourceKey string
	CreatedBy string // the user (email or ID) who started the import
	// Progress, when set, is called with the lines stored so far after
	// each batch (from the importing goroutine).
	Progress func(lines int)
}

// ImportResult is what a successful import stored.
type ImportResult struct {
	ImportID           string
	SourceKey          string
	Format             billing.Format
	Rows               int
	BillingPeriodStart time.Time
	BillingPeriodEnd   time.Time
	Totals             map[string]Measures // per billing currency
	Replaced           string              // the import whose lines this one replaced, if any
}

// Import statuses.
const (
	StatusRunning   = "running"
	StatusSucceeded = "succeeded"
	StatusFailed    = "failed"
	StatusReplaced  = "replaced" // succeeded, then superseded by a newer import of its source
)

// Import is one row of the import history.
type Import struct {
	ID                 string
	OrgID              string
	SourceKey          string
	Format             billing.Format
	FileName           string
	BillingPeriodStart *time.Time
	BillingPeriodEnd   *time.Time
	Rows               int
	Totals             map[string]Measures
	StartedAt          time.Time
	FinishedAt         *time.Time
	Status             string
	Error              string
	CreatedBy          string
}

// Measures are the four FOCUS cost measures of a set of lines in one
// currency. A null cost in the source adds nothing.
type Measures struct {
	Billed     domain.Amount `json:"billed"`
	Effective  domain.Amount `json:"effective"`
	List       domain.Amount `json:"list"`
	Contracted domain.Amount `json:"contracted"`
}

// Add adds m2 to m exactly.
func (m *Measures) Add(m2 Measures) error {
	var err error
	for _, p := range [...]struct{ dst, src *domain.Amount }{{&m.Billed, &m2.Billed}, {&m.Effective, &m2.Effective},
		{&m.List, &m2.List}, {&m.Contracted, &m2.Contracted}} {
		if *p.dst, err = p.dst.Add(*p.src); err != nil {
			return err
		}
	}
	return nil
}

// TotalsFilter narrows Totals. Zero values mean no restriction; days are
// half-open [From, To) on the charge period start.
type TotalsFilter struct {
	ImportID string
	From, To time.Time
}
