package fx_test

import (
	"strings"
	"testing"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/fx"
)

// FuzzParseRates feeds arbitrary files to the exchange-rate importer: it
// never panics, every refusal names its line, and every rate it returns is
// a positive finite number between two different three-letter currencies.
func FuzzParseRates(f *testing.F) {
	for _, s := range []string{ecbHistory, ecbDaily, "date,base,quote,rate\n2026-01-09,usd,chf,0.8512\n",
		"\ufeffDate,USD,\n2026-01-09,1.1,\n\n", "Date,USD\n2026-01-01,1e400\n", "Date,EUR,USD\n2026-01-01,1,1.1\n",
		"date,base,quote,rate\n2026-01-09,EUR,EUR,1\n", "Date\n2026-01-01\n", "\"Date,USD\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		rates, err := fx.ParseRates(strings.NewReader(in), "fuzz")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "line ") {
				t.Fatalf("error without a line: %v", err)
			}
			return
		}
		for _, r := range rates {
			if r.Value == nil || r.Value.Form != apd.Finite || r.Value.Sign() <= 0 {
				t.Fatalf("rate %+v is not a positive number", r)
			}
			if len(r.Base) != 3 || len(r.Quote) != 3 || r.Base == r.Quote || strings.ToUpper(string(r.Quote)) != string(r.Quote) {
				t.Fatalf("rate %s/%s: not a pair of two currencies", r.Base, r.Quote)
			}
			if r.Day.IsZero() || r.Source != "fuzz" {
				t.Fatalf("rate %+v without a day or source", r)
			}
		}
	})
}
