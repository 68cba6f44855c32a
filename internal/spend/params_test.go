package spend

import (
	"net/url"
	"reflect"
	"testing"

	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
)

var today = day("2026-11-25")

func TestParseRequestReadsEveryParameter(t *testing.T) {
	q, _ := url.ParseQuery("from=2026-11-01&to=2026-11-30&group_by=tag&tag=env&granularity=month&metric=effective" +
		"&currency=billing&compare=previous&sort=label&top=3" +
		"&filter=service:Virtual%20Machines&filter=service:Storage&filter=tag:env:prod&filter=tag:aws:createdBy=ci:bot" +
		"&filter=region:&filter=")
	req, err := ParseRequest(q, today)
	if err != nil {
		t.Fatal(err)
	}
	want := Request{Query: costs.Query{From: day("2026-11-01"), To: day("2026-12-01"), GroupBy: costs.DimTag, GroupTag: "env",
		Filters: []costs.Filter{{Dim: costs.DimService, Values: []string{"Virtual Machines", "Storage"}},
			{Dim: costs.DimTag, TagKey: "env", Values: []string{"prod"}},
			{Dim: costs.DimTag, TagKey: "aws:createdBy", Values: []string{"ci:bot"}},
			{Dim: costs.DimRegion, Values: []string{costs.NoValue}}}},
		Granularity: Month, Metric: costs.MetricEffective, Mode: Billing, Compare: true, Sort: SortLabel, Desc: false, Top: 3}
	if !reflect.DeepEqual(req, want) {
		t.Fatalf("got  %+v\nwant %+v", req, want)
	}
	// Params writes the same request back.
	again, err := ParseRequest(Params(req), today)
	if err != nil || !reflect.DeepEqual(again, want) {
		t.Fatalf("round trip through Params: %+v %v\n%s", again, err, Params(req).Encode())
	}
}

func TestParseRequestDefaults(t *testing.T) {
	req, err := ParseRequest(url.Values{}, today)
	if err != nil {
		t.Fatal(err)
	}
	if req.From != day("2026-08-28") || req.To != day("2026-11-26") || req.Granularity != Day || req.Metric != costs.MetricBilled ||
		req.Mode != Reporting || req.Compare || req.Sort != SortTotal || !req.Desc || req.Top != DefaultTop || req.GroupBy != "" {
		t.Fatalf("defaults %+v", req)
	}
}

func TestParseRequestNamesTheBadParameter(t *testing.T) {
	cases := map[string]string{
		"from=2026-13-01&to=2026-11-02": "from",
		"from=2026-11-01":               "to",
		"from=2026-11-05&to=2026-11-01": "to",
		"from=2024-01-01&to=2026-01-01": "to", // too many days for a daily view
		"group_by=colour":               "group_by",
		"group_by=tag":                  "tag",
		"granularity=week":              "granularity",
		"metric=amortized":              "metric",
		"currency=EUR":                  "currency",
		"compare=yes":                   "compare",
		"sort=size":                     "sort",
		"dir=up":                        "dir",
		"top=0":                         "top",
		"filter=colour:red":             "filter",
		"filter=nocolon":                "filter",
		"filter=tag::prod":              "filter",
		"from=2016-01-01&to=2026-11-01&granularity=month": "to",
	}
	for query, field := range cases {
		q, _ := url.ParseQuery(query)
		_, err := ParseRequest(q, today)
		if domain.ErrorCode(err) != domain.CodeInvalid || domain.ErrorField(err) != field {
			t.Errorf("%s: error %v (field %q), want invalid %s", query, err, domain.ErrorField(err), field)
		}
	}
}

func TestPresets(t *testing.T) {
	cases := map[string][2]string{
		"this_month": {"2026-11-01", "2026-11-25"}, "last_month": {"2026-10-01", "2026-10-31"},
		"last_30": {"2026-10-27", "2026-11-25"}, "last_90": {"2026-08-28", "2026-11-25"},
	}
	for _, key := range Presets {
		from, to, ok := PresetRange(key, today)
		if want := cases[key]; !ok || from != day(want[0]) || to != day(want[1]) {
			t.Errorf("%s: %v – %v, want %v", key, from, to, want)
		}
	}
}

// FuzzParseRequest feeds arbitrary query strings to the explorer's
// parser: it never panics, refuses only with invalid-input errors that
// name a parameter, and what it accepts survives Params unchanged.
func FuzzParseRequest(f *testing.F) {
	for _, s := range []string{"from=2026-11-01&to=2026-11-30&group_by=tag&tag=env", "filter=tag:aws:x=y&filter=service:",
		"filter=tag:env", "granularity=month&from=2016-01-01&to=2026-01-01", "top=51", "filter=%3A", "compare=previous&sort=change&dir=asc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		req, err := ParseRequest(q, today)
		if err != nil {
			if domain.ErrorCode(err) != domain.CodeInvalid || domain.ErrorField(err) == "" {
				t.Fatalf("%q: %v (field %q)", raw, err, domain.ErrorField(err))
			}
			return
		}
		again, err := ParseRequest(Params(req), today)
		if err != nil || !reflect.DeepEqual(again, req) {
			t.Fatalf("%q: through Params %+v (%v), was %+v", raw, again, err, req)
		}
	})
}
