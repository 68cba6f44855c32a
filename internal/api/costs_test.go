package api_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/billing/focusgen"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// costStart is the first charge day of the generated data; it spans
// costDays days.
var costStart = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

const costDays = 10

// importCosts loads generated FOCUS lines into a tenant and returns the
// generator's exact BilledCost totals per currency.
func (f *fixture) importCosts(tn tenant, seed int64) focusgen.Stats {
	f.t.Helper()
	var buf bytes.Buffer
	st, err := focusgen.Generate(&buf, focusgen.Options{Rows: 1500, Seed: seed, Start: costStart, Days: costDays})
	if err != nil {
		f.t.Fatal(err)
	}
	r, err := billing.Open(&buf)
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.st.Costs().Import(f.ctx, tn.org.ID, r, costs.ImportMeta{FileName: "gen.csv", CreatedBy: "test"}); err != nil {
		f.t.Fatal(err)
	}
	return st
}

type exploreJSON struct {
	From       string                   `json:"from"`
	To         string                   `json:"to"`
	Currency   string                   `json:"currency"`
	Periods    []struct{ Label string } `json:"periods"`
	Currencies []struct {
		Currency string `json:"currency"`
		Total    string `json:"total"`
		Series   []struct {
			Group   string   `json:"group"`
			Total   string   `json:"total"`
			Amounts []string `json:"amounts"`
		} `json:"series"`
		Chart []struct {
			Label string `json:"label"`
		} `json:"chart"`
	} `json:"currencies"`
	Warnings []struct {
		Currency string   `json:"currency"`
		Amount   string   `json:"amount"`
		Days     []string `json:"days"`
	} `json:"warnings"`
}

func reduced(s string) string {
	d, _, err := apd.NewFromString(s)
	if err != nil {
		return "not a number: " + s
	}
	d.Reduce(d)
	return d.Text('f')
}

var costRangeQuery = "from=2026-03-01&to=2026-03-10"

func TestCostsExploreHappyPath(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		stats := f.importCosts(f.a, 7)
		res := f.do("GET", "/api/v1/costs/explore?"+costRangeQuery+"&group_by=service&currency=billing&granularity=month", f.a.viewerToken, nil)
		res.wantStatus(t, "explore as viewer", 200)
		var got exploreJSON
		res.decode(t, &got)
		if got.From != "2026-03-01" || got.To != "2026-03-10" || got.Currency != "billing" || len(got.Periods) != 1 {
			t.Fatalf("explore: %+v", got)
		}
		if len(got.Currencies) != len(stats.BilledCost) {
			t.Fatalf("%d currencies, generator wrote %v", len(got.Currencies), stats.BilledCost)
		}
		for _, c := range got.Currencies {
			if reduced(c.Total) != reduced(stats.BilledCost[c.Currency]) {
				t.Errorf("%s total %s, generator's exact total %s", c.Currency, c.Total, stats.BilledCost[c.Currency])
			}
			if len(c.Series) == 0 || len(c.Chart) > 11 {
				t.Errorf("%s: %d series, %d chart series", c.Currency, len(c.Series), len(c.Chart))
			}
		}
		// Reporting mode without any rate: every non-USD amount is a
		// warning, never a zero or 1:1 conversion.
		res = f.do("GET", "/api/v1/costs/explore?"+costRangeQuery, f.a.ownerToken, nil)
		res.wantStatus(t, "explore in reporting mode", 200)
		got = exploreJSON{}
		res.decode(t, &got)
		if len(got.Currencies) != 1 || got.Currencies[0].Currency != "USD" ||
			reduced(got.Currencies[0].Total) != reduced(stats.BilledCost["USD"]) {
			t.Errorf("reporting: %+v, want the USD lines only (%s)", got.Currencies, stats.BilledCost["USD"])
		}
		if len(got.Warnings) != len(stats.BilledCost)-1 {
			t.Errorf("warnings %+v", got.Warnings)
		}
		for _, w := range got.Warnings {
			if reduced(w.Amount) != reduced(stats.BilledCost[w.Currency]) || len(w.Days) != costDays {
				t.Errorf("warning %+v, want %s over %d days", w, stats.BilledCost[w.Currency], costDays)
			}
		}
		for _, path := range []string{"/api/v1/costs/values?dim=service&" + costRangeQuery, "/api/v1/costs/consumption?" + costRangeQuery, "/api/v1/costs/freshness"} {
			res := f.do("GET", path, f.a.viewerToken, nil)
			res.wantStatus(t, path, 200)
			if items, _ := res.json(t)["items"].([]any); len(items) == 0 {
				t.Errorf("%s: no items: %s", path, res.body)
			}
		}
	})
}

func TestCostsExportsNeedCostsExport(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		stats := f.importCosts(f.a, 8)
		for _, path := range []string{"/api/v1/costs/export.csv?" + costRangeQuery, "/api/v1/costs/lines.csv?" + costRangeQuery} {
			f.do("GET", path, f.a.viewerToken, nil).wantError(t, "viewer "+path, 403, domain.CodeForbidden)
		}
		res := f.do("GET", "/api/v1/costs/export.csv?"+costRangeQuery+"&currency=billing&group_by=provider", f.a.ownerToken, nil)
		res.wantStatus(t, "table export", 200)
		recs, err := csv.NewReader(bytes.NewReader(res.body)).ReadAll()
		if err != nil || len(recs) < 3 || recs[0][0] != "currency" || recs[0][1] != "provider" {
			t.Fatalf("table CSV %q %v", res.body, err)
		}
		totals := 0
		for _, r := range recs[1:] {
			if r[2] == "Total" {
				totals++
				want := roundedTo(t, stats.BilledCost[r[0]], 2)
				if r[len(r)-1] != want {
					t.Errorf("%s Total row %q, want %s", r[0], r, want)
				}
			}
		}
		if totals != len(stats.BilledCost) {
			t.Errorf("%d Total rows, want one per currency", totals)
		}
		res = f.do("GET", "/api/v1/costs/lines.csv?"+costRangeQuery, f.a.ownerToken, nil)
		res.wantStatus(t, "FOCUS export", 200)
		r, err := billing.Open(bytes.NewReader(res.body))
		if err != nil || r.Format() != billing.FOCUS12 {
			t.Fatalf("FOCUS export: %v (format %s)", err, r.Format())
		}
		n := 0
		for {
			_, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		if n != stats.Rows {
			t.Errorf("FOCUS export has %d lines, imported %d", n, stats.Rows)
		}
	})
}

func roundedTo(t *testing.T, s string, places int32) string {
	t.Helper()
	d, _, err := apd.NewFromString(s)
	if err != nil {
		t.Fatal(err)
	}
	c := apd.BaseContext.WithPrecision(40)
	c.Rounding = apd.RoundHalfUp
	if _, err := c.Quantize(d, d, -places); err != nil {
		t.Fatal(err)
	}
	return d.Text('f')
}

func TestCostsBadParametersAreNamed(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		cases := map[string]string{
			"/api/v1/costs/explore?from=2026-03-40&to=2026-03-10":            "from",
			"/api/v1/costs/explore?from=2026-03-01":                          "to",
			"/api/v1/costs/explore?group_by=planet":                          "group_by",
			"/api/v1/costs/explore?group_by=tag":                             "tag",
			"/api/v1/costs/explore?granularity=hour":                         "granularity",
			"/api/v1/costs/explore?metric=cheapest":                          "metric",
			"/api/v1/costs/explore?currency=EUR":                             "currency",
			"/api/v1/costs/explore?compare=last-year":                        "compare",
			"/api/v1/costs/explore?filter=" + url.QueryEscape("planet:Mars"): "filter",
			"/api/v1/costs/values?from=2026-03-01&to=2026-03-02":             "dim",
			"/api/v1/costs/values?dim=service&limit=0":                       "limit",
			"/api/v1/costs/consumption?to=2026-01-01&from=2026-02-01":        "to",
			"/api/v1/costs/export.csv?sort=size":                             "sort",
			"/api/v1/costs/lines.csv?filter=nothing":                         "filter",
		}
		for path, field := range cases {
			e := f.do("GET", path, f.a.ownerToken, nil).wantError(t, path, 400, domain.CodeInvalid)
			if e.Error.Field != field {
				t.Errorf("%s: field %q, want %q (%s)", path, e.Error.Field, field, e.Error.Message)
			}
		}
	})
}

func TestCostsStayWithinTheTenant(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.importCosts(f.a, 9)
		for _, path := range []string{"/api/v1/costs/explore?currency=billing&group_by=sub_account&" + costRangeQuery,
			"/api/v1/costs/values?dim=billing_account&" + costRangeQuery, "/api/v1/costs/freshness",
			"/api/v1/costs/consumption?" + costRangeQuery, "/api/v1/costs/lines.csv?" + costRangeQuery} {
			res := f.do("GET", path, f.b.ownerToken, nil)
			res.wantStatus(t, "B "+path, 200)
			for _, leak := range []string{"Contoso", "123456789012", "Virtual Machines", "EUR"} {
				if strings.Contains(string(res.body), leak) {
					t.Errorf("B's %s shows A's %q: %.300s", path, leak, res.body)
				}
			}
		}
	})
}
