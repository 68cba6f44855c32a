package app

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// demoFXSeed fixes the demo's exchange rates, like its cost data.
const demoFXSeed = 4217

// demoRates are reference rates in the ECB's shape (EUR base, working days
// only, so weekends use Friday's rate as with the real feed) for the
// currencies the demo's cost data is billed in. Each day moves a little
// from the previous one around a realistic level. Values have 4 decimals,
// as the ECB publishes them.
func demoRates(from, to time.Time) []domain.FXRate {
	rng := rand.New(rand.NewPCG(demoFXSeed, 1))
	levels := []struct {
		quote domain.Currency
		bp    int64 // the rate in 1/10000
	}{{"USD", 10850}, {"GBP", 8530}}
	var out []domain.FXRate
	for d := from.UTC().Truncate(24 * time.Hour); d.Before(to); d = d.AddDate(0, 0, 1) {
		if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			continue
		}
		for i := range levels {
			levels[i].bp += rng.Int64N(41) - 20 // ±0.2% a day at most
			out = append(out, domain.FXRate{Day: d, Base: "EUR", Quote: levels[i].quote,
				Value: apd.New(levels[i].bp, -4), Source: "demo"})
		}
	}
	return out
}

// seedDemoRates stores the demo's rates from a week before its cost data
// starts (the converter looks back up to 7 days) through today.
func (a *App) seedDemoRates(ctx context.Context, sys *auth.Principal, now time.Time) error {
	rates := demoRates(demoCostStart(now).AddDate(0, 0, -7), now.UTC().AddDate(0, 0, 1))
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.UpsertRates(ctx, sys.Org.ID, rates, cliActor.Email, domain.Now())
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, cliActor, audit.Entry{OrgID: sys.Org.ID, Action: "fx.rates_import",
			TargetType: "fx_rates", Details: map[string]any{"rates": len(rates), "added": res.Added, "source": "demo"}})
	})
}
