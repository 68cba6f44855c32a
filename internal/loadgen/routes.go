package loadgen

import (
	"math/rand/v2"
	"net/url"
	"time"
)

// route is one kind of request a user makes; class names the latency
// bucket it is reported in.
type route struct {
	class  string
	weight int
	path   func(r *rand.Rand, from, to time.Time) string
}

type routeMix []route

func (m routeMix) pick(r *rand.Rand) route {
	total := 0
	for _, rt := range m {
		total += rt.weight
	}
	n := r.IntN(total)
	for _, rt := range m {
		if n < rt.weight {
			return rt
		}
		n -= rt.weight
	}
	return m[len(m)-1]
}

// The mix leans on the spend explorer, the page people spend their time
// on; the others are the lists they open next to it.
var webRoutes = routeMix{
	{"web /spend (explorer)", 40, func(r *rand.Rand, f, t time.Time) string { return "/spend?" + explorerQuery(r, f, t) }},
	{"web /spend/consumption", 8, func(r *rand.Rand, f, t time.Time) string {
		return "/spend/consumption?" + rangeQuery(r, f, t, 7).Encode()
	}},
	{"web /budgets", 12, fixed("/budgets")},
	{"web /allocation", 10, fixed("/allocation")},
	{"web /resources", 10, fixed("/resources")},
	{"web / (home)", 10, fixed("/")},
}

var apiRoutes = routeMix{
	{"api /costs/explore", 40, func(r *rand.Rand, f, t time.Time) string { return "/api/v1/costs/explore?" + explorerQuery(r, f, t) }},
	{"api /costs/values", 10, func(r *rand.Rand, f, t time.Time) string {
		q := rangeQuery(r, f, t, 0)
		q.Set("dim", pickOf(r, "service", "region", "sub_account", "resource"))
		q.Set("limit", "200")
		return "/api/v1/costs/values?" + q.Encode()
	}},
	{"api /budgets", 12, fixed("/api/v1/budgets")},
	{"api /allocation/results", 10, func(r *rand.Rand, f, t time.Time) string {
		return "/api/v1/allocation/results?" + rangeQuery(r, f, t, 0).Encode()
	}},
	{"api /resources", 10, fixed("/api/v1/resources")},
	{"api /me", 8, fixed("/api/v1/me")},
}

func fixed(p string) func(*rand.Rand, time.Time, time.Time) string {
	return func(*rand.Rand, time.Time, time.Time) string { return p }
}

// groupBys are the explorer's group-bys people use; "tag" groups by the
// team tag. Resource reads single lines (the heaviest view).
var groupBys = []string{"", "service", "service", "sub_account", "region", "resource_group", "provider",
	"charge_category", "tag", "resource"}

// filters are drawn from what the generated data holds.
var filters = []string{"region:westeurope", "region:us-east-1", "tag:env=prod", "tag:team=platform",
	"charge_category:Usage", "billing_currency:USD", "provider:Microsoft", "service_category:Compute"}

// explorerQuery is a random explorer question: a range inside the data,
// a group-by and zero to two filters.
func explorerQuery(r *rand.Rand, from, to time.Time) string {
	q := rangeQuery(r, from, to, 0)
	if g := groupBys[r.IntN(len(groupBys))]; g != "" {
		q.Set("group_by", g)
		if g == "tag" {
			q.Set("tag", "team")
		}
	}
	for range r.IntN(3) {
		q.Add("filter", filters[r.IntN(len(filters))])
	}
	return q.Encode()
}

// rangeQuery is the whole data range, its last month or its last week
// (maxDays > 0 caps the length, for the line views).
func rangeQuery(r *rand.Rand, from, to time.Time, maxDays int) url.Values {
	last := to.AddDate(0, 0, -1)
	start := from
	switch r.IntN(3) {
	case 1:
		start = last.AddDate(0, 0, -29)
	case 2:
		start = last.AddDate(0, 0, -6)
	}
	if maxDays > 0 && last.Sub(start) > time.Duration(maxDays-1)*24*time.Hour {
		start = last.AddDate(0, 0, -(maxDays - 1))
	}
	if start.Before(from) {
		start = from
	}
	return url.Values{"from": {start.Format(time.DateOnly)}, "to": {last.Format(time.DateOnly)}}
}

func pickOf(r *rand.Rand, s ...string) string { return s[r.IntN(len(s))] }
