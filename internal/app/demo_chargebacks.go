package app

import (
	"context"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/chargeback"
)

// seedDemoChargebacks adds a recurring platform fee and generates the
// chargeback of the last complete month, so the Chargebacks area opens on
// a statement. A failure (say, a rate the demo data lacks) is logged: the
// demo still starts, and the page shows the error when generating again.
func (a *App) seedDemoChargebacks(ctx context.Context, sys *auth.Principal, now time.Time) {
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0)
	units, err := a.Chargebacks.Units(ctx, sys)
	if err == nil {
		for _, u := range units {
			if u.Name == "Platform" {
				_, err = a.Chargebacks.SaveExtra(ctx, sys, cliActor, "", chargeback.ExtraInput{Unit: u.ID, Kind: chargeback.KindServiceFee,
					Description: "Platform operations", Percent: "3", From: month.Format("2006-01"), Recurring: true})
			}
		}
	}
	if err == nil {
		_, err = a.Chargebacks.Generate(ctx, sys, cliActor, month)
	}
	if err != nil {
		a.Log.Warn("demo: no chargeback generated", "month", month.Format("2006-01"), "err", err)
	}
}
