package api_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/fx"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// seededRate is the CHF/JPY rate of 2026-01-09 each tenant starts with;
// its value and source are unique to the tenant, so a response that
// shows them leaks the tenant's rates.
type seededRate struct {
	value, source string
}

func (f *fixture) seedRate(p *auth.Principal, slug string) seededRate {
	f.t.Helper()
	sr := seededRate{value: map[string]string{"alpha": "161.000111", "beta": "162.000222"}[slug], source: "seed-" + slug}
	csv := "date,base,quote,rate\n2026-01-09,CHF,JPY," + sr.value + "\n"
	svc := &fx.Service{Store: f.st}
	if _, err := svc.Import(f.ctx, p, strings.NewReader(csv), sr.source, p.Actor("127.0.0.1", testUA)); err != nil {
		f.t.Fatal(err)
	}
	return sr
}

// assertRatesIntact checks that a tenant still has exactly its seeded
// rate, never changed.
func (f *fixture) assertRatesIntact(t *testing.T, tn tenant) {
	t.Helper()
	rates, err := f.st.ListRates(f.ctx, tn.org.ID, time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || len(rates) != 1 || rates[0].Value.Text('f') != tn.seedRate.value || rates[0].Source != tn.seedRate.source {
		t.Errorf("%s's rates changed: %+v %v", tn.org.Name, rates, err)
	}
	hist, err := f.st.RateHistory(f.ctx, tn.org.ID, "CHF", "JPY")
	if err != nil || len(hist) != 1 {
		t.Errorf("%s's rate history changed: %d entries, %v", tn.org.Name, len(hist), err)
	}
}

// JSON shapes of the fx endpoints as a client reads them.
type rateJSON struct {
	Day       string  `json:"day"`
	Base      string  `json:"base"`
	Quote     string  `json:"quote"`
	Rate      string  `json:"rate"`
	Source    string  `json:"source"`
	Previous  *string `json:"previous"`
	ChangedAt string  `json:"changed_at"`
	ChangedBy string  `json:"changed_by"`
}

type savedJSON struct {
	Added     int `json:"added"`
	Corrected int `json:"corrected"`
	Unchanged int `json:"unchanged"`
}

func TestFXRates(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.checkSetRate(t)
		f.checkRateHistory(t)
		f.checkImport(t)
		f.checkRateInputErrors(t)
		f.checkRateQueryErrors(t)
		f.checkReportingCurrency(t)
	})
}

// putRate sets a rate as org A's owner and returns what was saved.
func (f *fixture) putRate(t *testing.T, day, base, quote, rate string) savedJSON {
	t.Helper()
	body := map[string]string{"day": day, "base": base, "quote": quote, "rate": rate}
	res := f.do("PUT", "/api/v1/fx/rates", f.a.ownerToken, body)
	res.wantStatus(t, "put rate "+rate, 200)
	var s savedJSON
	res.decode(t, &s)
	return s
}

// rates lists org A's rates over [from, to] with the given token.
func (f *fixture) rates(t *testing.T, token, from, to string) []rateJSON {
	t.Helper()
	res := f.do("GET", "/api/v1/fx/rates?from="+from+"&to="+to, token, nil)
	res.wantStatus(t, "list rates", 200)
	var out listJSON[rateJSON]
	res.decode(t, &out)
	return out.Items
}

func (f *fixture) checkSetRate(t *testing.T) {
	for _, c := range []struct {
		rate string
		want savedJSON
	}{{"1.0921", savedJSON{Added: 1}}, {"1.0925", savedJSON{Corrected: 1}}, {"1.0925", savedJSON{Unchanged: 1}}} {
		if got := f.putRate(t, "2026-01-09", "EUR", "USD", c.rate); got != c.want {
			t.Errorf("put %s: %+v, want %+v", c.rate, got, c.want)
		}
	}
	// Lower-case codes are read as the currency they name.
	const exact = "1.123456789012345678"
	f.putRate(t, "2026-01-09", "eur", "gbp", exact)
	res := f.do("GET", "/api/v1/fx/rates?from=2026-01-09&to=2026-01-09", f.a.viewerToken, nil)
	res.wantStatus(t, "viewer lists rates", 200)
	if !strings.Contains(string(res.body), `"rate":"`+exact+`"`) {
		t.Errorf("rate is not the exact decimal as a JSON string: %s", res.body)
	}
	got := f.rates(t, f.a.ownerToken, "2026-01-09", "2026-01-09")
	want := []rateJSON{
		{Day: "2026-01-09", Base: "CHF", Quote: "JPY", Rate: f.a.seedRate.value, Source: f.a.seedRate.source},
		{Day: "2026-01-09", Base: "EUR", Quote: "GBP", Rate: exact, Source: "manual"},
		{Day: "2026-01-09", Base: "EUR", Quote: "USD", Rate: "1.0925", Source: "manual"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("rates of 2026-01-09:\n got  %+v\n want %+v", got, want)
	}
	// Both ends are inclusive: a range ending the day before misses it.
	if got := f.rates(t, f.a.ownerToken, "2025-01-01", "2026-01-08"); len(got) != 0 {
		t.Errorf("range before the day returned %+v", got)
	}
}

func (f *fixture) checkRateHistory(t *testing.T) {
	res := f.do("GET", "/api/v1/fx/rates/history?base=EUR&quote=USD", f.a.viewerToken, nil)
	res.wantStatus(t, "history", 200)
	var hist listJSON[rateJSON]
	res.decode(t, &hist)
	if len(hist.Items) != 2 {
		t.Fatalf("history: %+v", hist.Items)
	}
	first, second := hist.Items[0], hist.Items[1]
	if first.Rate != "1.0921" || first.Previous != nil || second.Rate != "1.0925" || second.Previous == nil || *second.Previous != "1.0921" {
		t.Errorf("history does not show the correction: %+v / %+v", first, second)
	}
	for _, h := range hist.Items {
		if h.ChangedBy != f.a.owner.Email || h.Source != "manual" || h.Day != "2026-01-09" {
			t.Errorf("history entry: %+v", h)
		}
		checkTime(t, "changed_at", h.ChangedAt)
	}
	if !strings.Contains(string(res.body), `"previous":null`) {
		t.Errorf("a new rate's previous is not null: %s", res.body)
	}
}

// importCSV posts a rate file as org A's owner.
func (f *fixture) importCSV(query, csv string) response {
	return f.do("POST", "/api/v1/fx/rates/import"+query, f.a.ownerToken, csvBody(csv))
}

func (f *fixture) checkImport(t *testing.T) {
	ecb := "Date,USD,JPY,\n2026-01-12,1.0930,171.50,\n2026-01-09,1.0925,N/A,\n"
	res := f.importCSV("?source=ecb", ecb)
	res.wantStatus(t, "ECB import", 200)
	var s savedJSON
	if res.decode(t, &s); s != (savedJSON{Added: 2, Unchanged: 1}) {
		t.Errorf("ECB import saved %+v", s)
	}
	got := f.rates(t, f.a.ownerToken, "2026-01-12", "2026-01-12")
	if len(got) != 2 || got[1] != (rateJSON{Day: "2026-01-12", Base: "EUR", Quote: "USD", Rate: "1.0930", Source: "ecb"}) {
		t.Errorf("imported ECB rates: %+v", got)
	}
	res = f.importCSV("", "date,base,quote,rate\n2026-01-13,USD,CHF,0.8512\n")
	res.wantStatus(t, "plain import", 200)
	if got := f.rates(t, f.a.ownerToken, "2026-01-13", "2026-01-13"); len(got) != 1 || got[0].Source != "import" {
		t.Errorf("plain import without source: %+v", got)
	}
	f.checkBadImports(t)
}

// checkBadImports: every refused file leaves the rates as they were.
func (f *fixture) checkBadImports(t *testing.T) {
	before := f.rates(t, f.a.ownerToken, "2020-01-01", "2026-02-28")
	bad := "date,base,quote,rate\n2026-01-14,EUR,USD,1.1\n2026-01-09,EUR,QQQ,1.2\n"
	e := f.importCSV("", bad).wantError(t, "bad CSV", 400, domain.CodeInvalid)
	if !strings.Contains(e.Error.Message, "line 3") || !strings.Contains(e.Error.Message, "quote") || e.Error.Field != "file" {
		t.Errorf("bad CSV error does not name line and column: %+v", e.Error)
	}
	f.importCSV("", "").wantError(t, "empty file", 400, domain.CodeInvalid)
	e = f.importCSV("?source=my%20rates!", "date,base,quote,rate\n2026-01-14,EUR,USD,1.1\n").wantError(t, "bad source", 400, domain.CodeInvalid)
	if e.Error.Field != "source" {
		t.Errorf("bad source: field %q", e.Error.Field)
	}
	req := f.newRequest("POST", "/api/v1/fx/rates/import", `{"day":"2026-01-14"}`)
	req.Header.Set("Authorization", "Bearer "+f.a.ownerToken)
	f.send(req).wantError(t, "JSON to import", 415, domain.CodeInvalid)
	// A body over the limit is one quoted field the parser keeps reading.
	huge := "date,base,quote,rate\n\"" + strings.Repeat("9", 32<<20)
	e = f.importCSV("", huge).wantError(t, "oversized file", 413, domain.CodeTooLarge)
	if !strings.Contains(e.Error.Message, "32 MiB") {
		t.Errorf("size limit not named: %q", e.Error.Message)
	}
	if after := f.rates(t, f.a.ownerToken, "2020-01-01", "2026-02-28"); !slices.Equal(before, after) {
		t.Errorf("a refused import changed the rates:\n before %+v\n after  %+v", before, after)
	}
}

func (f *fixture) checkRateInputErrors(t *testing.T) {
	ok := map[string]any{"day": "2026-01-20", "base": "EUR", "quote": "USD", "rate": "1.1"}
	for _, c := range []struct {
		field string
		value any
	}{
		{"day", "2026-13-01"}, {"day", "20/01/2026"}, {"day", ""},
		{"base", "EURO"}, {"base", ""}, {"quote", "ZZZ"}, {"quote", "EUR"},
		{"rate", "1,5"}, {"rate", "-1"}, {"rate", "0"}, {"rate", "0.000"}, {"rate", "1e3"}, {"rate", "NaN"},
		{"rate", "abc"}, {"rate", ""}, {"rate", 1.5},
	} {
		body := map[string]any{}
		for k, v := range ok {
			body[k] = v
		}
		body[c.field] = c.value
		what := fmt.Sprintf("rate with %s=%#v", c.field, c.value)
		e := f.do("PUT", "/api/v1/fx/rates", f.a.ownerToken, body).wantError(t, what, 400, domain.CodeInvalid)
		if e.Error.Field != c.field {
			t.Errorf("%s: field %q, want %q (%s)", what, e.Error.Field, c.field, e.Error.Message)
		}
	}
	if got := f.rates(t, f.a.ownerToken, "2026-01-20", "2026-01-20"); len(got) != 0 {
		t.Errorf("refused rates were stored: %+v", got)
	}
}

func (f *fixture) checkRateQueryErrors(t *testing.T) {
	for _, c := range []struct{ query, field string }{
		{"to=2026-01-31", "from"}, {"from=2026-01-01", "to"}, {"from=2026-01-01&to=31.01.2026", "to"},
		{"from=2026-02-01&to=2026-01-31", "to"}, {"from=2016-01-01&to=2026-02-28", "to"},
	} {
		e := f.do("GET", "/api/v1/fx/rates?"+c.query, f.a.ownerToken, nil).wantError(t, c.query, 400, domain.CodeInvalid)
		if e.Error.Field != c.field {
			t.Errorf("%s: field %q, want %q", c.query, e.Error.Field, c.field)
		}
	}
	// 3700 days apart is the most allowed.
	f.rates(t, f.a.ownerToken, "2016-01-01", time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 3700).Format(time.DateOnly))
	for _, c := range []struct{ query, field string }{{"quote=USD", "base"}, {"base=EUR&quote=US", "quote"}, {"base=EUR", "quote"}} {
		e := f.do("GET", "/api/v1/fx/rates/history?"+c.query, f.a.ownerToken, nil).wantError(t, c.query, 400, domain.CodeInvalid)
		if e.Error.Field != c.field {
			t.Errorf("history %s: field %q, want %q", c.query, e.Error.Field, c.field)
		}
	}
}

func (f *fixture) checkReportingCurrency(t *testing.T) {
	var org struct {
		Name              string `json:"name"`
		ReportingCurrency string `json:"reporting_currency"`
	}
	f.do("GET", "/api/v1/org", f.a.ownerToken, nil).decode(t, &org)
	if org.ReportingCurrency != "USD" {
		t.Errorf("new org reports in %q", org.ReportingCurrency)
	}
	res := f.do("PATCH", "/api/v1/org", f.a.ownerToken, map[string]any{"reporting_currency": "eur"})
	res.wantStatus(t, "set reporting currency", 200)
	f.do("GET", "/api/v1/org", f.a.ownerToken, nil).decode(t, &org)
	if org.ReportingCurrency != "EUR" || org.Name != "Alpha Tenant" {
		t.Errorf("after patch: %+v", org)
	}
	for _, v := range []string{"EURO", "", "QQQ"} {
		e := f.do("PATCH", "/api/v1/org", f.a.ownerToken, map[string]any{"reporting_currency": v}).wantError(t, "currency "+v, 400, domain.CodeInvalid)
		if e.Error.Field != "reporting_currency" {
			t.Errorf("currency %q: field %q", v, e.Error.Field)
		}
	}
	if got, err := f.st.GetOrg(f.ctx, f.a.org.ID); err != nil || got.ReportingCurrency != "EUR" {
		t.Errorf("stored reporting currency %q, %v", got.ReportingCurrency, err)
	}
}
