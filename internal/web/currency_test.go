package web_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

func (f *fixture) upload(c *http.Client, path, field, name, body string) (int, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile(field, name)
	fw.Write([]byte(body))
	mw.Close()
	req, _ := http.NewRequest("POST", f.srv.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	out.ReadFrom(resp.Body)
	return resp.StatusCode, out.String()
}

func TestCurrencySettings(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		owner := f.client("owner-a@example.com")
		today := time.Now().UTC().Format("2006-01-02")
		ecb := "Date,USD,JPY,\n" + today + ",1.0921,158.25,\n"
		if code, _ := f.upload(owner, "/settings/currency/import", "file", "eurofxref.csv", ecb); code != http.StatusSeeOther {
			t.Fatalf("import: %d", code)
		}
		code, body := f.do(owner, "GET", "/settings/currency", nil)
		if code != http.StatusOK || !strings.Contains(body, "2 added, 0 corrected") || !strings.Contains(body, "<code>1.0921</code>") {
			t.Fatalf("after import: %d", code)
		}
		code, body = f.upload(owner, "/settings/currency/import", "file", "bad.csv", "Date,USD\n"+today+",abc\n")
		if code != http.StatusBadRequest || !strings.Contains(body, "line 2, column USD") {
			t.Fatalf("bad file: %d", code)
		}
		form := url.Values{"day": {today}, "base": {"eur"}, "quote": {"usd"}, "rate": {"1.0925"}}
		if code, _ := f.do(owner, "POST", "/settings/currency/rates", form); code != http.StatusSeeOther {
			t.Fatalf("correct a rate: %d", code)
		}
		code, body = f.do(owner, "GET", "/settings/currency?base=EUR&quote=USD", nil)
		if code != http.StatusOK || !strings.Contains(body, "<code>1.0925</code>") || !strings.Contains(body, "History of EUR/USD") {
			t.Fatalf("history: %d", code)
		}
		if code, _ := f.do(owner, "POST", "/settings/currency/reporting", url.Values{"reporting_currency": {"EUR"}}); code != http.StatusSeeOther {
			t.Fatalf("reporting currency: %d", code)
		}
		if org, _ := f.st.GetOrg(context.Background(), f.orgs["A"].ID); org.ReportingCurrency != "EUR" {
			t.Fatalf("reporting currency not stored: %q", org.ReportingCurrency)
		}
		viewer := f.client("viewer-a@example.com")
		if code, body := f.do(viewer, "GET", "/settings/currency", nil); code != http.StatusOK || strings.Contains(body, `action="/settings/currency/import"`) {
			t.Fatalf("a viewer sees rates without the forms: %d", code)
		}
		if code, _ := f.upload(viewer, "/settings/currency/import", "file", "x.csv", ecb); code != http.StatusForbidden {
			t.Fatalf("a viewer imports: %d", code)
		}
		ownerB := f.client("owner-b@example.com")
		if _, body := f.do(ownerB, "GET", "/settings/currency", nil); strings.Contains(body, "1.0925") {
			t.Fatal("org B sees org A's rates")
		}
	})
}
