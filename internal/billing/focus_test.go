package billing

import (
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/cockroachdb/apd/v3"
)

func readAll(t *testing.T, path string) (*Reader, []*Line) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := Open(f)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var lines []*Line
	for {
		l, err := r.Next()
		if errors.Is(err, io.EOF) {
			return r, lines
		}
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, l)
	}
}

func sum(lines []*Line, get func(*Line) *apd.Decimal) string {
	total := new(apd.Decimal)
	for _, l := range lines {
		if d := get(l); d != nil {
			if _, err := apd.BaseContext.WithPrecision(40).Add(total, total, d); err != nil {
				panic(err)
			}
		}
	}
	return total.Text('f')
}

func TestFOCUSQuirks(t *testing.T) {
	for _, path := range []string{"testdata/focus12_quirks.csv", "testdata/focus12_quirks.csv.gz"} {
		t.Run(path, func(t *testing.T) {
			r, lines := readAll(t, path)
			if r.Format() != FOCUS12 || len(lines) != 2 {
				t.Fatalf("format %s, %d lines", r.Format(), len(lines))
			}
			l := lines[0]
			if l.BillingAccountName != "Contoso, Ltd" || l.ChargeClass != "" || l.Tags["team"] != "a,b" || l.Tags["env"] != "prod" {
				t.Fatalf("line 1: %+v", l)
			}
			if l.BilledCost.Text('f') != "12.3456789012" || l.ConsumedQuantity.Text('f') != "24" {
				t.Fatalf("exact amounts: %s %s", l.BilledCost.Text('f'), l.ConsumedQuantity.Text('f'))
			}
			if l.Extra["x_CustomThing"] != "keep-me" {
				t.Fatalf("x_ column kept: %v", l.Extra)
			}
			c := lines[1]
			if c.ChargeClass != ChargeClassCorrection || c.ListCost != nil || c.ChargePeriodStart.Format("2006-01-02T15") != "2026-01-02T00" {
				t.Fatalf("line 2: %+v", c)
			}
			if got := sum(lines, func(l *Line) *apd.Decimal { return l.BilledCost }); got != "10.3456789012" {
				t.Fatalf("billed total %s", got)
			}
		})
	}
}

func TestMalformedFilesNameTheProblem(t *testing.T) {
	header := "BilledCost,BillingAccountId,BillingCurrency,BillingPeriodEnd,BillingPeriodStart,ChargeCategory,ChargePeriodEnd,ChargePeriodStart,ContractedCost,EffectiveCost,InvoiceIssuerName,ListCost,ProviderName,PublisherName,ServiceName\n"
	good := "1.5,a,EUR,2026-02-01,2026-01-01,Usage,2026-01-02,2026-01-01,1,1,X,1,X,X,S\n"
	cases := map[string]struct{ body, want string }{
		"empty":       {"", "empty"},
		"unknown":     {"foo,bar\n1,2\n", "unrecognised header"},
		"bad number":  {header + strings.Replace(good, "1.5", "1,5x", 1), "line 2"},
		"bad number2": {header + strings.Replace(good, "1.5", "abc", 1), "column BilledCost: not a number"},
		"bad date":    {header + strings.Replace(good, "2026-01-02", "tomorrow", 1), "column ChargePeriodEnd: not a date"},
		"category":    {header + strings.Replace(good, "Usage", "Fee", 1), "column ChargeCategory"},
		"fields":      {header + "1,2\n", "has 2 fields, the header has 15"},
		"quote":       {header + "\"1.5,a\n", "malformed CSV"},
		"no currency": {header + strings.Replace(good, "EUR", "", 1), "currency is required"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			err := readErr(c.body)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want error containing %q, got %v", c.want, err)
			}
		})
	}
}

func readErr(body string) error {
	r, err := Open(strings.NewReader(body))
	if err != nil {
		return err
	}
	for {
		if _, err := r.Next(); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

func TestTruncatedGzip(t *testing.T) {
	b, err := os.ReadFile("testdata/focus12_quirks.csv.gz")
	if err != nil {
		t.Fatal(err)
	}
	err = readErr(string(b[:len(b)-12]))
	if err == nil || !strings.Contains(err.Error(), "truncated or corrupt") {
		t.Fatalf("truncated gzip: %v", err)
	}
}

// FuzzOpen feeds arbitrary bytes to the reader: it must never panic and
// must answer with a ParseError, not an anonymous failure.
func FuzzOpen(f *testing.F) {
	b, _ := os.ReadFile("testdata/focus12_quirks.csv")
	f.Add(string(b))
	f.Add("BilledCost\n1\n")
	f.Fuzz(func(t *testing.T, body string) {
		err := readErr(body)
		var pe *ParseError
		if err != nil && !errors.As(err, &pe) {
			t.Fatalf("error is not a ParseError: %v", err)
		}
	})
}
