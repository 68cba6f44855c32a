package app

import (
	"errors"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/fx"
)

// The demo's rates must convert every day its cost data covers, in every
// direction between its billing currencies, and be the same every run.
func TestDemoRatesCoverTheDemoCostData(t *testing.T) {
	now := time.Date(2026, 11, 25, 15, 0, 0, 0, time.UTC)
	start := demoCostStart(now)
	rates := demoRates(start.AddDate(0, 0, -7), now.AddDate(0, 0, 1))
	again := demoRates(start.AddDate(0, 0, -7), now.AddDate(0, 0, 1))
	if len(rates) == 0 || len(rates) != len(again) {
		t.Fatalf("rates %d, again %d", len(rates), len(again))
	}
	for i := range rates {
		if rates[i].Day != again[i].Day || rates[i].Value.Cmp(again[i].Value) != 0 {
			t.Fatalf("rate %d differs between runs: %+v vs %+v", i, rates[i], again[i])
		}
		if wd := rates[i].Day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			t.Fatalf("a weekend rate on %s; the ECB publishes none", rates[i].Day)
		}
	}
	c := fx.NewConverter(rates)
	curs := []domain.Currency{"USD", "EUR", "GBP"}
	for d := start; d.Before(start.AddDate(0, 0, demoCostDays)); d = d.AddDate(0, 0, 1) {
		for _, from := range curs {
			for _, to := range curs {
				if from == to {
					continue
				}
				var miss *fx.MissingRateError
				if _, err := c.Rate(from, to, d); errors.As(err, &miss) || err != nil {
					t.Fatalf("%s→%s on %s: %v", from, to, d.Format(time.DateOnly), err)
				}
			}
		}
	}
}
