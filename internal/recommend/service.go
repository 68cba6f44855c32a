package recommend

import (
	"context"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// Service lists recommendations, values them and keeps their status.
type Service struct {
	Store *store.Store
	Costs costs.Querier
	Now   func() time.Time
}

// New returns the service over the store and its cost store.
func New(st *store.Store) *Service { return &Service{Store: st, Costs: st.Costs(), Now: domain.Now} }

func (s *Service) now() time.Time {
	if s.Now == nil {
		return domain.Now()
	}
	return s.Now().UTC()
}

// Filter narrows a listing; empty fields do not filter. Status "" lists
// every status.
type Filter struct {
	Sources    []string `json:"source,omitempty"`
	Categories []string `json:"category,omitempty"`
	Statuses   []string `json:"status,omitempty"`
	Accounts   []string `json:"account,omitempty"`
}

// Totals sums the open recommendations of a listing.
type Totals struct {
	Open            int           `json:"open"`
	OpenMonthly     domain.Amount `json:"open_monthly"`
	Currency        string        `json:"currency"`
	OpenNotEstimate int           `json:"open_without_estimate"`
	DoneRealised    domain.Amount `json:"done_realised_monthly"`
}

// List is a filtered listing with its totals, the facets to filter by,
// and notices (recommendations Canopy could not derive, and why).
type List struct {
	Items   []Recommendation `json:"items"`
	Totals  Totals           `json:"totals"`
	Notices []string         `json:"notices"`
	Facets  Facets           `json:"facets"`
}

// Facets are the values present in the organisation's recommendations.
type Facets struct {
	Sources    []string `json:"sources"`
	Categories []string `json:"categories"`
	Accounts   []string `json:"accounts"`
}

// validate checks a filter's values.
func (f Filter) validate() error {
	for _, c := range []struct {
		field string
		vals  []string
		known map[string]string
	}{{"source", f.Sources, SourceLabels}, {"category", f.Categories, CategoryLabels}, {"status", f.Statuses, StatusLabels}} {
		for _, v := range c.vals {
			if _, ok := c.known[v]; !ok {
				return domain.FieldError(c.field, "Unknown %s %q: use one of %s.", c.field, v, keys(c.known))
			}
		}
	}
	return nil
}

// StatusLabels name the statuses.
var StatusLabels = map[string]string{StatusOpen: "Open", StatusDismissed: "Dismissed", StatusDone: "Done",
	StatusResolved: "Resolved at source"}

func keys(m map[string]string) string { return strings.Join(slices.Sorted(maps.Keys(m)), ", ") }

// List returns the recommendations matching f with estimates, largest
// estimated saving first, the totals of the open ones and done ones'
// realised savings.
func (s *Service) List(ctx context.Context, p *auth.Principal, f Filter) (List, error) {
	if err := p.Require(auth.PermRecommendationsRead); err != nil {
		return List{}, err
	}
	if err := f.validate(); err != nil {
		return List{}, err
	}
	all, err := s.Store.ListRecommendations(ctx, p.Org.ID, store.RecFilter{})
	if err != nil {
		return List{}, err
	}
	out := List{Facets: facets(all), Items: []Recommendation{}}
	if out.Notices, err = s.notices(ctx, p.Org.ID); err != nil {
		return List{}, err
	}
	rows, err := s.Store.ListRecommendations(ctx, p.Org.ID, store.RecFilter{Sources: f.Sources,
		Categories: f.Categories, Statuses: f.Statuses, Accounts: f.Accounts})
	if err != nil {
		return List{}, err
	}
	org, err := s.Store.GetOrg(ctx, p.Org.ID) // its reporting currency as of now
	if err != nil {
		return List{}, err
	}
	if out.Items, err = s.views(ctx, org, rows); err != nil {
		return List{}, err
	}
	sort.SliceStable(out.Items, func(i, j int) bool { return biggerSaving(out.Items[i], out.Items[j]) })
	out.Totals, err = totals(out.Items, org.ReportingCurrency)
	return out, err
}

// Get returns one recommendation with its estimate and realised saving.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id string) (Recommendation, error) {
	if err := p.Require(auth.PermRecommendationsRead); err != nil {
		return Recommendation{}, err
	}
	r, err := s.Store.GetRecommendation(ctx, p.Org.ID, id)
	if err != nil {
		return Recommendation{}, err
	}
	org, err := s.Store.GetOrg(ctx, p.Org.ID)
	if err != nil {
		return Recommendation{}, err
	}
	v, err := s.views(ctx, org, []store.Recommendation{r})
	if err != nil {
		return Recommendation{}, err
	}
	return v[0], nil
}

// views values rows and measures the done ones.
func (s *Service) views(ctx context.Context, org domain.Org, rows []store.Recommendation) ([]Recommendation, error) {
	oldest := time.Time{}
	for _, r := range rows {
		oldest = minTime(oldest, r.LastSeen)
	}
	pr, err := s.newPricer(ctx, org, oldest)
	if err != nil {
		return nil, err
	}
	names, err := s.connectionNames(ctx, org.ID)
	if err != nil {
		return nil, err
	}
	out := make([]Recommendation, len(rows))
	for i, r := range rows {
		out[i] = view(r, names[r.ConnectionID], pr.estimate(r))
		if r.DoneAt != nil && r.Status == StatusDone {
			re, err := s.realised(ctx, org, r)
			if err != nil {
				return nil, err
			}
			out[i].Realised = &re
		}
	}
	return out, nil
}

func (s *Service) connectionNames(ctx context.Context, orgID string) (map[string]string, error) {
	list, err := s.Store.ListConnections(ctx, orgID)
	out := make(map[string]string, len(list))
	for _, c := range list {
		out[c.ID] = c.Name
	}
	return out, err
}

// biggerSaving orders by estimated saving, largest first; those without
// an estimate last (newest first among equals, the store's order).
func biggerSaving(a, b Recommendation) bool {
	ea, eb := a.Estimate.Monthly, b.Estimate.Monthly
	if ea == nil || eb == nil {
		return ea != nil && eb == nil
	}
	return ea.Cmp(*eb) > 0
}

func view(r store.Recommendation, conn string, e Estimate) Recommendation {
	return Recommendation{ID: r.ID, ConnectionID: r.ConnectionID, Connection: conn, Source: r.Source, SourceKey: r.SourceKey,
		Category: r.Category, Account: r.Account, ResourceID: r.ResourceID, Region: r.Region, Title: r.Title, Detail: r.Detail,
		Licences: decodeSeats(r.Licences), Status: r.Status, StatusReason: r.StatusReason, StatusBy: r.StatusBy,
		StatusAt: r.StatusAt, DoneAt: r.DoneAt, FirstSeen: r.FirstSeen, LastSeen: r.LastSeen, GoneAt: r.GoneAt, Estimate: e}
}

func totals(items []Recommendation, cur domain.Currency) (Totals, error) {
	t := Totals{Currency: string(cur)}
	var err error
	for _, r := range items {
		switch {
		case r.Status == StatusOpen && r.Estimate.Monthly != nil:
			t.Open++
			t.OpenMonthly, err = t.OpenMonthly.Add(*r.Estimate.Monthly)
		case r.Status == StatusOpen:
			t.Open++
			t.OpenNotEstimate++
		case r.Realised != nil && r.Realised.Monthly != nil:
			t.DoneRealised, err = t.DoneRealised.Add(*r.Realised.Monthly)
		}
		if err != nil {
			return t, err
		}
	}
	return t, nil
}

func facets(all []store.Recommendation) Facets {
	var f Facets
	for _, r := range all {
		f.Sources, f.Categories = appendNew(f.Sources, r.Source), appendNew(f.Categories, r.Category)
		if r.Account != "" {
			f.Accounts = appendNew(f.Accounts, r.Account)
		}
	}
	for _, l := range [][]string{f.Sources, f.Categories, f.Accounts} {
		sort.Strings(l)
	}
	return f
}

func appendNew(list []string, v string) []string {
	if slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}

// notices explain the licence recommendations Canopy could not derive.
func (s *Service) notices(ctx context.Context, orgID string) ([]string, error) {
	conns, err := s.Store.ListConnections(ctx, orgID)
	if err != nil {
		return nil, err
	}
	reps, err := s.Store.M365ActivityReports(ctx, orgID)
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, c := range conns {
		if c.Kind != "m365" { // connect.KindM365 (connect is not imported here: its connectors import this package)
			continue
		}
		var rep *store.M365ActivityReport
		for i := range reps {
			if reps[i].ConnectionID == c.ID {
				rep = &reps[i]
			}
		}
		if msg := skippedReason(rep); msg != "" {
			out = append(out, c.Name+": "+msg)
		}
	}
	return out, nil
}

// audit records a status change.
func record(ctx context.Context, st *store.Store, who audit.Actor, org, id, action string, details map[string]any) {
	audit.MustRecord(ctx, st, who, audit.Entry{OrgID: org, Action: action, TargetType: "recommendation", TargetID: id, Details: details})
}
