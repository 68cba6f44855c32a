package spend

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
)

// The explorer's query parameters, shared by the UI's URL and the API:
//
//	from, to      YYYY-MM-DD, UTC charge days, both inclusive (default:
//	              the 90 days ending today)
//	group_by      a dimension (costs.Dims); tag= names the key for "tag"
//	granularity   day (default) or month
//	metric        billed (default), effective, list or contracted
//	currency      reporting (default) or billing
//	compare       "previous" to compare with the period just before
//	filter        repeated "dim:value"; for tags "tag:key=value" (split at
//	              the first '=', so keys may contain ':') or, without any
//	              '=', "tag:key:value" (split at the first ':'); "tag:key"
//	              alone keeps lines with the key; values of one dimension
//	              are ORed, dimensions ANDed; an empty value matches lines
//	              without one
//	sort, dir     total (default), label, previous or change; asc or desc
//	top           groups in the chart before "Other" (1–50, default 10)
const (
	DefaultDays   = 90
	maxFilters    = 50
	maxFilterText = 512
	maxTop        = 50
)

// Presets are the date ranges the UI offers, by key.
var Presets = []string{"this_month", "last_month", "last_30", "last_90"}

// PresetRange is a preset's inclusive day range as of today (UTC).
func PresetRange(key string, today time.Time) (from, to time.Time, ok bool) {
	today = today.UTC().Truncate(24 * time.Hour)
	first := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC)
	switch key {
	case "this_month":
		return first, today, true
	case "last_month":
		return first.AddDate(0, -1, 0), first.AddDate(0, 0, -1), true
	case "last_30":
		return today.AddDate(0, 0, -29), today, true
	case "last_90":
		return today.AddDate(0, 0, -89), today, true
	}
	return time.Time{}, time.Time{}, false
}

// ParseRequest reads an explorer request from query parameters; today
// decides the default range. Errors name the parameter.
func ParseRequest(q url.Values, today time.Time) (Request, error) {
	query, err := ParseQuery(q, today)
	if err != nil {
		return Request{}, err
	}
	req := Request{Query: query, Top: DefaultTop}
	steps := []func(url.Values, *Request) error{parseGrouping, parseView, parseSort}
	for _, step := range steps {
		if err := step(q, &req); err != nil {
			return Request{}, err
		}
	}
	return req, req.Validate()
}

// ParseQuery reads the date range and filters (and group_by/tag) only,
// for the consumption view and the line export.
func ParseQuery(q url.Values, today time.Time) (costs.Query, error) {
	var query costs.Query
	from, to, err := dayRange(q.Get("from"), q.Get("to"), today)
	if err != nil {
		return query, err
	}
	query.From, query.To = from, to.AddDate(0, 0, 1)
	if query.Filters, err = ParseFilters(q["filter"]); err != nil {
		return query, err
	}
	return query, nil
}

func dayRange(fromS, toS string, today time.Time) (from, to time.Time, err error) {
	fromS, toS = strings.TrimSpace(fromS), strings.TrimSpace(toS)
	if fromS == "" && toS == "" {
		from, to, _ = PresetRange("last_90", today)
		return from, to, nil
	}
	if from, err = parseDay("from", fromS); err != nil {
		return from, to, err
	}
	if to, err = parseDay("to", toS); err != nil {
		return from, to, err
	}
	if to.Before(from) {
		return from, to, domain.FieldError("to", "to must be the same day as from or later.")
	}
	return from, to, nil
}

func parseDay(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, domain.FieldError(field, "%s is required with the other end of the range: a date like 2026-01-31 (YYYY-MM-DD).", field)
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return t, domain.FieldError(field, "%s must be a date like 2026-01-31 (YYYY-MM-DD, UTC).", field)
	}
	return t, nil
}

// ParseFilters reads repeated filter parameters; empty ones are skipped
// (an unselected select), and values of one dimension are merged.
func ParseFilters(params []string) ([]costs.Filter, error) {
	if len(params) > maxFilters {
		return nil, domain.FieldError("filter", "At most %d filters.", maxFilters)
	}
	var out []costs.Filter
	for _, p := range params {
		if p == "" {
			continue
		}
		f, hasValue, err := parseFilter(p)
		if err != nil {
			return nil, err
		}
		out = mergeFilter(out, f, hasValue)
	}
	return out, nil
}

func parseFilter(p string) (f costs.Filter, hasValue bool, err error) {
	if len(p) > maxFilterText {
		return f, false, domain.FieldError("filter", "A filter may be at most %d characters.", maxFilterText)
	}
	name, rest, ok := strings.Cut(p, ":")
	dim, derr := costs.ParseDim(name)
	if !ok || derr != nil || dim == "" {
		return f, false, domain.FieldError("filter", "Filter %q must look like dimension:value, with a dimension among %s.", p, dimList())
	}
	f.Dim = dim
	if dim != costs.DimTag {
		f.Values = []string{rest}
		return f, true, nil
	}
	sep := ":"
	if strings.Contains(rest, "=") {
		sep = "="
	}
	key, value, hasValue := strings.Cut(rest, sep)
	if key == "" {
		return f, false, domain.FieldError("filter", "Tag filter %q needs a key: tag:key:value.", p)
	}
	f.TagKey = key
	if hasValue {
		f.Values = []string{value}
	}
	return f, hasValue, nil
}

func mergeFilter(list []costs.Filter, f costs.Filter, hasValue bool) []costs.Filter {
	for i := range list {
		if list[i].Dim == f.Dim && list[i].TagKey == f.TagKey {
			if hasValue && !containsString(list[i].Values, f.Values[0]) {
				list[i].Values = append(list[i].Values, f.Values[0])
			}
			return list
		}
	}
	return append(list, f)
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func dimList() string {
	names := make([]string, len(costs.Dims))
	for i, d := range costs.Dims {
		names[i] = string(d)
	}
	return strings.Join(names, ", ")
}

func parseGrouping(q url.Values, r *Request) error {
	dim, err := costs.ParseDim(strings.TrimSpace(q.Get("group_by")))
	if err != nil {
		return domain.FieldError("group_by", "group_by must be one of %s.", dimList())
	}
	r.GroupBy = dim
	if dim == costs.DimTag {
		r.GroupTag = strings.TrimSpace(q.Get("tag"))
		if r.GroupTag == "" {
			return domain.FieldError("tag", "Grouping by tag needs the tag key in tag=.")
		}
	}
	return nil
}

func parseView(q url.Values, r *Request) error {
	switch g := q.Get("granularity"); g {
	case "", string(Day):
		r.Granularity = Day
	case string(Month):
		r.Granularity = Month
	default:
		return domain.FieldError("granularity", "granularity must be day or month.")
	}
	m, err := costs.ParseMetric(q.Get("metric"))
	if err != nil {
		return domain.FieldError("metric", "metric must be billed, effective, list or contracted.")
	}
	r.Metric = m
	switch c := q.Get("currency"); c {
	case "", string(Reporting):
		r.Mode = Reporting
	case string(Billing):
		r.Mode = Billing
	default:
		return domain.FieldError("currency", "currency must be reporting or billing.")
	}
	switch c := q.Get("compare"); c {
	case "", "none":
	case "previous":
		r.Compare = true
	default:
		return domain.FieldError("compare", "compare must be previous or none.")
	}
	return nil
}

func parseSort(q url.Values, r *Request) error {
	switch s := q.Get("sort"); s {
	case "":
		r.Sort = SortTotal
	case SortTotal, SortLabel, SortPrevious, SortChange:
		r.Sort = s
	default:
		return domain.FieldError("sort", "sort must be total, label, previous or change.")
	}
	switch d := q.Get("dir"); d {
	case "":
		r.Desc = r.Sort != SortLabel
	case "asc", "desc":
		r.Desc = d == "desc"
	default:
		return domain.FieldError("dir", "dir must be asc or desc.")
	}
	if t := q.Get("top"); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 1 || n > maxTop {
			return domain.FieldError("top", "top must be a whole number from 1 to %d.", maxTop)
		}
		r.Top = n
	}
	return nil
}

// Params writes a request back as query parameters (the inverse of
// ParseRequest), for links that keep the page's state.
func Params(r Request) url.Values {
	v := QueryParams(r.Query)
	if r.GroupBy != "" {
		v.Set("group_by", string(r.GroupBy))
		if r.GroupBy == costs.DimTag {
			v.Set("tag", r.GroupTag)
		}
	}
	v.Set("granularity", string(r.Granularity))
	v.Set("metric", string(r.Metric))
	v.Set("currency", string(r.Mode))
	if r.Compare {
		v.Set("compare", "previous")
	}
	if r.Sort != "" && r.Sort != SortTotal {
		v.Set("sort", r.Sort)
	}
	if r.Desc != (r.Sort != SortLabel) {
		v.Set("dir", map[bool]string{true: "desc", false: "asc"}[r.Desc])
	}
	if r.Top != DefaultTop && r.Top != 0 {
		v.Set("top", strconv.Itoa(r.Top))
	}
	return v
}

// QueryParams writes a query's range and filters as parameters.
func QueryParams(q costs.Query) url.Values {
	v := url.Values{}
	v.Set("from", q.From.Format(time.DateOnly))
	v.Set("to", q.To.AddDate(0, 0, -1).Format(time.DateOnly))
	for _, f := range q.Filters {
		prefix := string(f.Dim) + ":"
		if f.Dim == costs.DimTag {
			if len(f.Values) == 0 {
				v.Add("filter", prefix+f.TagKey)
				continue
			}
			prefix += f.TagKey + "="
		}
		for _, val := range f.Values {
			v.Add("filter", prefix+val)
		}
	}
	return v
}
