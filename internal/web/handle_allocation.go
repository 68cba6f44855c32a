package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/canopyhq/canopy/internal/allocation"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/spend"
)

// allocationRoutes are the Allocation area's pages: reading needs
// allocation.read, every change allocation.write.
func (s *Server) allocationRoutes() []Route {
	perm := func(p string, pm auth.Permission, h http.HandlerFunc) Route {
		return Route{Pattern: p, Access: Needs, Perm: pm, handler: h}
	}
	read, write := auth.PermAllocationRead, auth.PermAllocationWrite
	return []Route{
		heavy(perm("GET /allocation", read, s.allocationOverview)),
		perm("GET /allocation/groups/new", write, s.newGroup),
		perm("POST /allocation/groups", write, s.createGroup),
		perm("GET /allocation/groups/{id}", read, s.groupDetail),
		perm("POST /allocation/groups/{id}", write, s.updateGroup),
		perm("POST /allocation/groups/{id}/delete", write, s.deleteGroup),
		perm("POST /allocation/groups/{id}/access", auth.PermRolesManage, s.setGroupAccess),
		perm("POST /allocation/groups/{id}/access/{user}/remove", auth.PermRolesManage, s.removeGroupAccess),
		perm("GET /allocation/rules", read, s.allocationRules),
		perm("POST /allocation/rules", write, s.saveRule),
		perm("POST /allocation/rules/{id}/delete", write, s.deleteRule),
		perm("POST /allocation/rules/{id}/move", write, s.moveRule),
		perm("POST /allocation/splits", write, s.saveSplit),
		perm("POST /allocation/splits/{id}/delete", write, s.deleteSplit),
		perm("GET /allocation/explain", read, s.allocationExplain),
		perm("GET /allocation/versions", read, s.allocationVersions),
		perm("GET /allocation/versions/{n}", read, s.allocationVersion),
		perm("GET /allocation/licences", read, s.licencePrices),
		perm("POST /allocation/licences", write, s.setLicencePrice),
		perm("POST /allocation/licences/delete", write, s.deleteLicencePrice),
	}
}

// allocPeriod reads the period of an Allocation page: month=YYYY-MM, or
// from/to (inclusive days), by default the last complete month. The
// range is [from, to).
func allocPeriod(q url.Values, now time.Time) (from, to time.Time, err error) {
	if m := q.Get("month"); m != "" {
		t, err := time.Parse("2006-01", m)
		if err != nil {
			return from, to, domain.FieldError("month", "Choose a month like 2026-03.")
		}
		return t, t.AddDate(0, 1, 0), nil
	}
	if q.Get("from") == "" && q.Get("to") == "" {
		first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
		return first.AddDate(0, -1, 0), first, nil
	}
	qq, err := spend.ParseQuery(url.Values{"from": {q.Get("from")}, "to": {q.Get("to")}}, now)
	return qq.From, qq.To, err
}

// periodView describes [from, to) for the page's period form.
func periodView(path string, keep url.Values, from, to time.Time, now time.Time) AllocPeriod {
	last := to.AddDate(0, 0, -1)
	p := AllocPeriod{Path: path, From: from.Format(time.DateOnly), To: last.Format(time.DateOnly),
		Label: from.Format(time.DateOnly) + " to " + last.Format(time.DateOnly)}
	p.Query = url.Values{"from": {p.From}, "to": {p.To}}.Encode()
	if from.Day() == 1 && to.Equal(from.AddDate(0, 1, 0)) {
		p.Month, p.Label = from.Format("2006-01"), from.Format("January 2006")
	}
	for k, vals := range keep {
		for _, v := range vals {
			p.Keep = append(p.Keep, Fact{Label: k, Value: v})
		}
	}
	this := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	for _, pr := range []struct {
		label    string
		from, to time.Time
	}{{"Last month", this.AddDate(0, -1, 0), this}, {"This month", this, this.AddDate(0, 1, 0)}} {
		v := cloneValues(keep)
		v.Set("from", pr.from.Format(time.DateOnly))
		v.Set("to", pr.to.AddDate(0, 0, -1).Format(time.DateOnly))
		p.Presets = append(p.Presets, Link{Label: pr.label, URL: path + "?" + v.Encode(), Current: pr.from.Equal(from) && pr.to.Equal(to)})
	}
	return p
}

// reportingRequest is an explorer request in the reporting currency,
// by month, for [from, to).
func reportingRequest(from, to time.Time, groupBy costs.Dim, filters []costs.Filter) spend.Request {
	return spend.Request{Query: costs.Query{From: from, To: to, GroupBy: groupBy, Filters: filters},
		Granularity: spend.Month, Metric: costs.MetricBilled, Mode: spend.Reporting, Sort: spend.SortTotal, Desc: true,
		Top: spend.DefaultTop}
}

func (s *Server) allocationOverview(w http.ResponseWriter, r *http.Request) {
	ctx, p := r.Context(), principalFrom(r.Context())
	page := AllocationPage{Layout: s.layout(r, NavAllocation), CanWrite: p.Can(auth.PermAllocationWrite)}
	now := domain.Now()
	from, to, err := allocPeriod(r.URL.Query(), now)
	if err != nil {
		page.Error = domain.ErrorMessage(err) // the period form has no field slots
		from, to, _ = allocPeriod(url.Values{}, now)
	}
	page.Period = periodView("/allocation", nil, from, to, now)
	groups, err := s.allocation().Groups(ctx, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := s.spendService().Explore(ctx, p, reportingRequest(from, to, costs.DimGroup, nil))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := page.fillTree(groups, res); err != nil {
		s.fail(w, r, err)
		return
	}
	page.Warnings = res.Warnings
	page.ExplorerURL = "/spend?" + explorerQuery(page.Period, costs.DimGroup, "").Encode()
	page.UnallocatedURL = "/spend?" + explorerQuery(page.Period, costs.DimResource, string(costs.DimGroup)+":").Encode()
	status := http.StatusOK
	if page.HasErrors() {
		status = http.StatusBadRequest
	}
	s.R.Render(w, status, page)
}

// explorerQuery is the explorer's query for the period, grouped by dim
// and with one filter ("dim:value") when given.
func explorerQuery(p AllocPeriod, groupBy costs.Dim, filter string) url.Values {
	v := url.Values{"from": {p.From}, "to": {p.To}, "group_by": {string(groupBy)}, "granularity": {string(spend.Month)}}
	if filter != "" {
		v.Set("filter", filter)
	}
	return v
}

// fillTree builds the indented group tree from the explorer's series (one
// per group ID): each group's own amount and its total with the groups
// below it.
func (page *AllocationPage) fillTree(groups []allocation.Group, res *spend.Result) error {
	own := map[string]domain.Amount{}
	cur := domain.Currency("")
	total := domain.Amount{}
	if len(res.Blocks) > 0 {
		b := res.Blocks[0]
		cur, total = b.Currency, b.Total
		for _, sr := range b.Series {
			own[sr.Group] = sr.Total
		}
	}
	page.Currency = string(cur)
	page.Total = spend.Display(total, cur)
	page.Unallocated = spend.Display(own[allocation.Unallocated], cur)
	page.Unassigned = spend.Display(own[allocation.UnassignedLicences], cur)
	t := newGroupTree(groups)
	var err error
	t.walk(func(g allocation.Group, depth int) {
		sum, e := t.total(g.ID, own)
		if e != nil {
			err = e
		}
		page.Rows = append(page.Rows, GroupTreeRow{ID: g.ID, Name: g.Name, Kind: kindLabels[g.Kind], Depth: depth,
			Own: spend.Display(own[g.ID], cur), Total: spend.Display(sum, cur),
			URL: "/allocation/groups/" + g.ID + "?" + page.Period.Query})
	})
	return err
}

// groupTree is the group hierarchy: children by parent, roots first.
type groupTree struct {
	byID     map[string]allocation.Group
	children map[string][]allocation.Group
	roots    []allocation.Group
}

// newGroupTree arranges groups (sorted by name) into their hierarchy; a
// group whose parent is unknown is a root.
func newGroupTree(groups []allocation.Group) *groupTree {
	t := &groupTree{byID: map[string]allocation.Group{}, children: map[string][]allocation.Group{}}
	for _, g := range groups {
		t.byID[g.ID] = g
	}
	for _, g := range groups {
		if _, ok := t.byID[g.ParentID]; ok && g.ParentID != "" {
			t.children[g.ParentID] = append(t.children[g.ParentID], g)
		} else {
			t.roots = append(t.roots, g)
		}
	}
	return t
}

// walk visits every group depth-first, parents before children.
func (t *groupTree) walk(visit func(g allocation.Group, depth int)) {
	var rec func(gs []allocation.Group, depth int)
	rec = func(gs []allocation.Group, depth int) {
		for _, g := range gs {
			visit(g, depth)
			rec(t.children[g.ID], depth+1)
		}
	}
	rec(t.roots, 0)
}

// total is a group's own amount plus every descendant's.
func (t *groupTree) total(id string, own map[string]domain.Amount) (domain.Amount, error) {
	sum := own[id]
	for _, c := range t.children[id] {
		sub, err := t.total(c.ID, own)
		if err != nil {
			return sum, err
		}
		if sum, err = sum.Add(sub); err != nil {
			return sum, err
		}
	}
	return sum, nil
}
