package web

import (
	"context"
	"fmt"
	"time"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/recommend"
	"github.com/canopyhq/canopy/internal/spend"
)

// recChange is a status change of the recommendations service.
type recChange func(context.Context, *auth.Principal, audit.Actor, string) (recommend.Recommendation, error)

// RecFilterForm is the list's filter as chosen.
type RecFilterForm struct {
	Source, Category, Status, Account string
}

// RecOption is one choice of a filter.
type RecOption struct{ Value, Label string }

// RecRow is one recommendation as the pages show it.
type RecRow struct {
	ID, Title, Detail, Source, Category, Account, ResourceID, Region string
	Connection, Status, StatusLabel, StatusReason, StatusBy          string
	StatusAt, FirstSeen, LastSeen, GoneAt                            string
	Estimate, EstimateBasis, EstimateError                           string
	Licences                                                         []recommend.Seats
	Realised                                                         *RecRealised
}

// RecRealised is a done recommendation's measured saving.
type RecRealised struct {
	Measurable                       bool
	Monthly, BeforeDaily, AfterDaily string
	Before, After, Basis, Error      string
}

// RecsPage is the Recommendations list.
type RecsPage struct {
	Layout
	FormErrors
	Filter                          RecFilterForm
	Sources, Categories, Statuses   []RecOption
	Accounts                        []string
	Rows                            []RecRow
	Open, OpenWithoutEstimate       int
	OpenMonthly, Realised, Currency string
	Notices                         []string
}

func (RecsPage) Template() string { return "recommendations" }

// RecPage is one recommendation with its actions.
type RecPage struct {
	Layout
	FormErrors
	Rec    RecRow
	CanAct bool
	Reason string
}

func (RecPage) Template() string { return "recommendation" }

func (p *RecsPage) fill(l recommend.List) {
	cur := domain.Currency(l.Totals.Currency)
	p.Open, p.OpenWithoutEstimate, p.Currency, p.Notices = l.Totals.Open, l.Totals.OpenNotEstimate, l.Totals.Currency, l.Notices
	p.OpenMonthly, p.Realised = spend.Display(l.Totals.OpenMonthly, cur), spend.Display(l.Totals.DoneRealised, cur)
	for _, s := range l.Facets.Sources {
		p.Sources = append(p.Sources, RecOption{s, recommend.SourceLabels[s]})
	}
	for _, c := range l.Facets.Categories {
		p.Categories = append(p.Categories, RecOption{c, recommend.CategoryLabels[c]})
	}
	for _, s := range []string{recommend.StatusOpen, recommend.StatusDismissed, recommend.StatusDone, recommend.StatusResolved} {
		p.Statuses = append(p.Statuses, RecOption{s, recommend.StatusLabels[s]})
	}
	p.Accounts = l.Facets.Accounts
	for _, r := range l.Items {
		p.Rows = append(p.Rows, recView(r))
	}
}

func recView(r recommend.Recommendation) RecRow {
	v := RecRow{ID: r.ID, Title: r.Title, Detail: r.Detail, Source: recommend.SourceLabels[r.Source],
		Category: recommend.CategoryLabels[r.Category], Account: r.Account, ResourceID: r.ResourceID, Region: r.Region,
		Connection: r.Connection, Status: r.Status, StatusLabel: recommend.StatusLabels[r.Status], StatusReason: r.StatusReason,
		StatusBy: r.StatusBy, StatusAt: stamp(r.StatusAt), FirstSeen: r.FirstSeen.Format(time.DateOnly),
		LastSeen: r.LastSeen.Format(time.DateOnly), GoneAt: stamp(r.GoneAt), Licences: r.Licences,
		EstimateBasis: r.Estimate.Basis, EstimateError: r.Estimate.Error}
	cur := domain.Currency(r.Estimate.Currency)
	if r.Estimate.Monthly != nil {
		v.Estimate = spend.Display(*r.Estimate.Monthly, cur) + " " + string(cur)
	}
	if re := r.Realised; re != nil {
		v.Realised = &RecRealised{Measurable: re.Measurable, Basis: re.Basis, Error: re.Error,
			Before: window(re.BeforeFrom, re.BeforeTo), After: window(re.AfterFrom, re.AfterTo)}
		for _, a := range []struct {
			src *domain.Amount
			dst *string
		}{{re.Monthly, &v.Realised.Monthly}, {re.BeforeDaily, &v.Realised.BeforeDaily}, {re.AfterDaily, &v.Realised.AfterDaily}} {
			if a.src != nil {
				*a.dst = spend.Display(*a.src, domain.Currency(re.Currency)) + " " + re.Currency
			}
		}
	}
	return v
}

// window shows a half-open day range [from, to) as its inclusive days.
func window(from, to time.Time) string {
	return fmt.Sprintf("%s to %s", from.Format(time.DateOnly), to.AddDate(0, 0, -1).Format(time.DateOnly))
}

func stamp(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}
