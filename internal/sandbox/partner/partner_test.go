package partner

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

const partnerTenant = "7c1e2d3f-4444-4a5b-8c6d-7e8f9a0b1c2d"

type env struct {
	t      *testing.T
	p      *Partner
	clock  *sbx.Clock
	issuer *sbx.Issuer
	url    string
	client *http.Client
}

func newEnv(t *testing.T, at time.Time) *env {
	t.Helper()
	clock := &sbx.Clock{}
	clock.Set(at)
	issuer, err := sbx.NewIssuer(clock)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := sbx.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	p := New(Options{Seed: 7, Clock: clock, Issuer: issuer})
	p.AddPartner(partnerTenant, "Fabrikam CSP", 4)
	srv, err := sbx.Serve(ca, sbx.NewFaults(), "partnercenter", ErrorWriter, p.Handler())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return &env{t: t, p: p, clock: clock, issuer: issuer, url: srv.URL, client: ca.Client()}
}

func (e *env) token(over sbx.Claims) string {
	c := sbx.Claims{"aud": "https://api.partnercenter.microsoft.com", "tid": partnerTenant, "appid": "app-1", "idtyp": "app",
		"exp": e.clock.Now().Add(time.Hour).Unix()}
	for k, v := range over {
		c[k] = v
	}
	tok, err := e.issuer.Sign(c)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// get sends GET path with the token and extra headers; the body is
// decoded with json.Number so amounts stay exact.
func (e *env) get(path, tok string, out any, hdr ...string) int {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.url+path, nil)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.Header.Get("MS-RequestId") == "" || resp.Header.Get("MS-CorrelationId") == "" {
		e.t.Fatalf("%s: no MS-RequestId / MS-CorrelationId", path)
	}
	if out != nil {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(out); err != nil {
			e.t.Fatalf("%s: %v in %s", path, err, b)
		}
	}
	return resp.StatusCode
}

type page struct {
	TotalCount        int              `json:"totalCount"`
	Items             []map[string]any `json:"items"`
	ContinuationToken string           `json:"continuationToken"`
	Links             map[string]struct {
		URI     string `json:"uri"`
		Headers []struct {
			Key, Value string
		} `json:"headers"`
	} `json:"links"`
}

// collect pages through first by following links.next with its
// MS-ContinuationToken header.
func (e *env) collect(first string) (items []map[string]any, pages int) {
	e.t.Helper()
	tok := e.token(nil)
	path, hdr := first, []string(nil)
	for {
		var p page
		if st := e.get(path, tok, &p, hdr...); st != 200 {
			e.t.Fatalf("%s: %d", path, st)
		}
		items, pages = append(items, p.Items...), pages+1
		next, ok := p.Links["next"]
		if !ok {
			return items, pages
		}
		if len(next.Headers) != 1 || next.Headers[0].Key != "MS-ContinuationToken" || next.Headers[0].Value != p.ContinuationToken {
			e.t.Fatalf("links.next = %+v", next)
		}
		path, hdr = "/v1"+next.URI, []string{"MS-ContinuationToken", next.Headers[0].Value}
	}
}

type errBody struct {
	Code        string `json:"code"`
	Description string `json:"description"`
	ErrorName   string `json:"errorName"`
}

func TestTokensRefusedLikePartnerCenter(t *testing.T) {
	e := newEnv(t, time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	other, _ := sbx.NewIssuer(e.clock)
	forged, _ := other.Sign(sbx.Claims{"aud": "https://api.partnercenter.microsoft.com", "tid": partnerTenant, "exp": e.clock.Now().Add(time.Hour).Unix()})
	cases := []struct {
		name, tok string
		status    int
	}{
		{"none", "", 401},
		{"expired", e.token(sbx.Claims{"exp": e.clock.Now().Add(-time.Second).Unix()}), 401},
		{"graph audience", e.token(sbx.Claims{"aud": "https://graph.microsoft.com"}), 401},
		{"forged", forged, 401},
		{"not a partner", e.token(sbx.Claims{"tid": "00000000-1111-4222-8333-444444444444"}), 403},
	}
	for _, c := range cases {
		var eb errBody
		if st := e.get("/v1/invoices", c.tok, &eb); st != c.status || eb.Code == "" || eb.Description == "" || eb.ErrorName == "" {
			t.Errorf("%s: %d %+v", c.name, st, eb)
		}
	}
}

// sum adds the decimal strings of field over items exactly; round rounds
// each to the cent first (half away from zero, as the invoice does).
func sum(t *testing.T, items []map[string]any, field string, round bool) *apd.Decimal {
	t.Helper()
	total := new(apd.Decimal)
	ctx := apd.BaseContext.WithPrecision(40)
	ctx.Rounding = apd.RoundHalfUp
	for _, it := range items {
		d, _, err := apd.NewFromString(string(it[field].(json.Number)))
		if err != nil {
			t.Fatalf("%s = %v: %v", field, it[field], err)
		}
		if round {
			_, _ = ctx.Quantize(d, d, -2)
		}
		_, _ = ctx.Add(total, total, d)
	}
	return total
}

func TestContinuationReturnsEveryLineOnceAndSumsToTheInvoice(t *testing.T) {
	e := newEnv(t, time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	var list struct {
		Items []map[string]any `json:"items"`
	}
	if st := e.get("/v1/invoices", e.token(nil), &list); st != 200 || len(list.Items) != 12 {
		t.Fatalf("invoices: %d, %d items", st, len(list.Items))
	}
	inv := list.Items[0]
	id := inv["id"].(string)
	if !strings.HasPrefix(id, "G") || inv["billingPeriodStartDate"] != "2026-10-01T00:00:00Z" {
		t.Fatalf("latest invoice %v", inv)
	}
	q := "/v1/invoices/" + id + "/lineitems?provider=onetime&invoicelineitemtype=billinglineitems&currencycode=USD&period=current"
	paged, pages := e.collect(q + "&size=7")
	whole, _ := e.collect(q + "&size=2000")
	if pages < 3 || len(paged) != len(whole) || len(whole) != e.p.Invoices(partnerTenant)[0].BillingLines {
		t.Fatalf("%d pages, %d lines paged, %d in one page", pages, len(paged), len(whole))
	}
	for i := range whole {
		a, _ := json.Marshal(paged[i])
		b, _ := json.Marshal(whole[i])
		if !bytes.Equal(a, b) {
			t.Fatalf("line %d differs between paged and whole reads", i)
		}
	}
	sub, tax, total := sum(t, paged, "subtotal", true), sum(t, paged, "taxTotal", false), sum(t, paged, "totalForCustomer", false)
	both := new(apd.Decimal)
	_, _ = apd.BaseContext.Add(both, sub, tax)
	want, _, _ := apd.NewFromString(string(inv["totalCharges"].(json.Number)))
	if both.Cmp(want) != 0 || total.Cmp(want) != 0 || want.Text('f') != e.p.Invoices(partnerTenant)[0].Total {
		t.Fatalf("subtotal %s + tax %s = %s, line totals %s, invoice %s", sub.Text('f'), tax.Text('f'), both.Text('f'), total.Text('f'), want.Text('f'))
	}
	prorated := 0
	for _, l := range paged {
		if s := string(l["subtotal"].(json.Number)); strings.Contains(s, ".") && len(s)-strings.IndexByte(s, '.') > 3 {
			prorated++
		}
	}
	if prorated == 0 {
		t.Fatal("no prorated line with a sub-cent subtotal: the rounding rule is not exercised")
	}
	for _, other := range list.Items[1:] {
		lines, _ := e.collect("/v1/invoices/" + other["id"].(string) + "/lineitems?provider=onetime&invoicelineitemtype=billinglineitems&currencycode=USD&period=current")
		got := new(apd.Decimal)
		_, _ = apd.BaseContext.Add(got, sum(t, lines, "subtotal", true), sum(t, lines, "taxTotal", false))
		if want, _, _ := apd.NewFromString(string(other["totalCharges"].(json.Number))); got.Cmp(want) != 0 {
			t.Fatalf("invoice %s: lines sum to %s, totalCharges %s", other["id"], got.Text('f'), want.Text('f'))
		}
	}
	usage, _ := e.collect("/v1/invoices/" + id + "/lineitems?provider=onetime&invoicelineitemtype=usagelineitems&currencycode=USD&period=current&size=500")
	if len(usage) == 0 || usage[0]["attributes"].(map[string]any)["objectType"] != "DailyRatedUsageLineItem" || usage[0]["invoiceNumber"] != id {
		t.Fatalf("%d usage lines, first %v", len(usage), usage[0])
	}
	assertUsageMatchesAzureLines(t, paged, usage)
}

// assertUsageMatchesAzureLines checks that each Azure plan meter line's
// subtotal is the rounded-down sum of its daily rated usage.
func assertUsageMatchesAzureLines(t *testing.T, billing, usage []map[string]any) {
	daily := map[string][]map[string]any{}
	for _, u := range usage {
		k := u["meterCategory"].(string) + " - " + u["meterSubCategory"].(string) + " - " + u["meterName"].(string) + "/" + u["customerId"].(string) + "/" + u["entitlementDescription"].(string)
		daily[k] = append(daily[k], u)
	}
	checked := 0
	for _, b := range billing {
		if b["productName"] != "Azure plan" {
			continue
		}
		k := b["meterDescription"].(string) + "/" + b["customerId"].(string) + "/" + strings.TrimPrefix(b["subscriptionDescription"].(string), "Azure plan - ")
		raw := sum(t, daily[k], "billingPreTaxTotal", false)
		down := new(apd.Decimal)
		ctx := apd.BaseContext.WithPrecision(40)
		ctx.Rounding = apd.RoundDown
		_, _ = ctx.Quantize(down, raw, -2)
		want, _, _ := apd.NewFromString(string(b["subtotal"].(json.Number)))
		if down.Cmp(want) != 0 {
			t.Fatalf("%s: daily sum %s, monthly subtotal %s", k, raw.Text('f'), want.Text('f'))
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no Azure plan lines")
	}
}
