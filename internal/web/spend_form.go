package web

import (
	"errors"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/spend"
)

// filterDims are the dimensions the form offers a filter select for; tags
// have their own key and value fields.
var filterDims = []costs.Dim{costs.DimProvider, costs.DimBillingAccount, costs.DimSubAccount, costs.DimResourceGroup,
	costs.DimService, costs.DimRegion, costs.DimResource, costs.DimSKU, costs.DimChargeCategory}

// optionLimit bounds each select: the most common values come first.
const optionLimit = 200

// formOf is the form's state: the typed dates as sent (so a bad date is
// shown back), everything else from the parsed request.
func formOf(q url.Values, req spend.Request) SpendForm {
	f := SpendForm{From: q.Get("from"), To: q.Get("to"), Filters: map[costs.Dim][]string{},
		GroupBy: string(req.GroupBy), GroupTag: req.GroupTag, Granularity: string(req.Granularity),
		Metric: string(req.Metric), Currency: string(req.Mode), Compare: req.Compare, Query: q}
	if f.From == "" && f.To == "" {
		f.From, f.To = req.From.Format(time.DateOnly), req.To.AddDate(0, 0, -1).Format(time.DateOnly)
	}
	for _, flt := range req.Filters {
		if flt.Dim == costs.DimTag {
			if f.TagKey == "" {
				f.TagKey = flt.TagKey
				if len(flt.Values) > 0 {
					f.TagValue = flt.Values[0]
				}
			}
			continue
		}
		f.Filters[flt.Dim] = append(f.Filters[flt.Dim], flt.Values...)
	}
	return f
}

// spendOptions fills the selects with the values charged in the range.
// The lists are independent reads, so they are asked for at once: the
// page waits for the slowest, not for their sum.
func (s *Server) spendOptions(r *http.Request, svc *spend.Service, q costs.Query, f SpendForm) (SpendOptions, error) {
	ctx, p := r.Context(), principalFrom(r.Context())
	type ask struct {
		dim    costs.Dim
		tagKey string
	}
	asks := make([]ask, 0, len(filterDims)+2)
	for _, dim := range filterDims {
		asks = append(asks, ask{dim: dim})
	}
	asks = append(asks, ask{dim: costs.DimTag}) // the tag keys
	if f.TagKey != "" {
		asks = append(asks, ask{dim: costs.DimTag, tagKey: f.TagKey})
	}
	vals, errs := make([][]costs.DimValue, len(asks)), make([]error, len(asks))
	var wg sync.WaitGroup
	for i, a := range asks {
		wg.Go(func() { vals[i], errs[i] = svc.Values(ctx, p, a.dim, a.tagKey, q.From, q.To, optionLimit) })
	}
	wg.Wait()
	var o SpendOptions
	if err := errors.Join(errs...); err != nil {
		return o, err
	}
	for i, dim := range filterDims {
		o.Filters = append(o.Filters, filterSelect(dim, vals[i], f))
	}
	o.TagKeys = vals[len(filterDims)]
	if f.TagKey != "" {
		o.TagValues = vals[len(filterDims)+1]
	}
	o.GroupBy = []Choice{{Value: "", Label: "Nothing (totals only)", Selected: f.GroupBy == ""}}
	for _, d := range costs.Dims {
		o.GroupBy = append(o.GroupBy, Choice{Value: string(d), Label: d.Label(), Selected: f.GroupBy == string(d)})
	}
	for _, m := range costs.Metrics {
		o.Metrics = append(o.Metrics, Choice{Value: string(m), Label: m.Label(), Selected: f.Metric == string(m)})
	}
	return o, s.addGroupOptions(r, &o, f)
}

func filterSelect(dim costs.Dim, vals []costs.DimValue, f SpendForm) FilterSelect {
	fs := FilterSelect{Dim: dim, ID: "filter-" + string(dim), Label: dim.Label()}
	seen := map[string]bool{}
	for _, v := range vals {
		label := v.Label
		if label == "" {
			label = v.Value
		}
		if v.Value == costs.NoValue {
			label = spend.NoValueLabel
		}
		seen[v.Value] = true
		fs.Options = append(fs.Options, Choice{Value: string(dim) + ":" + v.Value, Label: label, Selected: f.Selected(dim, v.Value)})
	}
	// A value from a shared link that is not among the listed ones stays
	// selectable, so applying the form again keeps it.
	for _, v := range f.Filters[dim] {
		if !seen[v] {
			fs.Options = append(fs.Options, Choice{Value: string(dim) + ":" + v, Label: v, Selected: true})
		}
	}
	return fs
}

// presetLinks are the date-range shortcuts, keeping the other parameters.
func presetLinks(path string, q url.Values) []Link {
	labels := map[string]string{"this_month": "This month", "last_month": "Last month", "last_30": "Last 30 days", "last_90": "Last 90 days"}
	var out []Link
	for _, key := range spend.Presets {
		from, to, _ := spend.PresetRange(key, domain.Now())
		v := cloneValues(q)
		v.Set("from", from.Format(time.DateOnly))
		v.Set("to", to.Format(time.DateOnly))
		out = append(out, Link{Label: labels[key], URL: path + "?" + v.Encode(),
			Current: q.Get("from") == v.Get("from") && q.Get("to") == v.Get("to")})
	}
	return out
}

func cloneValues(q url.Values) url.Values {
	v := url.Values{}
	for k, vals := range q {
		v[k] = append([]string(nil), vals...)
	}
	return v
}

// fill turns the service's result into the page's tables and chart data.
func (p *SpendPage) fill(req spend.Request, res *spend.Result, canExport bool) {
	p.Compare, p.Warnings, p.GroupLabel = res.Compare, res.Warnings, "Total"
	if req.GroupBy != "" {
		p.GroupLabel = req.GroupBy.Label()
		if req.GroupBy == costs.DimTag {
			p.GroupLabel = "Tag " + req.GroupTag
		}
	}
	for _, per := range res.Periods {
		p.Periods = append(p.Periods, per.Label)
	}
	params := spend.Params(req)
	for _, b := range res.Blocks {
		blk := SpendBlock{Currency: string(b.Currency), Sorts: sortLinks(params, req),
			Total: rowOf("Total", b.PeriodTotals, b.Total, b.Previous, b.Change, b.Currency)}
		for _, s := range b.Series {
			blk.Rows = append(blk.Rows, rowOf(s.Label, s.Amounts, s.Total, s.Previous, s.Change, b.Currency))
		}
		p.Blocks = append(p.Blocks, blk)
		p.Chart = append(p.Chart, chartOf(res, b))
	}
	if canExport {
		p.ExportURL = "/spend/export.csv?" + params.Encode()
		p.FOCUSURL = "/spend/lines.csv?" + spend.QueryParams(req.Query).Encode()
	}
}

// sortLinks are the column headings' server-side sort links: a column
// sorted already flips its direction.
func sortLinks(params url.Values, req spend.Request) []SortLink {
	cols := []struct{ key, label string }{{spend.SortLabel, "Name"}, {spend.SortTotal, "Total"},
		{spend.SortPrevious, "Previous period"}, {spend.SortChange, "Change"}}
	out := make([]SortLink, 0, len(cols))
	for _, c := range cols {
		v := cloneValues(params)
		desc := c.key != spend.SortLabel
		aria := "none"
		if req.Sort == c.key {
			desc = !req.Desc
			aria = map[bool]string{true: "descending", false: "ascending"}[req.Desc]
		}
		v.Set("sort", c.key)
		v.Set("dir", map[bool]string{true: "desc", false: "asc"}[desc])
		out = append(out, SortLink{Key: c.key, Label: c.label, URL: "/spend?" + v.Encode() + "#spend-table", Aria: aria})
	}
	return out
}
