// Package spend is the Spend explorer's service: it asks the cost store
// for sums per charge day, group and billing currency, converts them to
// the organisation's reporting currency with each charge day's rate,
// buckets them into days or months, compares them with the previous
// period and reports every amount it could not convert. The web UI and
// the JSON API both call it; the rules live here, the SQL in the store.
package spend

import (
	"context"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/canopyhq/canopy/internal/allocation"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/fx"
	"github.com/canopyhq/canopy/internal/store"
)

// Service answers the explorer's questions for a principal.
type Service struct {
	Costs costs.Querier
	FX    *fx.Service // exchange rates for the reporting currency
	// Groups answers queries that group or filter by custom group (the
	// allocation service); nil refuses them.
	Groups GroupAggregator
}

// GroupAggregator sums costs by custom group (allocation).
type GroupAggregator interface {
	Aggregate(ctx context.Context, orgID string, q costs.Query) ([]costs.AggRow, error)
}

// aggregate asks the allocation service when q involves custom groups,
// else the cost store.
func (s *Service) aggregate(ctx context.Context, orgID string, q costs.Query) ([]costs.AggRow, error) {
	if !q.UsesGroups() {
		return s.Costs.Aggregate(ctx, orgID, q)
	}
	if s.Groups == nil {
		return nil, domain.Errorf(domain.CodeInvalid, "custom groups are not available here")
	}
	return s.Groups.Aggregate(ctx, orgID, q)
}

// Granularity is the length of one period of the explorer's time axis.
type Granularity string

// Granularities.
const (
	Day   Granularity = "day"
	Month Granularity = "month"
)

// Mode says which currency amounts are shown in.
type Mode string

// Currency modes: converted to the organisation's reporting currency, or
// each billing currency on its own (no conversion).
const (
	Reporting Mode = "reporting"
	Billing   Mode = "billing"
)

// Sort keys of the table.
const (
	SortTotal    = "total"
	SortLabel    = "label"
	SortPrevious = "previous"
	SortChange   = "change"
)

// DefaultTop is how many groups the chart shows before "Other".
const DefaultTop = 10

// Range limits keep one answer a readable size.
const (
	maxDayRange   = 400  // days, at day granularity
	maxMonthRange = 3700 // days, about ten years, at month granularity
)

// Request is one explorer question.
type Request struct {
	costs.Query
	Granularity Granularity
	Metric      costs.Metric
	Mode        Mode
	Compare     bool // also sum the previous period of the same length
	Sort        string
	Desc        bool
	Top         int // groups shown in the chart, the rest summed as Other
}

// Validate checks a request beyond the query's own shape.
func (r Request) Validate() error {
	if err := r.Query.Validate(); err != nil {
		return err
	}
	days := int(r.To.Sub(r.From).Hours() / 24)
	if r.Granularity == Day && days > maxDayRange {
		return domain.FieldError("to", "A daily view covers at most %d days; choose monthly or a shorter range.", maxDayRange)
	}
	if days > maxMonthRange {
		return domain.FieldError("to", "The range may cover at most %d days.", maxMonthRange)
	}
	return nil
}

// Previous is the period of the same length just before [From, To).
func (r Request) Previous() costs.Query {
	q := r.Query
	q.From, q.To = r.From.Add(-r.To.Sub(r.From)), r.From
	return q
}

// Explore answers a request: periods, series per group, totals, the
// previous period and warnings for amounts without an exchange rate.
func (s *Service) Explore(ctx context.Context, p *auth.Principal, req Request) (*Result, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	var err error
	if req.Query, err = scoped(p, req.Query); err != nil {
		return nil, err
	}
	rows, err := s.aggregate(ctx, p.Org.ID, req.Query)
	if err != nil {
		return nil, err
	}
	var prev []costs.AggRow
	if req.Compare {
		if prev, err = s.aggregate(ctx, p.Org.ID, req.Previous()); err != nil {
			return nil, err
		}
	}
	var conv *fx.Converter
	if req.Mode != Billing {
		from := req.From
		if req.Compare {
			from = req.Previous().From
		}
		if conv, err = s.FX.Converter(ctx, p.Org.ID, from, req.To); err != nil {
			return nil, err
		}
	}
	return Build(req, reportingCurrency(p.Org), conv, rows, prev)
}

func reportingCurrency(o domain.Org) domain.Currency {
	if o.ReportingCurrency == "" {
		return domain.DefaultReportingCurrency
	}
	return o.ReportingCurrency
}

// Values lists a dimension's values (or a tag key's, or the tag keys)
// charged in [from, to), for the filter selects.
// Members whose only costs.read grants are on custom groups get the
// custom groups they may see and no other values: the others would name
// what other groups run.
func (s *Service) Values(ctx context.Context, p *auth.Principal, dim costs.Dim, tagKey string, from, to time.Time, limit int) ([]costs.DimValue, error) {
	if err := p.RequireSomewhere(auth.PermCostsRead); err != nil {
		return nil, err
	}
	if dim == "" {
		return nil, domain.FieldError("dim", "Name the dimension to list values of.")
	}
	if from.IsZero() || !from.Before(to) {
		return nil, domain.FieldError("from", "The date range must have a start before its end.")
	}
	if dim == costs.DimGroup {
		return s.groupValues(ctx, p)
	}
	if !p.Can(auth.PermCostsRead) {
		return []costs.DimValue{}, nil
	}
	return s.Costs.Values(ctx, p.Org.ID, dim, tagKey, from, to, limit)
}

// Consumption sums quantities per service and meter for the query.
func (s *Service) Consumption(ctx context.Context, p *auth.Principal, q costs.Query) ([]costs.ConsumptionRow, error) {
	if err := p.Require(auth.PermCostsRead); err != nil {
		return nil, err
	}
	if err := q.Validate(); err != nil {
		return nil, err
	}
	return s.Costs.Consumption(ctx, p.Org.ID, q)
}

// FreshnessNote is what every freshness display says about cloud data.
const FreshnessNote = "Cloud billing data arrives 24–48 hours late and is revised."

// Freshness says per source through which day data was imported.
func (s *Service) Freshness(ctx context.Context, p *auth.Principal) ([]costs.Freshness, error) {
	if err := p.RequireSomewhere(auth.PermCostsRead); err != nil {
		return nil, err
	}
	return s.Costs.Freshness(ctx, p.Org.ID)
}

// Lines streams the query's line items to fn, for the FOCUS export; it
// needs costs.export.
func (s *Service) Lines(ctx context.Context, p *auth.Principal, q costs.Query, fn func(*billing.Line) error) error {
	if err := p.Require(auth.PermCostsExport); err != nil {
		return err
	}
	if err := q.Validate(); err != nil {
		return err
	}
	return s.Costs.Lines(ctx, p.Org.ID, q, fn)
}

// Table answers a request for the table export; it needs costs.export.
func (s *Service) Table(ctx context.Context, p *auth.Principal, req Request) (*Result, error) {
	if err := p.Require(auth.PermCostsExport); err != nil {
		return nil, err
	}
	return s.Explore(ctx, p, req)
}

// ExportFOCUS writes the query's line items as one FOCUS 1.2 CSV. A first
// walk over the lines collects the names of their x_ attributes (the
// header must list them before the first line); only then is open called
// for the writer, so a refused or failed query can still be answered with
// an error. Memory stays constant whatever the line count.
func (s *Service) ExportFOCUS(ctx context.Context, p *auth.Principal, q costs.Query, open func() io.Writer) error {
	extras := map[string]bool{}
	err := s.Lines(ctx, p, q, func(l *billing.Line) error {
		billing.FOCUSExtras(extras, l)
		return nil
	})
	if err != nil {
		return err
	}
	fw, err := billing.NewFOCUSWriter(open(), slices.Sorted(maps.Keys(extras)))
	if err != nil {
		return err
	}
	if err := s.Costs.Lines(ctx, p.Org.ID, q, fw.Write); err != nil {
		return err
	}
	return fw.Flush()
}

// New is the service over a store: its cost lines and exchange rates.
func New(st *store.Store) *Service {
	return &Service{Costs: st.Costs(), FX: &fx.Service{Store: st}, Groups: allocation.New(st)}
}

// NewReporting is New for the explorer's pages and API: its cost queries
// read from the read replica when one is configured (store.ReadCosts).
func NewReporting(st *store.Store) *Service {
	s := New(st)
	s.Costs = st.ReadCosts()
	return s
}
